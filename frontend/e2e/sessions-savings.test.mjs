// Browser tests of the Sessions and Savings pages against the real stack (fresh database,
// `tokenoptimizer serve`, the real Python SDK, Debian Chromium). Conversations are tagged with
// `session_id`; the savings on screen must equal both the API's and our own exact arithmetic.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser, sendTraffic, startServer } from './harness.mjs'
import { cost, formatUsd, integer, toDecimal, toScaled, totals } from './expected.mjs'
import { screenshot, settle, text, waitForText } from './page-helpers.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))

// Seeded list prices (USD per 1K tokens), checked against /api/pricing first.
const PRICES = {
  'gpt-4o': { input: '0.0025', output: '0.01', cached: '0.00125' },
  'gpt-4o-mini': { input: '0.00015', output: '0.0006', cached: '0.000075' },
  'gpt-4.1': { input: '0.002', output: '0.008', cached: '0.0005' },
  'gpt-4.1-mini': { input: '0.0004', output: '0.0016', cached: '0.0001' },
  'gpt-6-sol': { input: '0.002', output: '0.01', cached: '0.0002' },
  'gpt-6-luna': { input: '0.0001', output: '0.0005', cached: '0.00001' },
  'gpt-5.6-luna': { input: '0.0002', output: '0.0012', cached: '0.00002' },
  'gpt-5.4-nano': { input: '0.0002', output: '0.00125', cached: '0.00002' },
}
// docs/api.md: one plan per endpoint; candidates are the provider's cheaper chat models that pass
// every rule (context, not retiring within 60 days, tools/JSON/images, generation, at most one tier
// down), priced like ingest. The rules are tested on a catalogue built for them in
// tests/backend/test_advice_rules.py; here every option the API offers is re-priced by hand.
const UNPRICED_MODEL = 'acme-llm-7b'
const RULE_NAMES = { equivalence: 'your equivalence map', context: 'context window', deprecation: 'not retiring', tools: 'tools',
  json_output: 'JSON output', images: 'images', generation: 'generation', tier: 'tier' }

// One latency for every conversation turn, so the SDK's timestamps (now − latency) keep the
// order the turns were sent in.
const turn = (session, model, endpoint, prompt, completion) => ({ session, model, endpoint, prompt, completion, latency_ms: 500 })
const SESSION_TRAFFIC = [
  // A support conversation that resends its history: the input grows every turn.
  turn('conv-support-1', 'gpt-4o', 'support-chat', 800, 120),
  turn('conv-support-1', 'gpt-4o', 'support-chat', 1600, 150),
  turn('conv-support-1', 'gpt-4o', 'support-chat', 2500, 180),
  turn('conv-support-1', 'gpt-4o', 'support-chat', 3400, 200),
  turn('conv-research-3', 'gpt-4o-mini', 'research', 1000, 100),
  turn('conv-research-3', 'gpt-4o', 'research', 1500, 300),
  turn('conv-support-2', 'gpt-4o-mini', 'support-chat', 500, 90),
  turn('conv-support-2', 'gpt-4o-mini', 'support-chat', 1100, 110),
]
const NEWEST_FIRST = ['conv-support-2', 'conv-research-3', 'conv-support-1']
const OTHER_TRAFFIC = [
  // Long documents on gpt-4o with a cached instruction prefix: the largest saving, priced with
  // the cache discount on every model.
  { model: 'gpt-4o', endpoint: 'summarize', prompt: 4000, cached: 3000, completion: 250, latency_ms: 1500, count: 5 },
  { model: UNPRICED_MODEL, endpoint: 'chat', prompt: 500, completion: 100, latency_ms: 300, count: 2 },
  // Calls that fail at the provider: an endpoint failing 100% of the time.
  { model: 'gpt-4o-mini', endpoint: 'flaky-tool', prompt: 0, completion: 0, latency_ms: 0, count: 6, fail: true },
]

// Traffic sent a moment ago counts as an hour (docs/api.md): a month is the saving x 24 x 30.
const MONTH = 720n

/** Our own saving of one option of the API's plan: the endpoint's traffic on the suggested model. */
function expectedSaving(traffic, endpoint, option) {
  const items = traffic.filter((t) => t.endpoint === endpoint && !t.fail && t.model === option.model)
  if (option.type === 'cheaper_model') {
    assert.ok(PRICES[option.suggested_model], `a hand price for ${option.suggested_model}`)
    const current = items.reduce((sum, t) => sum + cost(PRICES, t), 0n)
    const suggested = items.reduce((sum, t) => sum + cost({ [t.model]: PRICES[option.suggested_model] }, t), 0n)
    return current - suggested
  }
  assert.equal(option.type, 'summarise_history')
  // Growing conversations of 4+ turns: each turn after the 3rd as if it had the 3rd's prompt size.
  let saved = 0n
  for (const id of new Set(items.map((t) => t.session))) {
    const turns = traffic.filter((t) => t.session === id)
    if (turns.length < 4 || !turns.every((t, i) => i === 0 || t.prompt > turns[i - 1].prompt)) continue
    for (const t of turns.slice(3).filter((x) => x.model === option.model && x.endpoint === endpoint)) {
      saved += BigInt(t.prompt - turns[2].prompt) * toScaled(PRICES[t.model].input) / 1000n
    }
  }
  return saved
}

describe('Sessions and Savings on a fresh database (local mode)', () => {
  let server
  let browser
  let page
  const api = async (path) => (await fetch(`${server.url}${path}`)).json()

  before(async () => {
    assert.ok(existsSync(join(HERE, '..', 'dist', 'index.html')), 'build the dashboard first: npm run build')
    server = await startServer()
    const pricing = await api('/api/pricing')
    for (const [model, price] of Object.entries(PRICES)) {
      const row = pricing.models.find((m) => m.model === model)
      assert.ok(row, `seed has a price for ${model}`)
      assert.equal(toScaled(row.input_price), toScaled(price.input), `${model} input price`)
      assert.equal(toScaled(row.output_price), toScaled(price.output), `${model} output price`)
      assert.equal(toScaled(row.cached_input_price), toScaled(price.cached), `${model} cached input price`)
    }
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (error) => console.error('page error:', error.message))
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('with no traffic, each page says what would fill it', async () => {
    await page.goto(`${server.url}/sessions?range=24h`)
    await waitForText(page.getByTestId('sessions-snippet'), 'tracked_completion(..., session_id="conversation-42")', 15_000)
    assert.match(await text(page, 'sessions-hint'), /^Tag calls with session_id to see conversations\./)
    await screenshot(page, 'sessions-empty')
    await page.getByTestId('nav-savings').click()
    await page.getByTestId('recommendations-hint').waitFor()
    await page.getByTestId('alerts-empty').waitFor()
    assert.match(page.url(), /\/savings\?range=24h$/, 'the nav keeps the range')
    await screenshot(page, 'savings-empty')
  })

  test('the session list shows each conversation with its exact requests, tokens and cost, newest first', async () => {
    const stats = sendTraffic(server, [...SESSION_TRAFFIC, ...OTHER_TRAFFIC])
    assert.equal(stats.delivered, true)
    await page.goto(`${server.url}/sessions?range=24h`)
    await page.getByTestId(`session-row-${NEWEST_FIRST[2]}`).waitFor({ timeout: 20_000 })
    const ids = await page.getByTestId('session-link').allTextContents()
    assert.deepEqual(ids, NEWEST_FIRST)
    for (const id of NEWEST_FIRST) {
      const t = totals(PRICES, SESSION_TRAFFIC.filter((item) => item.session === id))
      const row = page.getByTestId(`session-row-${id}`)
      assert.equal(await text(row, 'cell-turns'), integer(t.requests), `${id} turns`)
      assert.equal(await text(row, 'cell-tokens'), integer(t.tokens), `${id} total tokens`)
      assert.equal(await text(row, 'cell-cost'), formatUsd(t.cost), `${id} cost`)
      const models = [...new Set(SESSION_TRAFFIC.filter((item) => item.session === id).map((item) => item.model))].sort()
      assert.equal(await text(row, 'cell-models'), models.join(', '))
    }

    // The metrics on top: every request of the range, and the conversations' averages.
    const all = totals(PRICES, [...SESSION_TRAFFIC, ...OTHER_TRAFFIC])
    assert.equal(await text(page, 'metric-requests-value'), integer(all.requests))
    assert.equal(await text(page, 'metric-sessions-value'), String(NEWEST_FIRST.length))
    assert.equal(await text(page, 'metric-avg_turns-value'), (SESSION_TRAFFIC.length / NEWEST_FIRST.length).toFixed(1))
    const metrics = await api('/api/tokens/metrics')
    assert.equal(await text(page, 'metric-avg_prompt-value'), Number(metrics.avg_prompt_tokens.toFixed(1)).toLocaleString('en-US'))
    await screenshot(page, 'sessions')
  })

  test("a session's turns show the exact tokens and cost of each request, oldest first, with tokens per turn", async () => {
    const id = 'conv-support-1'
    const turns = SESSION_TRAFFIC.filter((item) => item.session === id)
    await page.getByTestId(`session-row-${id}`).getByTestId('session-link').click()
    await page.waitForURL((url) => url.pathname === `/sessions/${id}` && url.searchParams.get('range') === '24h')
    await waitForText(page.getByTestId('session-id'), id)
    await page.getByTestId('turn-row').first().waitFor()
    const rows = await page.getByTestId('turn-row').all()
    assert.equal(rows.length, turns.length)
    for (const [i, row] of rows.entries()) {
      assert.equal(await text(row, 'cell-tokens-in'), integer(turns[i].prompt), `turn ${i + 1} tokens in`)
      assert.equal(await text(row, 'cell-tokens-out'), integer(turns[i].completion), `turn ${i + 1} tokens out`)
      assert.equal(await text(row, 'cell-cost'), formatUsd(cost(PRICES, turns[i])), `turn ${i + 1} cost`)
      assert.equal(await text(row, 'cell-model'), turns[i].model)
      assert.equal(await text(row, 'cell-status'), 'ok')
    }
    const t = totals(PRICES, turns)
    assert.equal(await text(page, 'metric-turns-value'), integer(t.requests))
    assert.equal(await text(page, 'metric-tokens-value'), integer(t.tokens))
    assert.equal(await text(page, 'metric-cost-value'), formatUsd(t.cost))
    assert.match(await text(page, 'context-growth'), /^Input grew from 800 to 3,400 tokens per turn \(4\.3×\) over 4 turns/)
    // Two stacked bars (input, output) per turn.
    assert.equal(await page.locator('[data-testid="chart-turn-tokens"] .recharts-bar-rectangle').count(), turns.length * 2)
    await screenshot(page, 'session-detail')

    await page.getByTestId('sessions-back').click()
    await page.getByTestId(`session-row-${id}`).waitFor()
    assert.match(page.url(), /\/sessions\?range=24h$/)
  })

  test('Savings shows one plan per endpoint, each option\'s monthly saving the API\'s and our own, with its rules', async () => {
    const traffic = [...SESSION_TRAFFIC, ...OTHER_TRAFFIC]
    const answer = await api('/api/optimization')
    const options = (p) => [p.best, ...p.alternatives, ...p.other_advice].filter(Boolean)
    // Every option the API offers, re-priced by hand, per month.
    for (const plan of answer.plans) {
      for (const o of options(plan)) {
        assert.equal(toScaled(o.monthly_saving), expectedSaving(traffic, plan.endpoint_name, o) * MONTH,
          `${plan.endpoint_name}: ${o.type} ${o.model} → ${o.suggested_model}`)
      }
    }
    const byName = Object.fromEntries(answer.plans.map((p) => [p.endpoint_name, p]))
    // gpt-4o's summarize traffic (cached prefix) moves to gpt-6-luna, the largest saving; the
    // growing support conversation gets summarise-history advice; failed or unpriced-only endpoints no plan.
    assert.deepEqual([byName.summarize.best.model, byName.summarize.best.suggested_model], ['gpt-4o', 'gpt-6-luna'])
    assert.equal(answer.plans[0].endpoint_name, 'summarize')
    assert.ok(options(byName['support-chat']).some((o) => o.type === 'summarise_history'), 'a summary option')
    assert.equal(byName['flaky-tool'], undefined)
    assert.equal(byName.chat, undefined)
    // Retired or retiring models are refused, with the reason (gpt-4o-mini retires on 2027-01-14).
    assert.deepEqual(byName.summarize.refused.find((r) => r.candidate_model === 'gpt-4o-mini'),
      { model: 'gpt-4o', candidate_model: 'gpt-4o-mini', rule: 'deprecation', detail: 'retired or retiring on 2027-01-14; the provider names gpt-6-luna' })

    await page.goto(`${server.url}/savings?range=24h`)
    await page.getByTestId('recommendations').waitFor()
    const plans = page.locator('[data-testid="recommendations"] > li')
    assert.equal(await plans.count(), answer.plans.length)
    let total = 0n
    for (const [p, plan] of answer.plans.entries()) {
      const item = plans.nth(p)
      assert.equal(await item.getAttribute('data-testid'), `plan-${plan.endpoint_name}`, `plan ${p + 1}`)
      const best = plan.best ? expectedSaving(traffic, plan.endpoint_name, plan.best) * MONTH : 0n
      total += best
      assert.equal(await text(item, 'plan-monthly'), formatUsd(best), `${plan.endpoint_name}: a month`)
      const shown = item.locator('ol.advice-list > li')
      assert.equal(await shown.count(), options(plan).length)
      for (const [i, o] of options(plan).entries()) {
        const row = shown.nth(i)
        const saving = expectedSaving(traffic, plan.endpoint_name, o) * MONTH
        assert.equal(await text(row, 'option-monthly'), formatUsd(saving), `${plan.endpoint_name} option ${i + 1}`)
        // Rounded on screen; the exact amount on hover when rounding changed it.
        const title = await row.getByTestId('option-monthly').getAttribute('title')
        if (title) assert.equal(title.replace(/[$,]/g, ''), `exactly ${o.monthly_saving}`)
        const sentence = (await text(row, 'option-sentence')).replace(/\s+/g, ' ')
        if (o.type === 'cheaper_model') {
          assert.match(sentence, new RegExp(`^Move ${plan.endpoint_name} from ${o.model} to ${o.suggested_model.replace('.', '\\.')}: save `))
          const rules = await row.getByTestId('option-rules').locator('li').allTextContents()
          assert.deepEqual(rules.map((r) => r.split(':')[0]), o.rules_passed.map((r) => `✓ ${RULE_NAMES[r.rule]}`))
        }
      }
      if (plan.refused.length) {
        await item.getByTestId('plan-refused-toggle').click()
        assert.equal(await item.getByTestId('plan-refused').locator('li').count(), plan.refused.length)
      }
    }
    assert.equal(toScaled(answer.monthly_saving), total, 'the total counts each endpoint once')
    assert.equal((await text(page, 'savings-total-monthly')).replace(/\s+/g, ' '), `${formatUsd(total)} a month`)
    await screenshot(page, 'savings')
  })

  test('What if: an endpoint re-priced on another model, the API\'s figures on screen and the sample checked by hand', async () => {
    await page.goto(`${server.url}/savings?range=24h`)
    await page.getByTestId('simulator-hint').waitFor()
    await page.getByTestId('filter-endpoint_name').selectOption('summarize')
    await page.getByTestId('simulator-model').fill('gpt-4o-mini')
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/optimization/simulate')
    await page.getByTestId('simulator-run').click()
    const answer = await (await answered).json()
    await page.getByTestId('simulation-result').waitFor()
    // Our own arithmetic on the 5 summarize requests (4,000 prompt, 3,000 cached, 250 out), per 1K:
    // gpt-4o 1,000 x 0.0025 + 3,000 x 0.00125 + 250 x 0.01 = 8.75; gpt-4o-mini 0.15 + 0.225 + 0.15 = 0.525.
    const summarize = OTHER_TRAFFIC.find((t) => t.endpoint === 'summarize')
    assert.equal(toScaled(answer.current.sample_cost), cost(PRICES, summarize))
    assert.equal(toScaled(answer.target.sample_cost), cost(PRICES, { ...summarize, model: 'gpt-4o-mini' }))
    assert.equal(answer.sample.requests, summarize.count)
    assert.equal(await text(page, 'simulation-current'), formatUsd(toScaled(answer.current.monthly_cost)))
    assert.equal(await text(page, 'simulation-target'), formatUsd(toScaled(answer.target.monthly_cost)))
    assert.match(await text(page, 'simulation-verdict'), /^saves \$[\d,.]+ a month \(−94%\)$/)
    assert.match(await text(page, 'simulation-evidence'), /^No shadow comparisons yet/)
    await screenshot(page, 'savings-simulator')
    await page.goto(`${server.url}/savings?range=24h`)  // the next test starts from the unfiltered page
    await page.getByTestId('simulator-hint').waitFor()
  })

  test('firing alerts show their severity; unpriced traffic links to adding its price', async () => {
    // The default rules (docs/alerts.md) are evaluated by the alerts job, off the request path:
    // wait for the failing endpoint and the unpriced model, then every firing alert is listed.
    const failing = page.getByTestId('alert-error_rate:flaky-tool')
    await failing.waitFor({ timeout: 30_000 })
    const unpriced = page.getByTestId(`alert-unpriced_model:${UNPRICED_MODEL}`)
    await unpriced.waitFor({ timeout: 30_000 })
    assert.equal(await text(failing, 'alert-severity'), 'critical')
    assert.match(await failing.textContent(), /6 of 6 requests failed \(100\.0%\) in the last 24 hours/)
    assert.equal(await text(unpriced, 'alert-severity'), 'warning')
    assert.match(await unpriced.textContent(), /2 requests with unknown cost/)
    const shown = page.locator('[data-testid="alerts"] > li')
    let alerts = []
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await page.waitForTimeout(500)) {
      alerts = (await api('/api/alerts?state=firing')).alerts
      if (await shown.count() === alerts.length) break
    }
    assert.equal(await shown.count(), alerts.length)
    const critical = new Set(['daily_spend', 'monthly_spend', 'error_rate'])
    for (const alert of alerts) {
      const key = `${alert.kind}:${alert.subject}`
      assert.equal(await text(page.getByTestId(`alert-${key}`), 'alert-severity'), critical.has(alert.kind) ? 'critical' : 'warning', key)
    }
    assert.equal(await text(page, 'alert-severity'), 'critical', 'most severe first')

    await unpriced.getByTestId('alert-add-price').click()
    const editor = page.getByTestId('price-editor')
    await editor.waitFor()
    assert.equal(await editor.getByTestId('price-model').inputValue(), UNPRICED_MODEL)
    assert.match(page.url(), /\/pricing\?range=24h$/)
    await page.keyboard.press('Escape')
    await editor.waitFor({ state: 'detached' })

    await page.goto(`${server.url}/savings?range=24h`)
    await page.getByTestId('alert-error_rate:flaky-tool').getByTestId('alert-logs').click()
    await page.waitForURL((url) => url.pathname === '/logs' && url.searchParams.get('endpoint_name') === 'flaky-tool' && url.searchParams.get('status') === 'error')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-row"]').length === 6)
    await settle(page)
  })
})
