import { describe, expect, test } from 'vitest'
import { type ShadowEvidence, evidenceFor, evidenceView, latencyText } from './evidence-data'

// The backend's hand-checked case (tests/backend/test_shadow_evidence.py): 9 of 10 agreed, 1 error.
const row = (over: Partial<ShadowEvidence> = {}): ShadowEvidence => ({
  endpoint_name: 'classify', current_model: 'gpt-4o', candidate_model: 'gpt-4o-mini', candidate_provider: 'openai',
  runs: 11, errors: 1, n: 10, agreed: 9, agreement_rate: 0.9, agreement_low: 0.5958, agreement_high: 0.9821,
  p95_latency_ms_candidate: 955, p95_latency_ms_current: 2100, cost_per_call_candidate: '0.000218181818',
  cost_per_call_current: '0.004', shadow_spend: '0.0024', unpriced_runs: 0, last_run: '2026-11-10T01:10:00Z', ...over,
})

describe('evidenceView', () => {
  test('the sentence the Savings page shows, with its interval and costs', () => {
    expect(evidenceView(row())).toMatchObject({
      sentence: 'agreed on 90% of 10 sampled calls, p95 latency 955 ms vs 2.1 s',
      detail: '95% interval 60%–98%; 1 candidate error',
      cost: '$0.000218 vs $0.004 a call',
      spend: { text: '$0.0024' },
      strong: false,
    })
  })

  test('the issue\'s example: 96% of 212, 0.8 s vs 1.9 s, strong when the lower bound is 90% or more', () => {
    const view = evidenceView(row({ n: 212, agreed: 204, agreement_rate: 0.9623, agreement_low: 0.9272, agreement_high: 0.9807,
      p95_latency_ms_candidate: 812.4, p95_latency_ms_current: 1904, errors: 0 }))
    expect(view.sentence).toBe('agreed on 96% of 212 sampled calls, p95 latency 812 ms vs 1.9 s')
    expect(view.detail).toBe('95% interval 93%–98%')
    expect(view.strong).toBe(true)
  })

  test('nothing judged yet: said so, no interval', () => {
    const view = evidenceView(row({ n: 0, agreed: 0, agreement_rate: null, agreement_low: null, agreement_high: null,
      runs: 2, errors: 2, p95_latency_ms_candidate: null }))
    expect(view.sentence).toBe('no judged comparison yet (2 shadow calls), p95 latency — vs 2.1 s')
    expect(view.detail).toBe('2 candidate errors')
    expect(view.strong).toBe(false)
  })
})

test.each([
  [null, '—'], [0.4, '0 ms'], [850, '850 ms'], [999.6, '1000 ms'], [1000, '1 s'], [1904, '1.9 s'], [12500, '12.5 s'],
])('latencyText(%s) = %s', (ms, text) => {
  expect(latencyText(ms)).toBe(text)
})

test('evidenceFor keeps one endpoint (and current model), most judged first', () => {
  const rows = [row({ candidate_model: 'a', n: 3 }), row({ candidate_model: 'b', n: 30 }),
    row({ endpoint_name: 'other' }), row({ current_model: 'gpt-4.1', candidate_model: 'c' })]
  expect(evidenceFor(rows, 'classify').map((v) => v.candidate)).toEqual(['b', 'c', 'a'])
  expect(evidenceFor(rows, 'classify', 'gpt-4o').map((v) => v.candidate)).toEqual(['b', 'a'])
})
