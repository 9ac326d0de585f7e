import { describe, expect, test } from 'vitest'
import { catalogueRows, filterCatalogue, priceTimeline, providerOptions, reasonGroups, retirementViews } from './catalogue-data'
import type { CatalogueRow, PriceChange } from './pricing-types'

const row = (model: string, provider: string, extra: Partial<CatalogueRow> = {}): CatalogueRow => ({
  model, provider, input_price: '0.0025', output_price: '0.01', cached_input_price: '0.00125', cache_write_price: null,
  source: 'litellm-1.110.2', last_updated: '2026-12-02T00:00:00+00:00', ...extra,
})

const SONNET = row('claude-sonnet-4-20250514', 'anthropic', {
  input_price: '0.003', output_price: '0.015', cached_input_price: '0.0003', cache_write_price: '0.00375',
  cache_write_1h_price: '0.006', long_context_threshold: 200000, long_context_input_price: '0.006',
  long_context_output_price: '0.0225', aliases: ['claude-sonnet-4'],
})
const TERRA = row('gpt-6.1-terra', 'openai', {
  input_price: '0.001', output_price: '0.005', long_context_threshold: 272000, long_context_input_price: '0.002',
  long_context_output_price: '0.0075', long_context_tiers: [{ above: 272000, cache_write_price: '0.0025' }, { above: 1000000, input_price: '0.004' }],
  service_tiers: { priority: { input_price: '0.002', output_price: '0.01' }, flex: { input_price: '0.0005' } },
})

describe('catalogueRows', () => {
  test.each([
    ['1M', SONNET, ['$3.00', '$15.00', '$0.30', '$3.75', '$6.00', '> 200K: $6.00 / $22.50', '—']],
    ['1K', SONNET, ['$0.003', '$0.015', '$0.0003', '$0.00375', '$0.006', '> 200K: $0.006 / $0.0225', '—']],
    ['1M', TERRA, ['$1.00', '$5.00', '$1.25', '—', '—', '> 272K: $2.00 / $7.50 (+1 more)', 'flex $0.50 / $5.00 · priority $2.00 / $10.00']],
  ] as const)('per %s: %s', (unit, r, expected) => {
    const [v] = catalogueRows([r], unit, 'UTC')
    expect([v.input, v.output, v.cached, v.cacheWrite5m, v.cacheWrite1h, v.longContext, v.serviceTiers]).toEqual(expected)
    expect(v.lastUpdated).toBe('2026-12-02')
  })
})

test('rows set by hand first, then the providers with the most models, then by name', () => {
  const rows = catalogueRows([row('z-mistral', 'mistral'), row('gpt-4o', 'openai'), row('a-openai', 'openai'), row('', ''),
    row('my-model', '', { source: 'manual' })], '1M')
  expect(rows.map((r) => r.model)).toEqual(['my-model', 'a-openai', 'gpt-4o', 'z-mistral', ''])
})

describe('filterCatalogue', () => {
  const rows = [SONNET, TERRA, row('mistral-small-latest', 'mistral'), row('gpt-4o', 'openai')]
  test.each([
    ['', '', 4],
    ['GPT', '', 2],
    ['sonnet-4', '', 1],            // an alias matches too
    ['', 'openai', 2],
    ['gpt', 'mistral', 0],
    ['  small ', 'mistral', 1],
  ])('search %j, provider %j → %i rows', (search, provider, n) => {
    expect(filterCatalogue(rows, search, provider)).toHaveLength(n)
  })

  test('providers, most rows first', () => {
    expect(providerOptions(rows)).toEqual([
      { provider: 'openai', count: 2 }, { provider: 'anthropic', count: 1 }, { provider: 'mistral', count: 1 }])
  })
})

test('unpriced groups by reason, most requests first, with the fix', () => {
  const groups = reasonGroups([
    { reason: 'non_token_unit', meaning: 'm1', fix: 'f1', requests: 2, models: [{ model: 'dall-e-3', requests: 2, last_seen: '2026-12-01T10:00:00Z' }] },
    { reason: 'no_price_row', meaning: 'm2', fix: 'f2', requests: 1500, models: [{ model: 'x', requests: 1500, last_seen: '2026-12-02T10:00:00Z' }] },
  ], 'UTC')
  expect(groups.map((g) => [g.title, g.requests, g.canAddPrice, g.fix])).toEqual([
    ['No price for the model', '1,500', true, 'f2'], ['Billed in another unit', '2', false, 'f1']])
  expect(groups[1].models).toEqual([{ model: 'dall-e-3', requests: '2', lastSeen: '2026-12-01' }])
})

test('a price timeline shows each change with its source, before → after', () => {
  const history: PriceChange[] = [
    { version: 9, operation: 'update', changed_at: '2026-12-02T08:00:00Z', changed_by: 'price-sync job', source: 'litellm-sync',
      old_row: { input_price: 0.001, output_price: 0.005 }, new_row: { input_price: 0.0015, output_price: 0.005 } },
    { version: 3, operation: 'insert', changed_at: '2026-11-01T08:00:00Z', changed_by: 'seed', source: null,
      old_row: null, new_row: { input_price: 0.001, output_price: 0.005, source: 'litellm-1.110.2' } },
  ]
  expect(priceTimeline(history, '1M', 'UTC')).toEqual([
    { when: '2026-12-02', what: 'changed', source: 'litellm-sync', by: 'price-sync job', input: '$1.00 → $1.50', output: '$5.00' },
    { when: '2026-11-01', what: 'added', source: 'litellm-1.110.2', by: 'seed', input: '$1.00', output: '$5.00' },
  ])
})

test.each([
  [30, 'old retires on 2027-01-01 (in 30 days)'],
  [1, 'old retires on 2027-01-01 (in 1 day)'],
  [-3, 'old was retired on 2027-01-01 (3 days ago)'],
])('retirement headline, %i days left', (days, headline) => {
  const [view] = retirementViews([{ model: 'old', pricing_model: 'old', deprecation_date: '2027-01-01', days_left: days,
    successor_model: 'new', successor_priced: true, endpoints: [{ endpoint_name: 'chat', requests: 2, cost: '0.26', successor_cost: '0.056' }] }])
  expect(view.headline).toBe(headline)
  expect(view.successor).toBe('Successor: new')
  expect(view.endpoints).toEqual([{ endpoint: 'chat', requests: '2', cost: '$0.26', successorCost: '$0.056' }])
})
