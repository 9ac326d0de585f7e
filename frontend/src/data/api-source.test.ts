// The api source must call docs/api.md's endpoints with its parameter names.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { apiSource } from './api-source'

const requests: { url: string; init: RequestInit }[] = []

beforeEach(() => {
  requests.length = 0
  const storage = new Map<string, string>()
  vi.stubGlobal('localStorage', {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => storage.set(k, v),
    removeItem: (k: string) => storage.delete(k),
  })
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    requests.push({ url, init })
    if (url.startsWith('/api/pricing/bad')) {
      return new Response(JSON.stringify({ error: { code: 'invalid_price', message: 'input_price must be a decimal', details: [{ field: 'input_price', message: 'must be a decimal' }] } }), { status: 400 })
    }
    return new Response(JSON.stringify({ ok: true }), { status: 200 })
  })
})

afterEach(() => vi.unstubAllGlobals())

const params = { from: '2026-11-16T00:00:00Z', to: '2026-11-23T00:00:00Z', model: null, endpoint_name: 'chat', provider: null }
const q = 'from=2026-11-16T00%3A00%3A00Z&to=2026-11-23T00%3A00%3A00Z&endpoint_name=chat'

describe('api source', () => {
  test.each([
    ['config', () => apiSource.getConfig(), '/api/config'],
    ['dashboard', () => apiSource.getDashboard(params), `/api/dashboard?${q}`],
    ['timeseries', () => apiSource.getTimeseries(params, 'day'), `/api/usage/timeseries?${q}&bucket=day`],
    ['breakdown', () => apiSource.getBreakdown(params, 'model'), `/api/usage/breakdown?${q}&by=model`],
    ['logs', () => apiSource.getLogs({ ...params, status: 'ok', cursor: 'abc', limit: 50 }), `/api/logs?${q}&status=ok&cursor=abc&limit=50`],
    ['unpriced', () => apiSource.getUnpriced(params), `/api/pricing/unpriced?${q}`],
    ['pricing', () => apiSource.getPricing(), '/api/pricing'],
    ['project', () => apiSource.getDashboard({ ...params, project: 'p-1' }), `/api/dashboard?project=p-1&${q}`],
    ['sessions', () => apiSource.getSessions(params, { sort: 'score', order: 'asc', cursor: 'c1', limit: 25 }), `/api/tokens/sessions?${q}&sort=score&order=asc&cursor=c1&limit=25`],
    ['a session', () => apiSource.getSession('conv/1 a', 'p-1'), '/api/session/conv%2F1%20a?project=p-1'],
    ['a session, default project', () => apiSource.getSession('s-1'), '/api/session/s-1'],
    ['token metrics', () => apiSource.getTokenMetrics(params), `/api/tokens/metrics?${q}`],
    ['optimization', () => apiSource.getOptimization(params), `/api/optimization?${q}`],
    ['alerts', () => apiSource.getAlerts('p-1', 'firing'), '/api/alerts?project=p-1&state=firing'],
    ['alert rules', () => apiSource.getAlertRules(null), '/api/alerts/rules'],
    ['budget', () => apiSource.getBudget('p-1'), '/api/budget?project=p-1'],
    ['test-send', () => apiSource.testAlertRule('p-1', 'r-1'), '/api/alerts/rules/r-1/test?project=p-1'],
  ])('%s → %s', async (_name, call, url) => {
    await call()
    expect(requests.map((r) => r.url)).toEqual([url])
  })

  test('the CSV link carries the same filters, without paging', () => {
    expect(apiSource.exportCsvHref({ ...params, status: 'error', cursor: 'x', limit: 50 })).toBe(`/api/export?format=csv&${q}&status=error`)
  })

  test('a price is PUT as JSON with the admin token, and errors are parsed', async () => {
    localStorage.setItem('tokenoptimizer.adminToken', 'secret')
    await apiSource.putPrice('gpt-4o/2024', { input_price: '0.0025', output_price: '0.01' })
    expect(requests[0].url).toBe('/api/pricing/gpt-4o%2F2024')
    expect(requests[0].init.method).toBe('PUT')
    expect(requests[0].init.body).toBe('{"input_price":"0.0025","output_price":"0.01"}')
    expect(requests[0].init.headers).toMatchObject({ Authorization: 'Bearer secret', 'Content-Type': 'application/json' })
    await expect(apiSource.putPrice('bad', { input_price: 'x', output_price: '1' })).rejects.toMatchObject({
      name: 'ApiError', status: 400, code: 'invalid_price', details: [{ field: 'input_price', message: 'must be a decimal' }],
    })
  })
})
