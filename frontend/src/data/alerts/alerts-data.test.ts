import { describe, expect, test } from 'vitest'
import { alertView, budgetView, ruleInput, thresholdText } from './alerts-data'
import type { AlertRule, BudgetAnswer, StoredAlert } from './alerts-types'

const rule = (over: Partial<AlertRule> = {}): AlertRule => ({
  id: 'r1', project_id: 'p1', kind: 'session_cost', name: 'High cost per conversation', threshold: '1.00', params: {},
  enabled: true, webhook_url: null, webhook_format: 'slack', has_secret: false, evaluated_at: null,
  created_at: '2026-11-23T10:00:00+00:00', updated_at: '2026-11-23T10:00:00+00:00', ...over,
})

describe('thresholdText', () => {
  test.each([
    [rule(), '$1.00'],
    [rule({ kind: 'monthly_forecast', threshold: '250.125' }), '$250.13'],
    [rule({ kind: 'session_tokens', threshold: '1000' }), '1,000 tokens'],
    [rule({ kind: 'session_efficiency', threshold: '50' }), 'score < 50'],
    [rule({ kind: 'usage_anomaly', threshold: null, params: { metric: 'tokens', k: 3 } }), '3 σ above usual tokens'],
    [rule({ kind: 'unpriced_model', threshold: null, params: { window_hours: 24 } }), 'in the last 24 h'],
  ])('%#: %s', (r, expected) => {
    expect(thresholdText(r)).toBe(expected)
  })
})

describe('alertView', () => {
  const alert: StoredAlert = {
    id: 'a1', project_id: 'p1', rule_id: 'r1', rule_name: 'Monthly budget', kind: 'monthly_forecast', subject: '2026-11',
    state: 'firing', first_seen: '2026-11-20T00:00:00+00:00', last_seen: '2026-11-20T01:00:00+00:00', resolved_at: null,
    value: '312.4567', threshold: '300', message: '2026-11 is on course to cost $312.46', evidence: { month: '2026-11', projected: '312.4567', days_left: 11, nested: { x: 1 } },
  }
  test('money rounded with the exact figure kept, evidence as pairs (nested objects left out)', () => {
    const view = alertView(alert, 'UTC')
    expect(view.value).toEqual({ text: '$312.46', exact: '$312.4567' })
    expect(view.evidence).toEqual([['month', '2026-11'], ['projected', '312.4567'], ['days left', '11']])
    expect([view.since, view.until]).toEqual(['2026-11-20 00:00:00', '2026-11-20 01:00:00'])
  })
  test('a token count is an integer; a resolved alert ends when it resolved', () => {
    const view = alertView({ ...alert, kind: 'session_tokens', value: '1500', state: 'resolved', resolved_at: '2026-11-21T00:00:00+00:00' }, 'UTC')
    expect([view.value.text, view.until]).toEqual(['1,500', '2026-11-21 00:00:00'])
  })
})

describe('budgetView', () => {
  const answer = (status: BudgetAnswer['status'], budget: string | null): BudgetAnswer => ({
    projection: { month: '2026-11', as_of: '2026-11-20T00:00:00+00:00', month_to_date: '21.81896520', rate_from: '2026-11-13T00:00:00+00:00', daily_rate: '1.5', days_left: 11, projected: '38.3189652' },
    budget, status,
  })
  test.each([
    ['none', null, 'neutral', 'No monthly budget', '$1.50 a day lately; set a budget on the Alerts page'],
    ['on_track', '50', 'good', 'On track', 'budget $50.00; $1.50 a day lately'],
    ['at_risk', '30', 'warning', 'Over budget by month end', 'budget $30.00; $1.50 a day lately'],
    ['over', '20', 'bad', 'Over budget', 'budget $20.00; $1.50 a day lately'],
  ] as const)('%s', (status, budget, tone, label, detail) => {
    const view = budgetView(answer(status, budget))
    expect(view).toMatchObject({ tone, label, detail, projected: { text: '$38.32', exact: '$38.3189652' } })
    expect(view.monthToDate).toEqual({ text: '$21.82', exact: '$21.8189652' })
  })
})

test('ruleInput leaves the secret out', () => {
  expect(ruleInput(rule({ has_secret: true }))).not.toHaveProperty('webhook_secret')
})
