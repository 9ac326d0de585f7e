// Browser test of shadow mode end to end: the real SDK (openai and anthropic SDKs against the local
// fake provider) replays sampled calls, `tokenoptimizer serve` stores the verdicts, and the Savings
// page shows the evidence beside the simulator, in the endpoint's plan and in the simulator's answer,
// with the figures the API gave and Wilson intervals worked out here.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { REPO, launchBrowser, startServer } from './harness.mjs'
import { screenshot, text } from './page-helpers.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const CALLS = 10
const CAP = 16 // shadow calls a day: 8 app calls x 2 candidates, the last 2 app calls are not shadowed

function wilson(k, n) {
  const z = 1.959963984540054
  const p = k / n
  const centre = (p + z * z / (2 * n)) / (1 + z * z / n)
  const half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
  return [Number((centre - half).toFixed(4)), Number((centre + half).toFixed(4))]
}

const latency = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(1))} s`)

describe('shadow comparisons on the Savings page', () => {
  let server, browser, page, stats, evidence

  before(async () => {
    server = await startServer()
    const out = execFileSync(join(REPO, '.venv', 'bin', 'python'), [join(HERE, 'shadow_run.py'), server.apiKey, server.url,
      String(CALLS), String(CAP)], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: `${join(REPO, 'sdk')}:${REPO}` } })
    stats = JSON.parse(out.trim().split('\n').pop())
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('the SDK kept to its daily cap and the backend stored every verdict', async () => {
    assert.equal(stats.sampled, CALLS)
    assert.equal(stats.shadow_calls, CAP)
    assert.equal(stats.skipped_budget, 2 * CALLS - CAP)
    const answer = await (await fetch(`${server.url}/api/optimization/evidence?range=24h`)).json()
    evidence = Object.fromEntries(answer.evidence.map((r) => [r.candidate_model, r]))
    assert.equal(answer.spend.runs, CAP)
    const mini = evidence['gpt-4o-mini']
    const claude = evidence['claude-3-5-haiku-20241022']
    assert.deepEqual([mini.n, mini.agreed, mini.current_model], [8, 8, 'gpt-4o'])
    assert.deepEqual([claude.n, claude.agreed], [8, 4])
    assert.deepEqual([mini.agreement_low, mini.agreement_high], wilson(8, 8))
    assert.deepEqual([claude.agreement_low, claude.agreement_high], wilson(4, 8))
  })

  test('the evidence panel, the endpoint\'s plan and the simulator show it', async () => {
    await page.goto(`${server.url}/savings?range=24h`)
    await page.getByTestId('evidence-list').waitFor()
    const lines = page.getByTestId('evidence-list').getByTestId('evidence-sentence')
    const mini = evidence['gpt-4o-mini']
    const claude = evidence['claude-3-5-haiku-20241022']
    // Most judged calls first, ties by the candidate's name.
    assert.deepEqual(await lines.allTextContents(), [
      `agreed on 50% of 8 sampled calls, p95 latency ${latency(claude.p95_latency_ms_candidate)} vs ${latency(claude.p95_latency_ms_current)}`,
      `agreed on 100% of 8 sampled calls, p95 latency ${latency(mini.p95_latency_ms_candidate)} vs ${latency(mini.p95_latency_ms_current)}`,
    ])
    assert.match(await text(page, 'evidence-spend'), /^16 shadow calls cost \$[\d.]+ in this range: their own spend/)
    // The plan of classify (gpt-4o has cheaper models) carries the same lines.
    await page.getByTestId('plan-classify').getByTestId('evidence-classify').waitFor()
    assert.equal(await page.getByTestId('plan-classify').getByTestId('evidence-sentence').count(), 2)
    await screenshot(page, 'savings-shadow-evidence')

    await page.getByTestId('filter-endpoint_name').selectOption('classify')
    await page.getByTestId('simulator-model').fill('gpt-4o-mini')
    await page.getByTestId('simulator-run').click()
    await page.getByTestId('simulation-result').waitFor()
    const simulated = page.getByTestId('simulation-evidence').getByTestId('evidence-line')
    assert.equal(await simulated.count(), 1)
    assert.equal(await simulated.getAttribute('data-candidate'), 'gpt-4o-mini')
    await screenshot(page, 'savings-simulator-evidence')
  })
})
