// Browser tests of the dashboard against the real stack: a fresh Postgres database,
// `tokenoptimizer serve` (gunicorn) serving frontend/dist, traffic sent with the real Python
// SDK, Debian Chromium through playwright-core. The numbers on screen must equal what was sent.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser, sendTraffic, startServer } from './harness.mjs'
import { cost, formatUsd, integer, totals, totalsBy } from './expected.mjs'
import { SCREENSHOTS, screenshot, text, waitForText } from './page-helpers.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))

// The seeded prices these tests rely on (USD per 1K tokens); checked against /api/pricing first.
const PRICES = {
  'gpt-4o-mini': { input: '0.00015', output: '0.0006' },
  'gpt-4o': { input: '0.0025', output: '0.01' },
  'claude-haiku-4-5': { input: '0.001', output: '0.005' },
}
const UNPRICED_MODEL = 'acme-llm-7b'

// 3 models × 3 endpoints with distinct token counts, plus one model without a price.
const TRAFFIC = [
  { model: 'gpt-4o-mini', endpoint: 'chat', prompt: 1200, completion: 300, latency_ms: 420, count: 3 },
  { model: 'gpt-4o-mini', endpoint: 'summarize', prompt: 4000, completion: 250, latency_ms: 610, count: 2 },
  { model: 'gpt-4o-mini', endpoint: 'classify', prompt: 150, completion: 5, latency_ms: 180, count: 40 },
  { model: 'gpt-4o', endpoint: 'chat', prompt: 900, completion: 420, latency_ms: 910, count: 2 },
  { model: 'gpt-4o', endpoint: 'summarize', prompt: 3500, completion: 600, latency_ms: 1500, count: 1 },
  { model: 'gpt-4o', endpoint: 'classify', prompt: 200, completion: 10, latency_ms: 350, count: 3 },
  { model: 'claude-haiku-4-5', endpoint: 'chat', prompt: 1100, completion: 380, latency_ms: 650, count: 2 },
  { model: 'claude-haiku-4-5', endpoint: 'summarize', prompt: 5200, completion: 700, latency_ms: 1200, count: 1 },
  { model: 'claude-haiku-4-5', endpoint: 'classify', prompt: 180, completion: 8, latency_ms: 260, count: 5 },
  { model: UNPRICED_MODEL, endpoint: 'chat', prompt: 500, completion: 100, latency_ms: 300, count: 2 },
]
const LIVE_EVENT = { model: 'gpt-4o', endpoint: 'chat', prompt: 1000, completion: 500, latency_ms: 800, count: 1 }

describe('dashboard on a fresh database (local mode)', () => {
  let server
  let browser
  let page
  const sent = [...TRAFFIC]

  before(async () => {
    assert.ok(existsSync(join(HERE, '..', 'dist', 'index.html')), 'build the dashboard first: npm run build')
    server = await startServer()
    const pricing = await (await fetch(`${server.url}/api/pricing`)).json()
    for (const [model, price] of Object.entries(PRICES)) {
      const row = pricing.models.find((m) => m.model === model)
      assert.ok(row, `seed has a price for ${model}`)
      assert.equal(Number(row.input_price), Number(price.input), `${model} input price`)
      assert.equal(Number(row.output_price), Number(price.output), `${model} output price`)
    }
    assert.ok(!pricing.models.some((m) => m.model === UNPRICED_MODEL))
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (error) => console.error('page error:', error.message))
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('a new project is shown how to send its first event, with its key and base URL', async () => {
    const config = await (await fetch(`${server.url}/api/config`)).json()
    assert.ok(config.api_key, 'local mode gives the first key to the dashboard')
    await page.goto(`${server.url}/`)
    await waitForText(page.getByTestId('first-event-snippet'), [
      'import tokenoptimizer',
      `tokenoptimizer.configure(api_key="${config.api_key}", base_url="${config.base_url}")`,
      'from tokenoptimizer import tracked_completion',
      'resp = tracked_completion("gpt-4o-mini", [{"role": "user", "content": "Hello"}], endpoint_name="hello")',
    ].join('\n'), 15_000)
    assert.equal(await text(page, 'stat-requests-value'), '0')
    assert.equal(await text(page, 'stat-cost-value'), '$0.00')
    await screenshot(page, 'overview-empty')
  })

  test('Overview totals and the endpoint table equal what was sent, to the token and the cent', async () => {
    const stats = sendTraffic(server, TRAFFIC)
    assert.equal(stats.delivered, true)
    const expected = totals(PRICES, sent)
    await page.goto(`${server.url}/?range=24h`)
    await waitForText(page.getByTestId('stat-requests-value'), integer(expected.requests), 20_000)
    assert.equal(await text(page, 'stat-tokens-value'), integer(expected.tokens))
    assert.equal(await text(page, 'stat-cost-value'), formatUsd(expected.cost))
    assert.equal(await text(page, 'stat-unpriced-value'), integer(expected.unpriced))
    assert.match(await text(page, 'unpriced-warning'), new RegExp(`^${integer(expected.unpriced)} ${expected.unpriced === 1 ? 'request has' : 'requests have'} no price`))

    for (const [endpoint, t] of totalsBy(PRICES, sent, 'endpoint')) {
      const row = page.getByTestId(`endpoint-row-${endpoint}`)
      assert.equal(await text(row, 'cell-requests'), integer(t.requests), `${endpoint} requests`)
      assert.equal(await text(row, 'cell-tokens'), integer(t.tokens), `${endpoint} tokens`)
      const costCell = await text(row, 'cell-cost')
      assert.ok(costCell.startsWith(formatUsd(t.cost)), `${endpoint} cost: ${costCell} vs ${formatUsd(t.cost)}`)
      if (t.unpriced) assert.ok(costCell.endsWith(`+${t.unpriced} unpriced`), `${endpoint} shows its unpriced requests`)
      const share = Number((await text(row, 'cell-share')).replace('%', ''))
      assert.ok(Math.abs(share - (Number(t.cost) / Number(expected.cost)) * 100) <= 0.06, `${endpoint} share ${share}%`)
    }
    assert.equal(await page.locator('[data-testid="chart-tokens"] .recharts-line').count(), 3)
    assert.ok((await page.locator('[data-testid="chart-model-distribution"] .recharts-pie-sector').count()) >= 4)
    await screenshot(page, 'overview')
  })

  test('a new event appears within 5 s, without a reload', async () => {
    const before = totals(PRICES, sent)
    await page.evaluate(() => { window.__sameDocument = true })
    sendTraffic(server, [LIVE_EVENT])
    const sentAt = Date.now()
    sent.push(LIVE_EVENT)
    const now = totals(PRICES, sent)
    assert.notEqual(now.requests, before.requests)
    const shownAt = await waitForText(page.getByTestId('stat-requests-value'), integer(now.requests), 5_000)
    console.log(`live update shown ${shownAt - sentAt} ms after the SDK flushed`)
    await waitForText(page.getByTestId('stat-cost-value'), formatUsd(now.cost), 3_000)
    assert.equal(await text(page, 'stat-tokens-value'), integer(now.tokens))
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded')
  })

  test('filtering by endpoint changes the numbers, and the filter lives in the URL', async () => {
    const summarize = totals(PRICES, sent.filter((t) => t.endpoint === 'summarize'))
    await page.getByTestId('filter-endpoint_name').selectOption('summarize')
    await waitForText(page.getByTestId('stat-requests-value'), integer(summarize.requests))
    assert.equal(await text(page, 'stat-tokens-value'), integer(summarize.tokens))
    assert.equal(await text(page, 'stat-cost-value'), formatUsd(summarize.cost))
    assert.equal(await page.locator('[data-testid^="endpoint-row-"]').count(), 1)
    assert.match(page.url(), /endpoint_name=summarize/)

    // The same address opened afresh shows the same view: a view can be shared.
    await page.goto(page.url())
    await waitForText(page.getByTestId('stat-requests-value'), integer(summarize.requests), 15_000)
    assert.equal(await page.getByTestId('filter-endpoint_name').inputValue(), 'summarize')
    await page.getByTestId('filter-clear').click()
    await waitForText(page.getByTestId('stat-requests-value'), integer(totals(PRICES, sent).requests))
  })

  test('a custom date range is applied from the picker and kept in the URL', async () => {
    const all = totals(PRICES, sent)
    await page.goto(`${server.url}/?range=30d`)
    await waitForText(page.getByTestId('stat-requests-value'), integer(all.requests), 15_000)
    const today = await page.evaluate(() => {
      const d = new Date()
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
    })
    await page.getByTestId('range-custom').click()
    await page.getByTestId('range-from').fill(today)
    await page.getByTestId('range-to').fill(today)
    await page.getByTestId('range-apply').click()
    await page.waitForURL((url) => url.searchParams.get('range') === 'custom' && url.searchParams.get('from') === today)
    await waitForText(page.getByTestId('stat-requests-value'), integer(all.requests))
    // A range that ended before the traffic shows nothing, with no snippet (filters narrow it).
    await page.goto(`${server.url}/?range=custom&from=2020-01-01&to=2020-01-02`)
    await waitForText(page.getByTestId('stat-requests-value'), '0', 15_000)
  })

  test('a failing read shows the error from the API and recovers on retry', async () => {
    const errorPage = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await errorPage.route('**/api/usage/breakdown?*', (route) => route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'database_unavailable', message: 'the database did not answer in time', details: [] } }),
    }))
    await errorPage.goto(`${server.url}/?range=24h`)
    const error = errorPage.getByTestId('endpoints-error')
    await error.waitFor()
    assert.match((await error.textContent()) ?? '', /database_unavailable.*the database did not answer in time/)
    await errorPage.unroute('**/api/usage/breakdown?*')
    await error.getByRole('button', { name: 'Try again' }).click()
    await errorPage.getByTestId('endpoint-row-chat').waitFor()
    await errorPage.close()
  })

  test('Logs list every request newest first, filter, page by cursor and link the CSV', async () => {
    const all = totals(PRICES, sent)
    await page.goto(`${server.url}/logs?range=24h`)
    await page.getByTestId('log-row').first().waitFor()
    const first = page.getByTestId('log-row').first()
    assert.equal(await text(first, 'cell-model'), LIVE_EVENT.model, 'newest first')
    assert.equal(await text(first, 'cell-tokens-in'), integer(LIVE_EVENT.prompt))
    assert.equal(await text(first, 'cell-tokens-out'), integer(LIVE_EVENT.completion))
    assert.equal(await text(first, 'cell-cost'), formatUsd(cost(PRICES, LIVE_EVENT)))

    // 50 rows a page: the rest is on the next page, reached with the server's cursor.
    assert.equal(await page.getByTestId('log-row').count(), 50)
    await page.getByTestId('logs-next').click()
    await waitForText(page.getByTestId('logs-page'), 'Page 2')
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="log-row"]').length === n, all.requests - 50)
    assert.equal(await page.getByTestId('logs-next').isDisabled(), true)
    await page.getByTestId('logs-prev').click()
    await waitForText(page.getByTestId('logs-page'), 'Page 1')

    const unpricedRow = page.getByTestId('log-row').filter({ hasText: UNPRICED_MODEL }).first()
    assert.equal(await text(unpricedRow, 'cell-cost'), 'unpriced')

    await page.getByTestId('filter-model').selectOption('claude-haiku-4-5')
    await page.getByTestId('filter-endpoint_name').selectOption('classify')
    const item = TRAFFIC.find((t) => t.model === 'claude-haiku-4-5' && t.endpoint === 'classify')
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="log-row"]').length === n, item.count)
    for (const row of await page.getByTestId('log-row').all()) {
      assert.equal(await text(row, 'cell-tokens-in'), integer(item.prompt))
      assert.equal(await text(row, 'cell-tokens-out'), integer(item.completion))
      assert.equal(await text(row, 'cell-cost'), formatUsd(cost(PRICES, { ...item, count: 1 })))
      assert.equal(await text(row, 'cell-status'), 'ok')
    }
    const href = await page.getByTestId('export-csv').getAttribute('href')
    const csvUrl = new URL(href, server.url)
    assert.equal(csvUrl.pathname, '/api/export')
    assert.equal(csvUrl.searchParams.get('format'), 'csv')
    assert.equal(csvUrl.searchParams.get('model'), 'claude-haiku-4-5')
    assert.equal(csvUrl.searchParams.get('endpoint_name'), 'classify')
    const csv = await (await fetch(csvUrl)).text()
    assert.equal(csv.trim().split(/\r?\n/).length, item.count + 1, 'CSV has a header and one line per request')

    await page.getByTestId('filter-clear').click()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-row"]').length === 50)
    await screenshot(page, 'logs')
  })

  test('Pricing shows per 1K and per 1M, highlights unpriced models, and an admin edits a price', async () => {
    await page.goto(`${server.url}/pricing?range=24h`)
    const mini = page.getByTestId('pricing-row-gpt-4o-mini')
    await mini.waitFor()
    assert.deepEqual(
      [await text(mini, 'cell-input-1k'), await text(mini, 'cell-output-1k'), await text(mini, 'cell-input-1m'), await text(mini, 'cell-output-1m')],
      ['$0.00015', '$0.0006', '$0.15', '$0.60'],
    )
    const unpriced = page.getByTestId(`unpriced-row-${UNPRICED_MODEL}`)
    await unpriced.waitFor()
    assert.match((await unpriced.textContent()) ?? '', /2/)
    await screenshot(page, 'pricing')

    await page.getByTestId('edit-price-gpt-4o-mini').click()
    const editor = page.getByTestId('price-editor')
    assert.equal(await editor.getByTestId('price-input').inputValue(), '0.15')
    await editor.getByTestId('price-input').fill('0.2')
    await editor.getByTestId('price-output').fill('0.8')
    await page.screenshot({ path: join(SCREENSHOTS, 'pricing-edit.png') })
    await editor.getByTestId('price-save').click()
    await editor.waitFor({ state: 'detached' })
    await waitForText(mini.getByTestId('cell-input-1k'), '$0.0002')
    assert.equal(await text(mini, 'cell-output-1k'), '$0.0008')
    assert.equal(await text(mini, 'cell-input-1m'), '$0.20')
    assert.equal(await text(mini, 'cell-output-1m'), '$0.80')
    const saved = (await (await fetch(`${server.url}/api/pricing`)).json()).models.find((m) => m.model === 'gpt-4o-mini')
    assert.equal(Number(saved.input_price), 0.0002)
    assert.equal(Number(saved.output_price), 0.0008)

    await page.getByTestId(`add-price-${UNPRICED_MODEL}`).click()
    await editor.getByTestId('price-input').fill('1')
    await editor.getByTestId('price-output').fill('2')
    await editor.getByTestId('price-save').click()
    const added = page.getByTestId(`pricing-row-${UNPRICED_MODEL}`)
    await waitForText(added.getByTestId('cell-input-1m'), '$1.00')
    assert.equal(await text(added, 'cell-input-1k'), '$0.001')
  })
})

describe('self-hosted mode signs people in with email and password', () => {
  const TOKEN = 'e2e-admin-token-1234567890'
  const EMAIL = 'owner@e2e.example'
  const PASSWORD = 'correct horse battery'
  let server
  let browser

  before(async () => {
    server = await startServer({ env: { TOKENOPTIMIZER_MODE: 'selfhosted', TOKENOPTIMIZER_ADMIN_TOKEN: TOKEN } })
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('sign up opens the dashboard, the session survives a reload, a wrong password is refused', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/pricing`)
    await page.getByTestId('sign-in').waitFor()
    await screenshot(page, 'sign-in')
    await page.getByTestId('sign-in-toggle').click()
    await page.getByTestId('sign-in-email').fill(EMAIL)
    await page.getByTestId('sign-in-password').fill(PASSWORD)
    await page.getByTestId('sign-in-submit').click()
    await page.getByTestId('pricing-row-gpt-4o').waitFor()
    await page.reload()
    await page.getByTestId('pricing-row-gpt-4o').waitFor()
    const cookies = await page.context().cookies()
    assert.equal(cookies.find((c) => c.name === 'to_session')?.httpOnly, true)
    assert.equal(cookies.find((c) => c.name === 'to_session')?.sameSite, 'Strict')
    assert.equal(await page.evaluate(() => localStorage.getItem('tokenoptimizer.adminToken')), null)

    const other = await (await browser.newContext()).newPage()
    await other.goto(`${server.url}/pricing`)
    await other.getByTestId('sign-in-email').fill(EMAIL)
    await other.getByTestId('sign-in-password').fill(`${PASSWORD}!`)
    await other.getByTestId('sign-in-submit').click()
    await waitForText(other.getByTestId('sign-in-error'), 'wrong email or password')
    await other.getByTestId('sign-in-password').fill(PASSWORD)
    await other.getByTestId('sign-in-submit').click()
    await other.getByTestId('pricing-row-gpt-4o').waitFor()
  })
})
