// The supabase source must call the same SQL functions as the API, with the API's arguments
// prefixed `p_`, pass their JSON through unchanged, and always name the project it was given
// (there is no default project). The export goes to the API's /api/export with the user's token.
import { beforeEach, describe, expect, test, vi } from 'vitest'

const calls: { fn: string; args: Record<string, unknown> }[] = []
const tables: { table: string; op: string; value?: unknown }[] = []
const auth = { session: { user: { id: 'u1' }, access_token: 'jwt-of-u1' } as unknown }
const fetched: { url: string; init: RequestInit }[] = []

vi.stubEnv('VITE_TOKENOPTIMIZER_BASE_URL', 'http://127.0.0.2:8000/')
vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
  fetched.push({ url, init })
  if (url.includes('/api/optimization')) return new Response(JSON.stringify({ plans: [], monthly_saving: '0' }), { status: 200 })
  return url.includes('project=gone')
    ? new Response(JSON.stringify({ error: { code: 'not_found', message: 'no such project', details: [] } }), { status: 404 })
    : new Response('id,model\r\nr1,gpt-4o\r\n', { status: 200, headers: { 'Content-Type': 'text/csv' } })
})

// The real lib/supabase (its API helper is under test too) over a fake supabase-js client.
vi.mock('@supabase/supabase-js', () => {
  const query = (table: string) => {
    const chain = {
      select: () => chain,
      order: () => chain,
      limit: () => chain,
      eq: (_column: string, value: unknown) => { tables.push({ table, op: 'eq', value }); return chain },
      single: () => chain,
      upsert: (value: unknown) => { tables.push({ table, op: 'upsert', value }); return chain },
      then: (resolve: (r: unknown) => void) =>
        resolve(table === 'projects'
          ? { data: [{ id: 'project-1', name: 'acme' }], error: null }
          : { data: [{ model: 'gpt-4o', input_price: '0.0025', output_price: '0.01' }], error: null }),
    }
    return chain
  }
  return {
    createClient: () => ({
      rpc: async (fn: string, args: Record<string, unknown>) => {
        calls.push({ fn, args })
        if (fn === 'usage_logs_page') {
          const page = Number(args.p_cursor ?? 0)
          return { data: { rows: [{ id: `r${page}`, model: 'm', total_cost: '0.1' }], next: page < 2 ? String(page + 1) : null }, error: null }
        }
        if (fn === 'usage_session') {
          const turns = args.p_session_id === 'missing' ? [] : [{ id: 't1' }]
          return { data: { session_id: args.p_session_id, totals: {}, turns, truncated: false }, error: null }
        }
        if (fn === 'usage_breakdown' && args.p_by === 'provider') return { data: null, error: { message: 'boom', code: '22023', details: 'by' } }
        return { data: { from: args.p_from, shape: fn }, error: null }
      },
      from: query,
      auth: { getSession: async () => ({ data: { session: auth.session } }) },
    }),
  }
})

const { supabaseSource } = await import('./supabase-source')

const params = { project: 'project-1', from: '2026-11-16T00:00:00Z', to: '2026-11-23T00:00:00Z', model: 'gpt-4o', endpoint_name: null, provider: null }
const readArgs = { p_project: 'project-1', p_from: params.from, p_to: params.to, p_model: 'gpt-4o', p_endpoint_name: null, p_provider: null }

beforeEach(() => {
  calls.length = 0
  tables.length = 0
  fetched.length = 0
})

describe('supabase source', () => {
  test.each([
    ['signed out', null, false],
    ['signed in', { user: { id: 'u1' }, access_token: 't' }, true],
  ])('%s: getConfig says so and reads nothing (the project is the URL\'s)', async (_name, session, signedIn) => {
    const saved = auth.session
    auth.session = session
    const config = await supabaseSource.getConfig()
    auth.session = saved
    expect(config).toMatchObject({ mode: 'hosted', auth_required: true, is_admin: signedIn, project: null })
    expect([tables, calls]).toEqual([[], []])
  })

  test.each([
    ['getDashboard', () => supabaseSource.getDashboard({ ...params, project: null })],
    ['getLogs', () => supabaseSource.getLogs({ ...params, project: undefined })],
    ['getSession', () => supabaseSource.getSession('s-1')],
    ['getBudget', () => supabaseSource.getBudget(null)],
    ['exportCsv', () => supabaseSource.exportCsv({ ...params, project: null })],
  ])('%s without a project is refused before any call', async (_name, call) => {
    await expect(call()).rejects.toMatchObject({ name: 'ApiError', status: 400, details: [{ field: 'project', message: 'required' }] })
    expect([calls, fetched]).toEqual([[], []])
  })

  test.each([
    ['getDashboard', () => supabaseSource.getDashboard(params), 'usage_summary', readArgs],
    ['getTimeseries', () => supabaseSource.getTimeseries(params, 'hour'), 'usage_timeseries', { ...readArgs, p_bucket: 'hour' }],
    ['getBreakdown', () => supabaseSource.getBreakdown(params, 'endpoint_name'), 'usage_breakdown', { ...readArgs, p_by: 'endpoint_name' }],
    ['getUnpriced', () => supabaseSource.getUnpriced(params), 'unpriced_models', readArgs],
    ['getLogs', () => supabaseSource.getLogs({ ...params, status: 'error', cursor: 'c1', limit: 50 }), 'usage_logs_page', { ...readArgs, p_status: 'error', p_cursor: 'c1', p_limit: 50 }],
    ['a project filter', () => supabaseSource.getDashboard({ ...params, project: 'project-2' }), 'usage_summary', { ...readArgs, p_project: 'project-2' }],
    ['getSessions', () => supabaseSource.getSessions(params, { sort: 'cost', order: 'desc', cursor: null, limit: 25 }), 'conversation_page', { ...readArgs, p_sort: 'cost', p_order: 'desc', p_cursor: null, p_limit: 25 }],
    ['getSession', () => supabaseSource.getSession('s-1', 'project-1'), 'usage_session', { p_project: 'project-1', p_session_id: 's-1' }],
    ['getSession of a project', () => supabaseSource.getSession('s-1', 'project-2'), 'usage_session', { p_project: 'project-2', p_session_id: 's-1' }],
    ['getTokenMetrics', () => supabaseSource.getTokenMetrics(params), 'usage_token_metrics', readArgs],
    ['getBudget', () => supabaseSource.getBudget('project-1'), 'month_projection', { p_project: 'project-1' }],
  ])('%s calls %s with the API arguments', async (_name, call, fn, args) => {
    await call()
    expect(calls).toEqual([{ fn, args }])
  })

  test('the JSON is passed through and errors become ApiError', async () => {
    expect(await supabaseSource.getDashboard(params)).toEqual({ from: params.from, shape: 'usage_summary' })
    await expect(supabaseSource.getBreakdown(params, 'provider')).rejects.toMatchObject({ name: 'ApiError', code: '22023', message: 'boom', details: [{ message: 'by' }] })
  })

  test('a session without turns is a not_found ApiError, like the API\'s 404', async () => {
    await expect(supabaseSource.getSession('missing', 'project-1')).rejects.toMatchObject({ name: 'ApiError', status: 404, code: 'not_found' })
  })

  test('the optimization plan comes from the API (priced by ingest\'s resolver) with the user\'s token', async () => {
    expect(await supabaseSource.getOptimization({ ...params, endpoint_name: 'chat' })).toEqual({ plans: [], monthly_saving: '0' })
    const [{ url, init }] = fetched
    const sent = new URL(url)
    expect(sent.origin + sent.pathname).toBe('http://127.0.0.2:8000/api/optimization')
    expect(Object.fromEntries(sent.searchParams)).toEqual({
      project: 'project-1', from: params.from, to: params.to, model: 'gpt-4o', endpoint_name: 'chat' })
    expect(init.headers).toMatchObject({ Authorization: 'Bearer jwt-of-u1' })
    expect(calls).toEqual([])
  })

  test('CSV export streams from the API with the filters and the user\'s token', async () => {
    const blob = await supabaseSource.exportCsv({ ...params, endpoint_name: 'chat', status: 'error', cursor: 'c9', limit: 10 })
    expect(await blob.text()).toBe('id,model\r\nr1,gpt-4o\r\n')
    const [{ url, init }] = fetched
    const sent = new URL(url)
    expect(sent.origin + sent.pathname).toBe('http://127.0.0.2:8000/api/export')
    expect(Object.fromEntries(sent.searchParams)).toEqual({
      format: 'csv', project: 'project-1', from: params.from, to: params.to, model: 'gpt-4o', endpoint_name: 'chat', status: 'error',
    })
    expect(init.headers).toMatchObject({ Authorization: 'Bearer jwt-of-u1', Accept: 'text/csv' })
    expect(calls).toEqual([])  // no rpc pages: the server streams
    expect(supabaseSource.exportCsvHref(params)).toBeNull()
  })

  test('an export the API refuses is its ApiError; signed out, nothing is sent', async () => {
    await expect(supabaseSource.exportCsv({ ...params, project: 'gone' })).rejects.toMatchObject({ name: 'ApiError', status: 404, code: 'not_found' })
    const saved = auth.session
    auth.session = null
    await expect(supabaseSource.exportCsv(params)).rejects.toMatchObject({ status: 401, code: 'not_signed_in' })
    auth.session = saved
    expect(fetched).toHaveLength(1)
  })

  test('pricing is a select on model_pricing, with the unit stated', async () => {
    expect(await supabaseSource.getPricing()).toEqual({ unit: 'USD per 1K tokens', models: [{ model: 'gpt-4o', input_price: '0.0025', output_price: '0.01' }] })
  })
})
