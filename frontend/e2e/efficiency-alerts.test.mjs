// Browser tests of the efficiency and alerts pages against the real stack (fresh database,
// `tokenoptimizer serve` with its alerts job every second, the real Python SDK, Debian Chromium):
// the original's example sessions on the Sessions page, a rule added on the Alerts page that
// reaches a local webhook, and the Overview's projection and budget status, at 1400 px and on a phone.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { launchBrowser, sendTraffic, startServer } from './harness.mjs'
import { screenshot, text, waitForText } from './page-helpers.mjs'

const SECRET = 'e2e-shared-secret'
const turns = (session, model, tokens) => tokens.map((t) => ({
  session, model, endpoint: 'chat', prompt: Math.floor((t * 4) / 5), completion: t - Math.floor((t * 4) / 5), latency_ms: 400,
}))
// The original's sessions (docs/efficiency.md): 860 tokens in 5 turns, 2,700 in 2, 1,700 in 6.
const ORIGINAL = [
  ...turns('session_001', 'gpt-4o-mini', [100, 160, 200, 180, 220]),
  ...turns('session_002', 'gpt-4o', [1200, 1500]),
  ...turns('session_003', 'gpt-4o-mini', [250, 250, 300, 300, 300, 300]),
]
// Enough one-turn conversations for a second page of 25.
const BULK = Array.from({ length: 24 }, (_, i) => turns(`bulk-${String(i).padStart(2, '0')}`, 'gpt-4o-mini', [100])).flat()

function receiver() {
  const requests = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      requests.push({ headers: req.headers, body })
      res.writeHead(200).end()
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/hook`, requests, close: () => server.close(),
  })))
}

async function waitFor(condition, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await condition()) return
    await new Promise((r) => setTimeout(r, 200))
  }
  assert.fail('condition not met in time')
}

/** Elements whose text is wider than their box (a number overflowing its card). */
const overflowing = (page) => page.evaluate(() => [...document.querySelectorAll('.stat-value, .stat-label, td, th')]
  .filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== 'visible')
  .concat([...document.querySelectorAll('.stat')].filter((el) => el.scrollWidth > el.clientWidth + 1))
  .map((el) => el.textContent.trim()))

describe('Sessions, Alerts and Overview (efficiency, rules, budget)', () => {
  let server
  let browser
  let hook

  before(async () => {
    server = await startServer({ env: { TOKENOPTIMIZER_ALERTS_EVERY_S: '1' } })
    browser = await launchBrowser()
    hook = await receiver()
    sendTraffic(server, [...ORIGINAL, ...BULK])
    // The alerts job refreshes the conversations rollup: wait until it holds every conversation.
    try {
      await waitFor(async () => {
        const page = await (await fetch(`${server.url}/api/tokens/sessions?limit=50`)).json()
        return page.sessions.length === 27
      })
    } catch (error) {
      // What the server said is the only clue to a setup that failed (a fetch that failed, a timeout).
      throw new Error(`${error.message}\n--- server log ---\n${server.log.join('')}`)
    }
  })

  after(async () => {
    await browser?.close()
    hook?.close()
    await server?.stop()
  })

  test("Sessions shows the original's examples with score, rating and status, sorted and paged", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(`${server.url}/sessions?range=24h`)
    await page.getByTestId('sessions-sort').selectOption('tokens')
    const first = page.getByTestId('session-row-session_002')
    await waitForText(first.getByTestId('cell-zimmer'), '1,350')
    assert.deepEqual(await Promise.all(['cell-turns', 'cell-tokens', 'cell-score', 'cell-rating', 'cell-status']
      .map((id) => first.getByTestId(id).textContent())), ['2', '2,700', '0.0', 'Poor', 'Poor'])
    const s1 = page.getByTestId('session-row-session_001')
    assert.deepEqual(await Promise.all(['cell-turns', 'cell-tokens', 'cell-zimmer', 'cell-score', 'cell-rating', 'cell-status']
      .map((id) => s1.getByTestId(id).textContent())), ['5', '860', '172', '42.7', 'Excellent', 'Fair'])
    const s3 = page.getByTestId('session-row-session_003')
    assert.deepEqual(await Promise.all(['cell-zimmer', 'cell-score', 'cell-rating', 'cell-status']
      .map((id) => s3.getByTestId(id).textContent())), ['283.3', '5.6', 'Good', 'Poor'])
    const ids = await page.getByTestId('session-link').allTextContents()
    assert.deepEqual(ids.slice(0, 3), ['session_002', 'session_003', 'session_001'])
    // The cost is rounded; the exact figure is on hover.
    const cost = first.getByTestId('cell-cost')
    assert.match(await cost.textContent(), /^\$0\.0\d+$/)
    assert.match((await cost.getAttribute('title')) ?? '', /^exactly \$0\.0\d+$/)
    assert.equal(await text(page, 'metric-sessions-value'), '27')
    assert.deepEqual(await overflowing(page), [])
    await screenshot(page, 'efficiency-sessions-1400')
    await page.getByTestId('sessions-next').click()
    await waitForText(page.getByTestId('sessions-page'), 'page 2')
    await waitFor(async () => (await page.getByTestId('session-link').count()) === 2)
    await page.getByTestId('sessions-prev').click()
    await waitForText(page.getByTestId('sessions-page'), 'page 1')
    await page.getByTestId('sessions-sort').selectOption('score')
    await page.getByTestId('sessions-order').click()  // lowest score first
    await waitForText(page.getByTestId('session-link'), 'session_002')
    await page.close()
  })

  test('Alerts: a forecast rule added on the page reaches the webhook (test-send and the alert itself)', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(`${server.url}/alerts`)
    await waitFor(async () => (await page.getByTestId('rule-row-session_tokens').count()) === 1)
    assert.equal(await page.getByTestId('rules-table').locator('tbody tr').count(), 6)  // the defaults
    await page.getByTestId('rule-add').click()
    await page.getByTestId('rule-kind').selectOption('monthly_forecast')
    await page.getByTestId('rule-name').fill('Tiny monthly budget')
    await page.getByTestId('rule-threshold').fill('0.0001')
    await page.getByTestId('rule-webhook').fill(hook.url)
    await page.getByTestId('rule-format').selectOption('generic')
    await page.getByTestId('rule-secret').fill(SECRET)
    await page.getByTestId('rule-save').click()
    const row = page.getByTestId('rule-row-monthly_forecast')
    await waitForText(row.getByTestId('rule-threshold-cell'), '$0.0001')
    await row.getByTestId('rule-test').click()
    await waitForText(row.getByTestId('rule-test-result'), 'delivered (HTTP 200)')
    const test = hook.requests.find((r) => JSON.parse(r.body).event === 'alert.test')
    const signed = createHmac('sha256', SECRET).update(`${test.headers['x-tokenoptimizer-timestamp']}.${test.body}`).digest('hex')
    assert.equal(test.headers['x-tokenoptimizer-signature'], `sha256=${signed}`)
    // The job evaluates within a second or two: the forecast is over $0.0001, so it fires, once.
    await waitFor(() => hook.requests.some((r) => JSON.parse(r.body).event === 'alert.firing'))
    await page.reload()
    const item = page.getByTestId('alert-item').filter({ hasText: 'Tiny monthly budget' })
    await waitFor(async () => (await item.count()) === 1)
    assert.match(await item.getByTestId('alert-message').textContent(), /^\d{4}-\d{2} is on course to cost \$[\d.]+ \(so far \$[\d.]+\), over the \$0\.0001 budget\.$/)
    await item.locator('summary').click()
    assert.match(await item.getByTestId('alert-evidence').textContent(), /projected/)
    // Tokens per conversation above 1,000: session_002 and session_003 (2,700 and 1,700).
    const big = await page.getByTestId('alert-message').allTextContents()
    assert.ok(big.some((m) => m.startsWith('Conversation session_002 used 2,700 tokens in 2 turns')), big.join('\n'))
    assert.deepEqual(await overflowing(page), [])
    await screenshot(page, 'efficiency-alerts-1400')
    const firing = hook.requests.filter((r) => JSON.parse(r.body).event === 'alert.firing')
    assert.equal(firing.length, 1)
    await page.close()
  })

  test('Overview: month so far, projection and budget status; nothing overflows at 1400 px or on a phone', async () => {
    for (const [name, viewport] of [['1400', { width: 1400, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
      const page = await browser.newPage({ viewport })
      await page.goto(`${server.url}/?range=24h`)
      await waitForText(page.getByTestId('budget-status'), 'Over budget')
      assert.match(await text(page, 'stat-projection-value'), /^\$\d[\d,]*\.\d+$/)
      assert.match(await text(page, 'budget-detail'), /^budget \$0\.0001; /)
      const cost = page.getByTestId('stat-cost-value')
      assert.match((await cost.textContent()) ?? '', /^\$0\.\d{2,}$/)
      assert.deepEqual(await overflowing(page), [])
      await screenshot(page, `efficiency-overview-${name}`)
      if (name === 'phone') {
        await page.goto(`${server.url}/sessions?range=24h`)
        await waitForText(page.getByTestId('metric-sessions-value'), '27')
        assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('.stat')].filter((el) => el.scrollWidth > el.clientWidth + 1).length), 0)
        await screenshot(page, 'efficiency-sessions-phone')
      }
      await page.close()
    }
  })
})
