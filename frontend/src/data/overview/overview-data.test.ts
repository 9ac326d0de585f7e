import { describe, expect, test } from 'vitest'
import {
  bucketLabel, costBars, costCell, distributionSlices, endpointRows, latencyBars, relativeChange,
  statCards, timeRows,
} from './overview-data'
import type { BreakdownGroup, DashboardResponse, Totals } from '../types'

const totals = (over: Partial<Totals> = {}): Totals => ({
  requests: 12, errors: 1, error_rate: 0.0833, prompt_tokens: 1200, completion_tokens: 340,
  total_tokens: 1540, cached_tokens: 0, cost: '0.004150', unpriced_requests: 2,
  avg_latency_ms: 812.5, p95_latency_ms: 1900, ...over,
})

const group = (key: string, over: Partial<BreakdownGroup> = {}): BreakdownGroup => ({
  key, requests: 10, errors: 0, prompt_tokens: 100, completion_tokens: 20, total_tokens: 120,
  cost: '0.000027', unpriced_requests: 0, share: 0.42, avg_latency_ms: 640.2,
  p50_latency_ms: 600, p95_latency_ms: 950, ...over,
})

describe('relativeChange', () => {
  test.each([
    [15, 10, 0.5], [9, 10, -0.1], [10, 10, 0], [5, 0, null], [0, 0, null], [null, 3, null], [3, undefined, null],
  ])('%j vs %j = %j', (current, previous, expected) => {
    expect(relativeChange(current, previous)).toBe(expected)
  })
})

describe('costCell', () => {
  test.each([
    ['0.004150', 3, '$0.00415'], [null, 0, '$0.00'], [null, 4, '—'], ['0', 2, '$0.00'],
  ])('%j over %i requests → %s', (cost, requests, expected) => {
    expect(costCell(cost, requests)).toBe(expected)
  })
})

describe('statCards', () => {
  const data: DashboardResponse = {
    from: '2026-11-16T16:00:00+00:00', to: '2026-11-23T16:00:00+00:00',
    totals: totals(),
    previous: totals({ requests: 8, unpriced_requests: 0, error_rate: 0.05, avg_latency_ms: 1000, p95_latency_ms: 1900 }),
    change: { requests: 0.5, total_tokens: -0.1, cost: 0.25 },
  }
  const byId = Object.fromEntries(statCards(data).map((c) => [c.id, c]))

  test.each([
    ['requests', '12', '+50.0%', 'neutral'],
    ['tokens', '1,540', '−10.0%', 'neutral'],
    ['cost', '$0.00415', '+25.0%', 'bad'],
    ['unpriced', '2', '—', 'neutral'],
    ['error_rate', '8.3%', '+66.6%', 'bad'],
    ['avg_latency', '813 ms', '−18.8%', 'good'],
    ['p95_latency', '1.90 s', '0.0%', 'neutral'],
  ])('%s shows %s, change %s (%s)', (id, value, change, tone) => {
    expect([byId[id].value, byId[id].changeLabel, byId[id].tone]).toEqual([value, change, tone])
  })

  test('unpriced requests are a warning and cost says it covers priced requests only', () => {
    expect(byId.unpriced.warning).toBe(true)
    expect(byId.cost.hint).toBe('priced requests only')
  })

  test('no previous period means no change', () => {
    const cards = statCards({ ...data, previous: null, change: null })
    expect(cards.every((c) => c.change === null && c.changeLabel === '—')).toBe(true)
  })
})

describe('timeRows', () => {
  test.each([
    ['2026-11-23T15:00:00+00:00', 'hour', 'Nov 23 15:00'],
    ['2026-11-23T00:00:00+00:00', 'day', 'Nov 23'],
  ] as const)('bucketLabel(%s, %s) = %s', (iso, bucket, expected) => {
    expect(bucketLabel(iso, bucket, 'UTC')).toBe(expected)
  })

  test('maps points with numbers for geometry and exact labels for display', () => {
    const rows = timeRows([
      { t: '2026-11-23T15:00:00+00:00', requests: 3, errors: 0, prompt_tokens: 30, completion_tokens: 6, total_tokens: 36, cost: '0.000123', unpriced_requests: 0 },
      { t: '2026-11-23T16:00:00+00:00', requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: null, unpriced_requests: 0 },
    ], 'hour', 'UTC')
    expect(rows.map((r) => [r.label, r.total_tokens, r.cost, r.costLabel])).toEqual([
      ['Nov 23 15:00', 36, 0.000123, '$0.000123'],
      ['Nov 23 16:00', 0, 0, '$0.00'],
    ])
  })
})

describe('costBars', () => {
  test('unpriced groups are named, not drawn as $0', () => {
    const result = costBars([
      group('gpt-4o', { cost: '0.0125' }),
      group('mystery-model', { cost: null, unpriced_requests: 10 }),
      group('claude-haiku-4-5', { cost: '0.002', unpriced_requests: 1 }),
    ])
    expect(result.bars).toEqual([
      { name: 'gpt-4o', cost: 0.0125, costLabel: '$0.01' },
      { name: 'claude-haiku-4-5', cost: 0.002, costLabel: '$0.002' },
    ])
    expect(result.unpriced).toEqual(['mystery-model', 'claude-haiku-4-5'])
  })
})

describe('distributionSlices', () => {
  test.each([
    [[10, 30], 6, [['b', 30, 'b 75.0%'], ['a', 10, 'a 25.0%']]],
    [[5, 4, 3, 2, 1, 1], 3, [['a', 5, 'a 31.3%'], ['b', 4, 'b 25.0%'], ['Other', 7, 'Other 43.8%']]],
    [[0, 0], 6, []],
    [[2, 0], 6, [['a', 2, 'a 100.0%']]],
  ])('requests %j, limit %i → %j', (requests, limit, expected) => {
    const groups = requests.map((r, i) => group('abcdef'[i], { requests: r }))
    expect(distributionSlices(groups, limit).map((s) => [s.name, s.value, s.label])).toEqual(expected)
  })
})

describe('latencyBars and endpointRows', () => {
  test('latency keeps groups with a percentile', () => {
    expect(latencyBars([group('a'), group('b', { p50_latency_ms: null, p95_latency_ms: null })]))
      .toEqual([{ name: 'a', p50: 600, p95: 950 }])
  })

  test.each([
    [group('chat'), ['chat', '10', '120', '$0.000027', '42.0%', '640 ms']],
    [group('batch', { requests: 1234, total_tokens: 5_000_000, cost: '12.5', share: null, avg_latency_ms: 2500 }), ['batch', '1,234', '5,000,000', '$12.50', '—', '2.50 s']],
    [group('new', { cost: null, unpriced_requests: 10 }), ['new', '10', '120', '—', '42.0%', '640 ms']],
  ])('row %#', (g, expected) => {
    const [row] = endpointRows([g])
    expect([row.key, row.requests, row.tokens, row.cost, row.share, row.avgLatency]).toEqual(expected)
  })
})
