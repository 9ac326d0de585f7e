// Browser test of the Pricing page against the real stack (fresh database with the shipped price
// snapshot, `tokenoptimizer serve`, Debian Chromium): the catalogue with search and provider
// filter and every rate per 1K and per 1M, unpriced requests grouped by reason with the fix, a
// retirement notice with the successor's cost, and a model's price timeline after an edit.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { launchBrowser, startServer } from './harness.mjs'
import { toScaled } from './expected.mjs'

const UNIT = 10n ** 15n // toScaled's unit
import { screenshot, text, waitForText } from './page-helpers.mjs'

const UNPRICED_MODEL = 'acme-llm-7b'
/** A scaled amount (1e-15 USD) as the exact figure the panel shows: every digit, at least 2 decimals. */
function exact(scaled) {
  const fraction = (scaled % UNIT).toString().padStart(15, '0').replace(/0+$/, '').padEnd(2, '0')
  return `$${(scaled / UNIT).toLocaleString('en-US')}.${fraction}`
}
const RETIRING = 'gpt-5-mini' // the snapshot's catalogue: retires 2026-12-11, successor gpt-5.6-terra
const event = (model, extra = {}) => ({ model, endpoint_name: 'chat', prompt_tokens: 10_000, completion_tokens: 1_000, ...extra })
const TRAFFIC = [
  ...Array.from({ length: 3 }, () => event(UNPRICED_MODEL)),
  event('gpt-4o', { service_tier: 'scale' }), event('gpt-4o', { service_tier: 'scale' }),
  event('whisper-1', { completion_tokens: 0 }),
  event(RETIRING), event(RETIRING),
  event('gpt-5.4-mini', { cached_tokens: 4_000 }),
]

describe('Pricing page', { timeout: 240_000 }, () => {
  let server
  let browser
  let page
  let prices

  before(async () => {
    server = await startServer()
    const sent = await fetch(`${server.url}/api/log`, {
      method: 'POST', headers: { Authorization: `Bearer ${server.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ events: TRAFFIC }),
    })
    assert.equal(sent.status, 202, await sent.text())
    prices = new Map((await (await fetch(`${server.url}/api/pricing`)).json()).models.map((m) => [m.model, m]))
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('a fresh install holds the snapshot: search, provider filter, every rate per 1K and per 1M', async () => {
    assert.ok(prices.size >= 590, `${prices.size} models`)
    assert.equal(prices.get('gpt-5.4-mini').source, 'litellm-1.110.2')
    await page.goto(`${server.url}/pricing?range=24h`)
    await page.getByTestId('pricing-search').fill('gpt-5.4-mini')
    const row = page.getByTestId('pricing-row-gpt-5.4-mini')
    await row.waitFor()
    assert.deepEqual(
      [await text(row, 'cell-input-1k'), await text(row, 'cell-input-1m'), await text(row, 'cell-output-1m'), await text(row, 'cell-cached')],
      ['$0.00075', '$0.75', '$4.50', '$0.075'])
    assert.match(await text(row, 'cell-tiers'), /priority \$1\.50 \/ \$9\.00/)
    await page.getByTestId('pricing-unit').selectOption('1K')
    await waitForText(row.getByTestId('cell-cached'), '$0.000075')
    assert.match(await text(page, 'pricing-count'), /^\d+ of \d+ models$/)

    await page.getByTestId('pricing-search').fill('')
    await page.getByTestId('pricing-provider').selectOption('anthropic')
    const providers = await page.locator('[data-testid^="pricing-row-"] td:nth-of-type(1)').allTextContents()
    assert.ok(providers.length > 10 && providers.every((p) => p === 'anthropic'), providers.join(','))
    const sonnet = page.getByTestId('pricing-row-claude-sonnet-4-5')
    assert.equal(await text(sonnet, 'cell-write-5m'), '$0.00375')
    assert.equal(await text(sonnet, 'cell-write-1h'), '$0.006')
    await screenshot(page, 'pricing-catalogue')
  })

  test('unpriced requests are grouped by reason, each with its fix', async () => {
    await page.goto(`${server.url}/pricing?range=24h`)
    const noRow = page.getByTestId('unpriced-reason-no_price_row')
    await noRow.waitFor()
    assert.equal(await text(noRow, 'reason-requests'), '3')
    assert.match(await text(noRow, 'reason-fix'), /pricing sync/)
    assert.equal(await text(page.getByTestId('unpriced-reason-service_tier_without_rate'), 'reason-requests'), '2')
    await page.getByTestId('unpriced-reason-service_tier_without_rate').getByTestId('unpriced-row-gpt-4o').waitFor()
    const unit = page.getByTestId('unpriced-reason-non_token_unit')
    assert.match((await unit.getByTestId('unpriced-row-whisper-1').textContent()) ?? '', /not billed per token/)
    await screenshot(page, 'pricing-unpriced')
  })

  test('a model in traffic that retires soon shows its successor and what the endpoint would cost on it', async () => {
    const notices = await (await fetch(`${server.url}/api/pricing/deprecations`)).json()
    const notice = notices.models.find((n) => n.model === RETIRING)
    assert.ok(notice, JSON.stringify(notices))
    const [old, successor] = [prices.get(RETIRING), prices.get(notice.successor_model)]
    const onPrices = (p) => (20_000n * toScaled(p.input_price) + 2_000n * toScaled(p.output_price)) / 1000n
    const panel = page.getByTestId(`retirement-${RETIRING}`)
    await panel.waitFor()
    assert.match(await text(panel, 'retirement-headline'), new RegExp(`^${RETIRING} (retires|was retired) on ${notice.deprecation_date}`))
    assert.equal(await text(panel, 'retirement-successor'), `Successor: ${notice.successor_model}`)
    const chat = panel.getByTestId('retirement-endpoint-chat')
    assert.equal(await text(chat, 'cell-cost'), exact(onPrices(old)))
    assert.equal(await text(chat, 'cell-successor-cost'), exact(onPrices(successor)))
  })

  test("an admin's edit shows in the model's price timeline with its source", async () => {
    await page.getByTestId('pricing-search').fill('gpt-5.4-nano')
    await page.getByTestId('edit-price-gpt-5.4-nano').click()
    const editor = page.getByTestId('price-editor')
    await editor.getByTestId('price-input').fill('0.25')
    await editor.getByTestId('price-output').fill('1.5')
    await editor.getByTestId('price-save').click()
    await waitForText(page.getByTestId('pricing-row-gpt-5.4-nano').getByTestId('cell-input-1m'), '$0.25')
    await page.getByTestId('history-gpt-5.4-nano').click()
    const timeline = page.getByTestId('price-timeline')
    await timeline.getByTestId('timeline-row').first().waitFor()
    const sources = await timeline.getByTestId('timeline-source').allTextContents()
    assert.deepEqual(sources, ['manual', 'litellm-1.110.2'])
    assert.match(await text(timeline, 'timeline-input'), /→ \$0\.25$/)
    await screenshot(page, 'pricing-timeline')
    await timeline.getByTestId('timeline-close').click()
    assert.equal(await page.getByTestId('price-timeline').count(), 0)
  })
})
