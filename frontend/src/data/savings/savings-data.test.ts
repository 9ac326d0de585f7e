import { describe, expect, test } from 'vitest'
import { alertViews, formatReduction, recommendationViews, savingsTotal } from './savings-data'
import type { StoredAlert } from '../alerts/alerts-types'
import type {
  CheaperModelRecommendation, Recommendation, ShorterAnswersRecommendation, SummariseHistoryRecommendation,
} from '../types'

const rec = (endpoint: string, model: string, savings: string, over: Partial<CheaperModelRecommendation> = {}): CheaperModelRecommendation => ({
  type: 'cheaper_model', option: 'next_cheaper', endpoint_name: endpoint, model, provider: 'openai', suggested_model: 'gpt-4.1',
  requests: 3, prompt_tokens: 1000, completion_tokens: 150, current_cost: '0.004', suggested_cost: '0.0032',
  savings, savings_share: 0.2, message: '', ...over,
})

const summary = (endpoint: string, savings: string): SummariseHistoryRecommendation => ({
  type: 'summarise_history', endpoint_name: endpoint, sessions: 1, requests: 2, prompt_tokens: 1800, tokens_saved: 1000,
  current_cost: '0.001915', suggested_cost: '0.00106', savings, savings_share: 0.000855 / 0.001915, message: '',
})

const answers = (endpoint: string, savings: string): ShorterAnswersRecommendation => ({
  type: 'shorter_answers', endpoint_name: endpoint, model: 'gpt-4o-mini', requests: 20, long_answers: 2, cap_tokens: 200,
  completion_tokens: 2000, tokens_saved: 1600, current_cost: '0.0012', suggested_cost: '0.00024', savings,
  savings_share: 0.8, message: '',
})

describe('formatReduction', () => {
  test.each([[0.2, '−20%'], [0.94, '−94%'], [1 / 3, '−33.3%'], [0.0004, '−0%'], [null, '—']])('%s → %s', (share, expected) => {
    expect(formatReduction(share)).toBe(expected)
  })
})

describe('recommendationViews', () => {
  test('largest exact saving first, compared as decimals not strings', () => {
    const views = recommendationViews([
      rec('chat', 'gpt-4o', '9.5'),
      rec('summarize', 'gpt-4o', '12.34'),
      rec('classify', 'gpt-4o', '0.000001'),
      rec('agent', 'gpt-4o', '12.34'),
    ])
    expect(views.map((v) => [v.endpoint, v.savings])).toEqual([
      ['agent', '$12.34'], ['summarize', '$12.34'], ['chat', '$9.50'], ['classify', '$0.000001'],
    ])
  })

  test.each([
    [rec('summarize', 'gpt-4o', '12.34', { suggested_model: 'gpt-4o-mini', savings_share: 0.94 }),
      'Move summarize from gpt-4o to gpt-4o-mini: save $12.34 over this period (−94%)'],
    [rec('chat', 'gpt-4o', '0.0008'), 'Move chat from gpt-4o to gpt-4.1: save $0.0008 over this period (−20%)'],
    [rec('x', 'gpt-4o-mini', '0.000000000001', { suggested_model: 'gpt-4.1-nano', savings_share: 1 / 3 }),
      'Move x from gpt-4o-mini to gpt-4.1-nano: save $0.000000000001 over this period (−33.3%)'],
  ])('%j reads: %s', (r, sentence) => {
    expect(recommendationViews([r])[0].sentence).toBe(sentence)
  })

  test('the two options of one endpoint and model: largest saving first, labelled, with distinct keys', () => {
    const views = recommendationViews([
      rec('rag', 'gpt-4o', '0.009', { suggested_model: 'gpt-4.1' }),
      rec('rag', 'gpt-4o', '0.0242', { option: 'cheapest', suggested_model: 'gpt-4.1-nano' }),
    ])
    expect(views.map((v) => [v.optionLabel, v.suggestedModel, v.savings])).toEqual([
      ['Cheapest', 'gpt-4.1-nano', '$0.02'], ['Smallest step', 'gpt-4.1', '$0.009'],
    ])
    expect(new Set(views.map((v) => v.key)).size).toBe(2)
  })

  test('equal savings: cheapest first', () => {
    const views = recommendationViews([rec('a', 'm', '0.5'), rec('a', 'm', '0.5', { option: 'cheapest' })])
    expect(views.map((v) => v.option)).toEqual(['cheapest', 'next_cheaper'])
  })

  test('one request reads in the singular', () => {
    expect(recommendationViews([rec('chat', 'gpt-4o', '0.0008', { requests: 1 })])[0].detail).toMatch(/^1 request · /)
  })

  test('costs and volume are exact', () => {
    expect(recommendationViews([rec('chat', 'gpt-4o', '0.0008')])[0]).toMatchObject({
      currentCost: '$0.004', suggestedCost: '$0.0032',
      detail: "3 requests · 1,150 tokens · cost $0.004, at gpt-4.1's list prices $0.0032",
    })
  })

  test('a summary of growing conversations: its own sentence and detail, after model advice with the same saving', () => {
    const views = recommendationViews([summary('support', '0.000855'), rec('support', 'gpt-4o', '0.000855')])
    expect(views.map((v) => [v.kind, v.optionLabel, v.model])).toEqual([
      ['cheaper_model', 'Smallest step', 'gpt-4o'], ['summarise_history', 'Shorter history', null],
    ])
    expect(views[1]).toMatchObject({
      option: null,
      sentence: 'Summarise conversation history on support: save $0.000855 over this period (−44.6%)',
      detail: "1 recent conversation whose input grows every turn · 2 turns after the 3rd at the 3rd turn's prompt size: "
        + '1,000 fewer input tokens, input cost $0.00192 → $0.00106 at list prices',
    })
  })

  test('overlong answers: their own sentence and detail; with equal savings, model options first, then by model', () => {
    const views = recommendationViews([answers('support', '0.00096'), summary('support', '0.00096'), rec('support', 'gpt-4o', '0.00096')])
    expect(views.map((v) => [v.kind, v.optionLabel, v.model])).toEqual([
      ['cheaper_model', 'Smallest step', 'gpt-4o'], ['shorter_answers', 'Shorter answers', 'gpt-4o-mini'],
      ['summarise_history', 'Shorter history', null],
    ])
    expect(views[1]).toMatchObject({
      option: null,
      suggestedModel: null,
      sentence: 'Cap answers on support (gpt-4o-mini) at 200 tokens: save $0.00096 over this period (−80%)',
      detail: '2 of 20 recent answers ran past 200 tokens, twice the median · cut there: 1,600 fewer output tokens, '
        + 'output cost $0.0012 → $0.00024 at list prices',
    })
  })

  test('an advice type this dashboard does not know is left out', () => {
    const unknown = { type: 'batch_requests', endpoint_name: 'x', savings: '1' } as unknown as Recommendation
    expect(recommendationViews([unknown, rec('chat', 'gpt-4o', '0.0008')]).map((v) => v.kind)).toEqual(['cheaper_model'])
  })
})

describe('savingsTotal', () => {
  test.each([
    [[rec('a', 'm', '0.1', { current_cost: '0.5' }), rec('b', 'm', '0.2', { current_cost: '0.5' })], '0.3', 2, '$0.30', '$1.00', '−30%'],
    [[rec('a', 'm', '0.0008'), rec('b', 'm', '0.0052', { current_cost: '0.026' })], '0.006', 2, '$0.006', '$0.03', '−20%'],
    [[rec('a', 'm', '0.01949', { current_cost: '0.09707' })], '0.01949', 1, '$0.02', '$0.10', '−20.1%'],
    // Two options for the same traffic: only the larger saving counts, its cost once.
    [[rec('a', 'm', '0.009', { current_cost: '0.025' }), rec('a', 'm', '0.0242', { option: 'cheapest', current_cost: '0.025' }),
      rec('b', 'm', '0.0008')], '0.025', 2, '$0.03', '$0.03', '−86.2%'],
    [[], '0', 0, '$0.00', '$0.00', '—'],
    // A summary saves on the same traffic as the model advice: not added.
    [[rec('a', 'm', '0.0008'), summary('a', '0.5')], '0.0008', 1, '$0.0008', '$0.004', '−20%'],
  ])('%j sums to %s', (recs, amount, groups, savings, currentCost, reduction) => {
    expect(savingsTotal(recs)).toEqual({ amount, groups, savings, currentCost, reduction })
  })
})

describe('alertViews', () => {
  const stored = (kind: StoredAlert['kind'], subject: string, evidence: Record<string, unknown>, rule_name: string = kind): StoredAlert => ({
    id: subject, project_id: 'p', rule_id: 'r', rule_name, kind, subject, state: 'firing', first_seen: '2026-11-15T00:00:00Z',
    last_seen: '2026-11-15T01:00:00Z', resolved_at: null, value: '1', threshold: null, message: `message of ${subject}`, evidence,
  })
  const alerts: StoredAlert[] = [
    stored('unpriced_model', 'acme-llm-1', { unpriced_requests: 1200 }),
    stored('usage_anomaly', 'cost', {}, 'Unusual hourly spend'),
    stored('error_rate', 'flaky', { requests: 6, errors: 5, error_rate_percent: '83.3', window_hours: 24 }),
  ]

  test('most severe first, the API order kept within a severity', () => {
    expect(alertViews(alerts).map((a) => [a.severity, a.key])).toEqual([
      ['critical', 'error_rate:flaky'], ['warning', 'unpriced_model:acme-llm-1'], ['warning', 'usage_anomaly:cost'],
    ])
  })

  test.each([
    [0, 'flaky is failing', '5 of 6 requests failed (83.3%) in the last 24 hours', { kind: 'logs', endpoint: 'flaky' }],
    [1, 'No price for acme-llm-1', '1,200 requests with unknown cost, missing from every total', { kind: 'add-price', model: 'acme-llm-1' }],
    [2, 'Unusual hourly spend', 'message of cost', { kind: 'alerts' }],
  ])('alert %i: %s, %s', (index, title, detail, action) => {
    expect(alertViews(alerts)[index]).toMatchObject({ title, detail, action })
  })

  test('spend over a budget is critical', () => {
    expect(alertViews([stored('monthly_spend', '2026-11', {})])[0]).toMatchObject({ severity: 'critical', key: 'monthly_spend:2026-11' })
  })
})
