import { describe, expect, test } from 'vitest'
import { planViews, reductionText, totalView } from './plans-data'
import type { EndpointPlanAnswer, OptimizationResponse, PlanOptionAnswer } from '../types'

const option = (suggested: string, monthly: string, over: Partial<PlanOptionAnswer> = {}): PlanOptionAnswer => ({
  type: 'cheaper_model', model: 'gpt-4o', provider: 'openai', suggested_model: suggested, priced_as: suggested,
  monthly_saving: monthly, current_monthly_cost: '100.8', suggested_monthly_cost: '20.16', saving_share: '0.8',
  equivalence: false, tokens_saved: null, evidence: null, message: `Move to ${suggested}`,
  rules_passed: [{ rule: 'context', detail: 'holds it' }, { rule: 'tier', detail: 'one tier down (flagship → mid)' }],
  ...over,
})
const plan = (endpoint: string, saving: string, options: PlanOptionAnswer[]): EndpointPlanAnswer => ({
  endpoint_name: endpoint, models: ['gpt-4o'], requests: 1234, cost: '0.14', monthly_cost: '100.8',
  monthly_saving: saving, best: options[0] ?? null, alternatives: options.slice(1, 3), other_advice: options.slice(3),
  refused: [{ model: 'gpt-4o', candidate_model: 'gpt-4.1-nano', rule: 'deprecation', detail: 'retired on 2026-10-23' }],
})
const answer: OptimizationResponse = {
  from: '2026-11-10T00:00:00+00:00', to: '2026-11-11T00:00:00+00:00', monthly_saving: '80.64', monthly_cost: '201.6',
  plans: [
    plan('agent', '80.64', [option('rp-medium-3', '80.64'), option('rp-large-3', '50.4'),
      option('x', '0.0001234567', { equivalence: true, saving_share: '0.9688' }),
      option('', '0.54', { type: 'summarise_history', suggested_model: null, saving_share: null })]),
    plan('cheap', '0', []),
  ],
}

describe('planViews', () => {
  const views = planViews(answer)
  test('keeps the API order and its exact money, rounded for the eye', () => {
    expect(views.map((v) => [v.endpoint, v.monthlySaving.text, v.requests])).toEqual([
      ['agent', '$80.64', '1,234 requests'], ['cheap', '$0.00', '1,234 requests']])
  })
  test('best, two alternatives and the other advice, with labels and rules', () => {
    const [agent] = views
    expect(agent.best?.suggestedModel).toBe('rp-medium-3')
    expect(agent.best?.rules.map((r) => r.label)).toEqual(['context window', 'tier'])
    expect(agent.alternatives.map((o) => [o.label, o.monthly.text, o.monthly.exact, o.reduction])).toEqual([
      ['Cheaper model', '$50.40', undefined, '−80%'], ['From your map', '$0.000123', '$0.0001234567', '−96.9%']])
    expect(agent.other.map((o) => [o.kind, o.label, o.reduction])).toEqual([['summarise_history', 'Shorter history', null]])
    expect(agent.refused).toEqual([{ key: 'gpt-4o\u0000gpt-4.1-nano', model: 'gpt-4o', candidate: 'gpt-4.1-nano',
      rule: 'deprecation', label: 'not retiring', detail: 'retired on 2026-10-23' }])
  })
  test('no answer yet: no plans', () => expect(planViews(undefined)).toEqual([]))
})

describe('totalView', () => {
  test('counts the endpoints with advice', () => {
    expect(totalView(answer)).toEqual({ saving: { text: '$80.64' }, cost: { text: '$201.60' },
      endpoints: 1, hasAdvice: true })
  })
})

test.each([['0.8', '−80%'], ['0.9688', '−96.9%'], [null, null], ['', null]])('reductionText(%s)', (share, text) => {
  expect(reductionText(share)).toBe(text)
})
