// Browser test of the Savings page's "Equivalent models" panel (issue 13): an endpoint on
// claude-opus-4-5 whose plan refuses claude-haiku-4-5 as two tiers down without shadow evidence;
// an admin maps haiku as equivalent for that endpoint in the panel and the plan offers it, citing
// the map; deleting the entry brings the refusal back. A bad entry shows the API's error by field.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { launchBrowser, startServer } from './harness.mjs'
import { screenshot, text } from './page-helpers.mjs'

const MINUTE = 60_000
const MODEL = 'claude-opus-4-5'
const CANDIDATE = 'claude-haiku-4-5'
const ENDPOINT = 'writer'

describe('the equivalence map on the Savings page', () => {
  let server, browser, page

  before(async () => {
    server = await startServer()
    const now = Date.now()
    const events = Array.from({ length: 20 }, (_, i) => ({
      model: MODEL, endpoint_name: ENDPOINT, prompt_tokens: 2000, completion_tokens: 300,
      timestamp: new Date(now - (i + 1) * MINUTE).toISOString(),
    }))
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

  const plan = () => page.getByTestId(`plan-${ENDPOINT}`)
  const option = () => plan().getByTestId(`option-${ENDPOINT}-cheaper_model-${CANDIDATE}`)
  const refusal = () => plan().getByTestId(`refused-${CANDIDATE}`)
  const row = () => page.getByTestId(`equivalence-${MODEL}-${CANDIDATE}`)

  async function showRefused() {
    if (!(await plan().getByTestId('plan-refused').isVisible())) await plan().getByTestId('plan-refused-toggle').click()
    await refusal().waitFor()
    return (await refusal().textContent()).trim()
  }

  test('the plan refuses the candidate by tier until the panel maps it, and again after deleting it', async () => {
    await page.goto(`${server.url}/savings?range=24h`)
    await page.getByTestId('equivalences-none').waitFor()
    await plan().waitFor()
    assert.match(await showRefused(), /2 tiers down \(flagship → small\) without shadow evidence/)
    assert.equal(await option().count(), 0)

    // A bad entry: the API's message appears under the field it names, and nothing is added.
    await page.getByTestId('equivalence-model').fill(MODEL)
    await page.getByTestId('equivalence-add').click()
    const fieldError = page.getByTestId('equivalence-form').locator('label', { hasText: 'Can be replaced by' })
      .getByTestId('equivalence-field-error')
    await fieldError.waitFor()
    assert.match(await fieldError.textContent(), /\S/)
    assert.equal(await page.getByTestId('equivalences-list').count(), 0)

    await page.getByTestId('equivalence-candidate').fill(CANDIDATE)
    await page.getByTestId('equivalence-endpoint-input').fill(ENDPOINT)
    await page.getByTestId('equivalence-add').click()
    await row().waitFor()
    assert.equal((await row().getByTestId('equivalence-endpoint').textContent()).trim(), ENDPOINT)
    assert.equal(await page.getByTestId('equivalence-field-error').count(), 0)

    // The plan is read again: the candidate is offered, citing the map, and no longer refused.
    await option().waitFor()
    assert.equal(await text(option(), 'option-label'), 'From your map')
    assert.match(await option().getByTestId('option-rules').textContent(), /the project's equivalence map names it/)
    assert.equal(await refusal().count(), 0)
    const api = await (await fetch(`${server.url}/api/optimization?range=24h`)).json()
    const offered = api.plans.find((p) => p.endpoint_name === ENDPOINT)
    assert.ok([offered.best, ...offered.alternatives].some((o) => o?.suggested_model === CANDIDATE && o.equivalence))
    await page.getByTestId('equivalences-panel').scrollIntoViewIfNeeded()
    await screenshot(page, 'savings-equivalences')

    await row().getByTestId('equivalence-delete').click()
    await page.getByTestId('equivalences-none').waitFor()
    await option().waitFor({ state: 'detached' })
    assert.match(await showRefused(), /2 tiers down \(flagship → small\) without shadow evidence/)
  })
})
