import { describe, expect, test } from 'vitest'
import { endpointPlans, rangeDays } from './plans-data'
import type { CheaperModelRecommendation, SummariseHistoryRecommendation } from '../types'

const rec = (endpoint: string, model: string, option: 'cheapest' | 'next_cheaper', savings: string, current = '0.5'): CheaperModelRecommendation => ({
  type: 'cheaper_model', option, endpoint_name: endpoint, model, provider: 'openai', suggested_model: `${model}-small`,
  requests: 3, prompt_tokens: 1000, completion_tokens: 150, current_cost: current, suggested_cost: '0', savings,
  savings_share: 0.2, message: '',
})
const summary = (endpoint: string, savings: string): SummariseHistoryRecommendation => ({
  type: 'summarise_history', endpoint_name: endpoint, sessions: 1, requests: 2, prompt_tokens: 1800, tokens_saved: 1000,
  current_cost: '0.2', suggested_cost: '0.1', savings, savings_share: 0.5, message: '',
})

describe('endpointPlans', () => {
  const recs = [
    rec('chat', 'gpt-4o', 'cheapest', '0.3'), rec('chat', 'gpt-4o', 'next_cheaper', '0.1'),
    rec('chat', 'gpt-4o-mini', 'cheapest', '0.05', '0.1'), summary('chat', '0.2'),
    rec('search', 'gpt-4o', 'cheapest', '0.4'), summary('faq', '0.07'),
  ]

  test('one plan per endpoint: its models\' best options added, alternatives and summaries not', () => {
    const plans = endpointPlans(recs, 7)
    expect(plans.map((p) => [p.endpoint, p.saving, p.currentCost])).toEqual([
      ['search', '0.4', '$0.50'], ['chat', '0.35', '$0.60'], ['faq', '0.07', '$0.20'],
    ])
    // 0.35 over 7 days → 0.35 × 30 / 7 = 1.5 a month, exactly.
    expect(plans[1].monthly).toEqual({ text: '$1.50' })
    expect(plans[1].options.map((o) => o.key.replace(/\u0000/g, '|'))).toEqual([
      'chat|gpt-4o|cheapest', 'chat|summarise_history', 'chat|gpt-4o|next_cheaper', 'chat|gpt-4o-mini|cheapest',
    ])
  })

  test('a monthly figure that does not divide evenly is rounded, with the exact value for the hover', () => {
    // 0.01 over 7 days → 0.3 / 7 = 0.0428571… a month.
    const { monthly } = endpointPlans([summary('faq', '0.01')], 7)[0]
    expect(monthly.text).toBe('$0.04')
    expect(monthly.exact).toMatch(/^\$0\.04285714285714285714/)
  })

  test('range days: 24 hours is one day; a moment is at least an hour', () => {
    expect(rangeDays('2026-11-10T00:00:00Z', '2026-11-11T00:00:00Z')).toBe(1)
    expect(rangeDays('2026-11-10T00:00:00Z', '2026-11-10T00:00:01Z')).toBeCloseTo(1 / 24)
  })
})
