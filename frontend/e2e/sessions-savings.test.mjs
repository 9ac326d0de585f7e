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
}
// docs/api.md: per endpoint × model two options among the provider's chat models that are not
// retiring within 60 days (nor fine-tunes or audio/search/preview builds), each shown only when it
// saves money, one ("cheapest") when both pick the same model. The rules themselves are tested on
// the shipped catalogue in tests/backend/test_optimization.py; here, with the traffic sent today:
// "cheapest": gpt-6-luna, the lowest input, cached input and output price of the candidates
// (gpt-5-nano and gpt-4.1-nano are cheaper but retiring or retired).
// "next_cheaper": no dearer input or output price; of those the highest priced, ties by name:
// gpt-4o's is gpt-6-sol (0.002 + 0.01; gpt-4.1 retires on 2027-01-14), gpt-4o-mini's gpt-6-luna.
const OPTIONS = {
  'gpt-4o': { cheapest: 'gpt-6-luna', next_cheaper: 'gpt-6-sol' },
  'gpt-4o-mini': { cheapest: 'gpt-6-luna', next_cheaper: 'gpt-6-luna' },
}
const OPTION_LABELS = { cheapest: 'Cheapest', next_cheaper: 'Smallest step' }
const UNPRICED_MODEL = 'acme-llm-7b'

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

/** What the documented rules recommend for the traffic, with exact BigInt savings, largest first. */
function expectedRecommendations(traffic) {
  const groups = new Map()
  for (const item of traffic) {
    if (item.fail || !PRICES[item.model]) continue
    const key = `${item.endpoint}|${item.model}`
    const g = groups.get(key) ?? { endpoint: item.endpoint, model: item.model, current: 0n, requests: 0, alternatives: {} }
    g.current += cost(PRICES, item)
    for (const suggested of new Set(Object.values(OPTIONS[item.model]))) {
      g.alternatives[suggested] = (g.alternatives[suggested] ?? 0n) + cost({ [item.model]: PRICES[suggested] }, item)
    }
    g.requests += item.count ?? 1
    groups.set(key, g)
  }
  const recommendations = []
  for (const g of groups.values()) {
    const { cheapest, next_cheaper: next } = OPTIONS[g.model]
    const picks = next === cheapest ? { cheapest } : { cheapest, next_cheaper: next }
    for (const [option, suggested] of Object.entries(picks)) {
      const savings = g.current - g.alternatives[suggested]
      if (savings > 0n) recommendations.push({ ...g, option, suggested, savings })
    }
  }
  return recommendations.sort((a, b) => (b.savings > a.savings ? 1 : b.savings < a.savings ? -1
    : a.endpoint.localeCompare(b.endpoint) || a.model.localeCompare(b.model) || a.option.localeCompare(b.option)))
}

/**
 * docs/api.md: per endpoint, conversations of 4+ turns whose prompt grows every turn, priced as if
 * every turn after the 3rd had carried the 3rd turn's prompt size, at each turn's input price.
 */
function expectedSummaries(traffic) {
  const sessions = new Map()
  for (const item of traffic.filter((t) => t.session)) sessions.set(item.session, [...(sessions.get(item.session) ?? []), item])
  const byEndpoint = new Map()
  for (const turns of sessions.values()) {
    const growing = turns.length >= 4 && turns.every((t, i) => i === 0 || t.prompt > turns[i - 1].prompt)
    if (!growing) continue
    for (const t of turns.slice(3)) {
      const g = byEndpoint.get(t.endpoint) ?? { endpoint: t.endpoint, kind: 'summarise_history', sessions: new Set(), current: 0n, shortened: 0n }
      g.sessions.add(t.session)
      g.current += BigInt(t.prompt) * toScaled(PRICES[t.model].input) / 1000n
      g.shortened += BigInt(turns[2].prompt) * toScaled(PRICES[t.model].input) / 1000n
      byEndpoint.set(t.endpoint, g)
    }
  }
  return [...byEndpoint.values()].map((g) => ({ ...g, savings: g.current - g.shortened })).filter((g) => g.savings > 0n)
}

/** Model advice and summaries in the API's order: largest saving first, then endpoint, model (summaries last), option. */
function expectedAdvice(traffic) {
  const all = [...expectedRecommendations(traffic).map((e) => ({ ...e, kind: 'cheaper_model' })), ...expectedSummaries(traffic)]
  const model = (e) => e.model ?? '\uffff'
  return all.sort((a, b) => (b.savings > a.savings ? 1 : b.savings < a.savings ? -1
    : a.endpoint.localeCompare(b.endpoint) || model(a).localeCompare(model(b)) || (a.option ?? '').localeCompare(b.option ?? '')))
}

/** A saving as the page writes its share: −20%, −33.3%. */
const reduction = (savings, current) => `−${Number(((savings * 10_000n) / current + 5n) / 10n) / 10}%`

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

  test('Savings shows the exact saving of each option and summary, the API\'s and our own, largest first, with the total', async () => {
    const expected = expectedAdvice([...SESSION_TRAFFIC, ...OTHER_TRAFFIC])
    assert.ok(expected.some((e) => e.option === 'next_cheaper'), 'the traffic exercises both model options')
    assert.ok(expected.some((e) => e.kind === 'summarise_history'), 'the traffic has a growing conversation')
    const { recommendations } = await api('/api/optimization')
    assert.deepEqual(
      recommendations.map((r) => [r.type, r.endpoint_name, r.model, r.option, r.suggested_model, r.current_cost, r.savings]),
      expected.map((e) => [e.kind, e.endpoint, e.model, e.option, e.suggested, toDecimal(e.current), toDecimal(e.savings)]),
      'the API computes the same savings',
    )
    assert.deepEqual(
      recommendations.map((r) => r.requests),
      expected.map((e) => e.requests ?? SESSION_TRAFFIC.filter((t) => e.sessions.has(t.session)).length - 3 * e.sessions.size),
    )

    await page.goto(`${server.url}/savings?range=24h`)
    await page.getByTestId('recommendations').waitFor()
    // One plan per endpoint: its models' best options add up (different traffic); an endpoint with
    // no model option counts its best other advice. Largest first; a 24-hour range is 1 day, so a
    // month is the saving × 30.
    const byEndpoint = new Map()
    for (const e of expected) byEndpoint.set(e.endpoint, [...(byEndpoint.get(e.endpoint) ?? []), e])
    const planSaving = (endpoint) => {
      const options = byEndpoint.get(endpoint)
      const best = new Map()
      for (const e of options.filter((x) => x.kind === 'cheaper_model')) {
        if (!best.has(e.model) || e.savings > best.get(e.model)) best.set(e.model, e.savings)
      }
      return best.size ? [...best.values()].reduce((a, b) => a + b, 0n) : options.reduce((a, e) => (e.savings > a ? e.savings : a), 0n)
    }
    const order = [...byEndpoint.keys()].sort((a, b) => (planSaving(b) > planSaving(a) ? 1 : planSaving(b) < planSaving(a) ? -1 : a.localeCompare(b)))
    const plans = page.locator('[data-testid="recommendations"] > li')
    assert.equal(await plans.count(), order.length)
    for (const [p, endpoint] of order.entries()) {
      const plan = plans.nth(p)
      assert.equal(await plan.getAttribute('data-testid'), `plan-${endpoint}`, `plan ${p + 1}`)
      assert.equal(await text(plan, 'plan-monthly'), formatUsd(planSaving(endpoint) * 30n), `${endpoint}: a month`)
      if (await plan.getByTestId('plan-more').count()) await plan.getByTestId('plan-more').click()
      const items = plan.locator('ol.advice-list > li')
      const options = byEndpoint.get(endpoint)
      assert.equal(await items.count(), options.length)
      for (const [i, e] of options.entries()) {
        const item = items.nth(i)
        const summary = e.kind === 'summarise_history'
        assert.equal(await item.getAttribute('data-testid'),
          summary ? `recommendation-${e.endpoint}-summarise_history` : `recommendation-${e.endpoint}-${e.model}-${e.option}`, `${endpoint} option ${i + 1}`)
        assert.equal(await text(item, 'recommendation-option'), summary ? 'Shorter history' : OPTION_LABELS[e.option])
        const shown = await text(item, 'recommendation-savings')
        assert.equal(shown, formatUsd(toScaled(recommendations[expected.indexOf(e)].savings)), `${e.endpoint} (${e.option ?? e.kind}): the API's saving`)
        assert.equal(shown, formatUsd(e.savings), `${e.endpoint} (${e.option ?? e.kind}): our saving`)
        assert.equal(
          (await text(item, 'recommendation-sentence')).replace(/\s+/g, ' '),
          (summary ? `Summarise conversation history on ${e.endpoint}` : `Move ${e.endpoint} from ${e.model} to ${e.suggested}`)
            + `: save ${formatUsd(e.savings)} over this period (${reduction(e.savings, e.current)})`,
        )
      }
    }
    // The options of one endpoint × model are alternatives: the total takes the larger saving of
    // each; summaries save on the same traffic and are not added.
    const best = new Map()
    for (const e of expected.filter((x) => x.kind === 'cheaper_model')) {
      const key = `${e.endpoint}|${e.model}`
      if (!best.has(key) || e.savings > best.get(key)) best.set(key, e.savings)
    }
    const total = [...best.values()].reduce((sum, s) => sum + s, 0n)
    assert.equal(await text(page, 'savings-total-value'), formatUsd(total))
    assert.equal((await text(page, 'savings-total-monthly')).replace(/\s+/g, ' '), `${formatUsd(total * 30n)} a month`)
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
