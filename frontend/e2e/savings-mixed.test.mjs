// The Savings page on the mixed traffic: two weeks of gpt-4o, gpt-4.1, claude-3-5-sonnet and
// mistral-large over five endpoints, with tools, JSON output and images (the events are the ones
// tests/backend/test_advice_mixed.py checks against every rule). The page shows the API's plans in
// its order, each option's rules, at most 10 plans before "Show all", and is captured for a look.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser, startServer } from './harness.mjs'
import { screenshot, text } from './page-helpers.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function mixedEvents() {
  const out = execFileSync(join(ROOT, '.venv', 'bin', 'python'), ['-c',
    'import json; from tests.backend.test_advice_mixed import mixed_events; print(json.dumps(mixed_events()))'],
  { cwd: ROOT, encoding: 'utf8' })
  return JSON.parse(out)
}

describe('Savings on mixed traffic (local mode)', () => {
  let server
  let browser
  let page

  before(async () => {
    server = await startServer()
    const events = mixedEvents()
    for (let i = 0; i < events.length; i += 500) {
      const answer = await fetch(`${server.url}/api/log`, {
        method: 'POST', headers: { Authorization: `Bearer ${server.apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ events: events.slice(i, i + 500) }),
      })
      assert.equal(answer.status, 202)
    }
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.setDefaultTimeout(15_000)
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('one plan per endpoint in the API\'s order, each option with the rules it passed', async () => {
    const answer = await (await fetch(`${server.url}/api/optimization?from=${encodeURIComponent(new Date(Date.now() - 30 * 86_400_000).toISOString())}`)).json()
    await page.goto(`${server.url}/savings?range=30d`)
    await page.getByTestId('recommendations').waitFor()
    const plans = page.locator('[data-testid="recommendations"] > li')
    assert.equal(await plans.count(), Math.min(10, answer.plans.length))
    assert.deepEqual(
      await plans.evaluateAll((items) => items.map((li) => li.getAttribute('data-testid'))),
      answer.plans.slice(0, 10).map((p) => `plan-${p.endpoint_name}`),
    )
    assert.deepEqual(answer.plans.map((p) => p.endpoint_name).sort(), ['agent', 'classify', 'extract', 'summarize', 'vision'])
    for (const [i, plan] of answer.plans.entries()) {
      if (!plan.best) continue
      const best = plans.nth(i).locator('ol.advice-list > li').first()
      const rules = await best.getByTestId('option-rules').locator('li').count()
      assert.equal(rules, plan.best.rules_passed.length, `${plan.endpoint_name}: the best option's rules`)
    }
    assert.match((await text(page, 'savings-total-monthly')).replace(/\s+/g, ' '), /^\$[\d,.]+ a month$/)
    // Open the refused lists: each candidate the rules turned down, with why.
    for (const [i, plan] of answer.plans.entries()) {
      if (!plan.refused.length) continue
      await plans.nth(i).getByTestId('plan-refused-toggle').click()
      assert.equal(await plans.nth(i).getByTestId('plan-refused').locator('li').count(), plan.refused.length)
    }
    await screenshot(page, 'savings-mixed')
  })
})
