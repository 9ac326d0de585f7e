import { describe, expect, test } from 'vitest'
import { type SimulationAnswer, simulationView } from './simulate-data'

// The backend's hand-checked case (tests/backend/test_simulate.py): 4 classify requests on gpt-4o.
const answer = (over: Partial<SimulationAnswer> = {}): SimulationAnswer => ({
  endpoint_name: 'classify', from: '2026-11-10T00:00:00Z', to: '2026-11-12T00:00:00Z', days: '1.5',
  range: { requests: 4, unpriced_requests: 0, cost: '0.016' },
  sample: { requests: 4, compared: 4, current_unpriced: 0, target_unpriced: 0 },
  profile: { avg_prompt_tokens: 1000, cached_share: '0.4', cache_write_share: '0', largest_prompt_tokens: 1000,
    long_context_requests: 0, models: ['gpt-4o'] },
  current: { sample_cost: '0.016', range_cost: '0.016', monthly_cost: '0.32' },
  target: { model: 'gpt-4o-mini', priced_as: 'gpt-4o-mini', input_price: '0.00015', output_price: '0.0006',
    sample_cost: '0.00096', range_cost: '0.00096', monthly_cost: '0.0192' },
  monthly_saving: '0.3008', change: '-0.94', evidence: [], ...over,
})

describe('simulationView', () => {
  test('a saving in rounded money, exact on hover, with what it rests on', () => {
    expect(simulationView(answer())).toMatchObject({
      current: { text: '$0.32' }, target: { text: '$0.02', exact: '$0.0192' }, targetName: 'gpt-4o-mini', saves: true,
      verdict: 'saves $0.30 a month (−94%)',
      basis: '4 requests over 1.5 days, at that rate for 30 days',
      profile: '1,000 prompt tokens on average, 40% cached, largest 1,000',
    })
    expect(simulationView(answer()).evidence).toMatch(/^No shadow comparisons yet/)
  })

  test('a span under a day is said in hours', () => {
    expect(simulationView(answer({ days: '0.0416666' })).basis).toBe('4 requests over 1 hour, at that rate for 30 days')
  })

  test('a target that costs more says so; a sample and left-out requests are named', () => {
    const view = simulationView(answer({
      monthly_saving: '-0.04', change: '0.125', target: { ...answer().target, model: null, monthly_cost: '0.36' },
      range: { requests: 40_000, unpriced_requests: 0, cost: '1' },
      sample: { requests: 10_000, compared: 9_990, current_unpriced: 10, target_unpriced: 0 },
    }))
    expect(view).toMatchObject({ saves: false, verdict: 'costs $0.04 more a month (+12.5%)', targetName: 'the typed price' })
    expect(view.basis).toBe('40,000 requests over 1.5 days, the 10,000 most recent scaled to all, at that rate for 30 days; 10 requests left out (no price on one side)')
  })
})
