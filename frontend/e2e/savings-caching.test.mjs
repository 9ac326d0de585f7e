// Browser test of prompt-caching advice (issue 13 item 5): usage events with the SDK's prefix
// fingerprint go through /api/log of `tokenoptimizer serve`; the Savings page's Prompt caching
// panel shows one item per repeated, large, never-cached prefix, with the monthly figure the API
// gave and the API's window saving checked here against our own arithmetic at the seeded prices.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { launchBrowser, startServer } from './harness.mjs'
import { screenshot, text } from './page-helpers.mjs'

const MINUTE = 60_000
const START = Date.now() - 100 * MINUTE

// Decimal strings as integers of 1e-12 USD, so the expected savings are exact.
const SCALE = 12
const units = (s) => { const [i, f = ''] = s.split('.'); return BigInt(i + f.padEnd(SCALE, '0').slice(0, SCALE)) }
const decimal = (n) => {
  const s = n.toString().padStart(SCALE + 1, '0')
  return `${s.slice(0, -SCALE)}.${s.slice(-SCALE)}`.replace(/\.?0+$/, '')
}

function calls(model, endpoint, minutes, prompt, chars, { cached = 0, prefix = null } = {}) {
  // No prefix given: a different one on every call.
  return minutes.map((m) => ({
    model, endpoint_name: endpoint, prompt_tokens: prompt, completion_tokens: 100, cached_tokens: cached,
    prefix_hash: prefix ?? randomBytes(8).toString('hex'), prefix_chars: chars, timestamp: new Date(START + m * MINUTE).toISOString(),
  }))
}

const range = (n, from = 0, step = 1) => Array.from({ length: n }, (_, i) => from + i * step)

describe('prompt-caching advice on the Savings page', () => {
  let server, browser, page

  before(async () => {
    server = await startServer()
    const events = [
      // support on gpt-4o: 30 calls 2 minutes apart with a 10-minute pause before the 21st (2 cold).
      ...calls('gpt-4o', 'support', [...range(20, 0, 2), ...range(10, 48, 2)], 1800, 6000, { prefix: 'a1'.repeat(8) }),
      // agent on claude-sonnet-4-5: 20 calls a minute apart (1 cold).
      ...calls('claude-sonnet-4-5', 'agent', range(20, 30), 2500, 8000, { prefix: 'b2'.repeat(8) }),
      // Already cached, too small, never repeating: no advice.
      ...calls('gpt-4o', 'cached', range(15), 1800, 6000, { cached: 1536, prefix: 'c3'.repeat(8) }),
      ...calls('gpt-4o', 'small', range(15), 1800, 2000, { prefix: 'd4'.repeat(8) }),
      ...calls('gpt-4o', 'unique', range(15), 1800, 6000),
    ]
    const answer = await fetch(`${server.url}/api/log`, {
      method: 'POST', headers: { Authorization: `Bearer ${server.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ events }),
    })
    assert.equal(answer.status, 202, await answer.text())
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('the API prices the two repeated prefixes as worked out here', async () => {
    const prices = Object.fromEntries((await (await fetch(`${server.url}/api/pricing`)).json()).models.map((r) => [r.model, r]))
    const gpt = prices['gpt-4o']
    const claude = prices['claude-sonnet-4-5']
    const body = await (await fetch(`${server.url}/api/optimization/caching?range=24h`)).json()
    assert.deepEqual(body.advice.map((a) => a.endpoint_name).sort(), ['agent', 'support'])
    const by = Object.fromEntries(body.advice.map((a) => [a.endpoint_name, a]))
    // 28 warm calls x 1,500 tokens at (input - cached); a cold call costs what it does today.
    const support = 28n * 1500n * (units(gpt.input_price) - units(gpt.cached_input_price)) / 1000n
    // 19 warm calls x 2,000 tokens saved, 1 cold call writing 2,000 tokens at (write - input) more.
    const agent = 19n * 2000n * (units(claude.input_price) - units(claude.cached_input_price)) / 1000n
      - 2000n * (units(claude.cache_write_price) - units(claude.input_price)) / 1000n
    assert.equal(by.support.saving, decimal(support))
    assert.equal(by.agent.saving, decimal(agent))
    for (const a of body.advice) {
      // Per month: the saving at its daily rate (days rounded to 4 places by the API) for 30 days.
      const expected = Number(a.saving) * 30 / Number(a.days)
      assert.ok(Math.abs(Number(a.monthly_saving) / expected - 1) < 0.002, `${a.monthly_saving} vs ${expected}`)
    }
  })

  test('the panel lists them, largest monthly saving first, with what to change', async () => {
    // The monthly figure moves with the clock: compare with the answer the page itself received.
    const answered = page.waitForResponse((r) => r.url().includes('/api/optimization/caching'))
    await page.goto(`${server.url}/savings?range=24h`)
    const body = await (await answered).json()
    await page.getByTestId('caching-list').waitFor()
    const items = page.getByTestId('caching-list').locator('li')
    assert.equal(await items.count(), 2)
    const dollars = (s) => `$${Number(s).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
    for (const [i, a] of body.advice.entries()) {
      const item = items.nth(i)
      assert.equal(await item.getAttribute('data-testid'), `caching-${a.endpoint_name}-${a.model}`)
      assert.equal((await item.getByTestId('caching-monthly').textContent()).trim(), dollars(a.monthly_saving))
      const how = (await item.getByTestId('caching-how').textContent()).trim()
      assert.match(how, a.provider === 'anthropic' ? /cache_control/ : /byte-identical/)
    }
    assert.equal(await text(page, 'caching-total'), dollars(body.monthly_saving))
    assert.equal(await page.getByTestId('caching-cached-gpt-4o').count(), 0)
    await page.getByTestId('caching-panel').scrollIntoViewIfNeeded()
    await screenshot(page, 'savings-caching')

    // Filtered to the endpoint whose prefix is already cached: nothing to advise, and the panel says when it would.
    await page.goto(`${server.url}/savings?range=24h&endpoint_name=cached`)
    await page.getByTestId('caching-hint').waitFor()
  })
})
