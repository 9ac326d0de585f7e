import { describe, expect, test } from 'vitest'
import { alertViews, formatReduction } from './savings-data'
import type { StoredAlert } from '../alerts/alerts-types'

describe('formatReduction', () => {
  test.each([[0.2, '−20%'], [0.94, '−94%'], [1 / 3, '−33.3%'], [0.0004, '−0%'], [null, '—']])('%s → %s', (share, expected) => {
    expect(formatReduction(share)).toBe(expected)
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
