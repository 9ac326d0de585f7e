import { describe, expect, test } from 'vitest'
import {
  contextGrowth, conversationMetricCards, formatAverage, formatDuration, formatRatio, formatScore, histogramBars,
  requestMetricCards, sessionPath, sessionRows, sessionTotalCards, turnChartRows, turnRows,
} from './sessions-data'
import type { LogRow } from '../types'
import type { Conversation, SessionAnswer, TokenMetricsAnswer } from './sessions-types'

// The original's first two sessions as the API answers them (hand-computed in tests/backend/test_sessions.py).
const conversation = (id: string, over: Partial<Conversation> = {}): Conversation => ({
  session_id: id, started_at: '2026-11-23T10:00:00+00:00', ended_at: '2026-11-23T10:04:00+00:00', duration_s: 240,
  turns: 5, errors: 0, prompt_tokens: 688, completion_tokens: 172, total_tokens: 860, cost: '0.0012',
  unpriced_turns: 0, models: ['gpt-4o-mini', 'gpt-4o'], zimmer_tokens: 172, efficiency_score: 42.7,
  rating: 'Excellent', status: 'Fair', ...over,
})

const metrics = (over: Partial<TokenMetricsAnswer> = {}): TokenMetricsAnswer => ({
  requests: 12, prompt_tokens: 3250, completion_tokens: 550, total_tokens: 3800, cached_tokens: 650,
  avg_prompt_tokens: 270.8333, avg_completion_tokens: 45.8333, completion_to_prompt_ratio: 0.16923,
  cached_prompt_share: 0.2, cost_per_request: '0.00093',
  conversations: {
    sample_size: 2, sample_limit: 10000, avg_turns: 3.5, tokens_per_conversation: 1780, zimmer_per_conversation: 761,
    cost_per_conversation: '0.0546', avg_efficiency_score: 21.4, total_zimmer_tokens: 1522,
    cost_per_zimmer_token: '0.000071747700394', tokens_histogram: [
      { min: 0, max: 250, conversations: 0 }, { min: 500, max: 1000, conversations: 1 }, { min: 32000, max: null, conversations: 1 }],
  },
  projection: { month: '2026-11', as_of: '2026-11-20T00:00:00+00:00', month_to_date: '21.81896520', rate_from: '2026-11-13T00:00:00+00:00', daily_rate: '1.5', days_left: 11, projected: '38.3189652' },
  refreshed_until: '2026-11-20T00:00:00+00:00',
  ...over,
})

const turn = (prompt: number, completion: number, over: Partial<LogRow> = {}): LogRow => ({
  id: `t${prompt}`, timestamp: '2026-11-23T10:00:00+00:00', model: 'gpt-4o', provider: 'openai',
  endpoint_name: 'chat', latency_ms: 850, status: 'ok', error_type: null, prompt_tokens: prompt,
  completion_tokens: completion, total_tokens: prompt + completion, cached_tokens: 0, cache_write_tokens: 0,
  reasoning_tokens: 0, input_cost: null, output_cost: null, total_cost: '0.00425', priced: true,
  session_id: 's-1', ...over,
})

describe('number formats', () => {
  test.each([[270.8333, '270.8'], [2, '2'], [1170, '1,170'], [null, '—'], [Number.NaN, '—']])('formatAverage(%s) = %s', (value, expected) => {
    expect(formatAverage(value)).toBe(expected)
  })
  test.each([[0.16923, '0.169'], [0, '0'], [1.5, '1.5'], [null, '—']])('formatRatio(%s) = %s', (value, expected) => {
    expect(formatRatio(value)).toBe(expected)
  })
  test.each([[42.7, '42.7'], [0, '0.0'], [100, '100.0'], [null, '—']])('formatScore(%s) = %s', (value, expected) => {
    expect(formatScore(value)).toBe(expected)
  })
  test.each([[45, '45 s'], [240, '4 min'], [9000, '2.5 h']])('formatDuration(%s) = %s', (value, expected) => {
    expect(formatDuration(value)).toBe(expected)
  })
})

describe('metric cards', () => {
  test('per request, the cost rounded with the exact figure on hover', () => {
    const cards = requestMetricCards(metrics({ cost_per_request: '0.005108947368' }))
    expect(cards.find((c) => c.id === 'cost_per_request')).toMatchObject({ value: '$0.00511', exact: '$0.005108947368' })
    expect(cards.map((c) => c.value).slice(0, 5)).toEqual(['12', '270.8', '45.8', '0.169', '20.0%'])
  })

  test('per conversation: Zimmer, score, cost per conversation and per Zimmer Token', () => {
    expect(conversationMetricCards(metrics()).map((c) => [c.id, c.value, c.exact])).toEqual([
      ['sessions', '2', undefined], ['avg_turns', '3.5', undefined], ['tokens_per_conversation', '1,780', undefined],
      ['zimmer_per_conversation', '761', undefined], ['avg_score', '21.4/100', undefined],
      ['cost_per_conversation', '$0.05', '$0.0546'], ['cost_per_zimmer', '$0.0000717', '$0.000071747700394'],
    ])
  })
})

describe('sessionRows', () => {
  test("the API's order, with score, rating and status as the API computed them", () => {
    const rows = sessionRows([
      conversation('session_002', { turns: 2, total_tokens: 2700, zimmer_tokens: 1350, efficiency_score: 0, rating: 'Poor', status: 'Poor', cost: '0.108' }),
      conversation('session_001'),
    ], 'UTC')
    expect(rows.map((r) => [r.id, r.turns, r.tokens, r.cost.text, r.zimmer, r.score, r.rating, r.status])).toEqual([
      ['session_002', '2', '2,700', '$0.11', '1,350', '0.0', 'Poor', 'Poor'],
      ['session_001', '5', '860', '$0.0012', '172', '42.7', 'Excellent', 'Fair'],
    ])
    expect(rows[0].cost.exact).toBe('$0.108')
    expect(rows[1]).toMatchObject({ started: '2026-11-23 10:00:00', duration: '4 min', models: 'gpt-4o, gpt-4o-mini' })
    expect(rows[0].key).not.toBe(rows[1].key)
  })

  test('one session\'s cards over all its conversations', () => {
    const detail: SessionAnswer = {
      session_id: 's', truncated: false, turns: [], refreshed_until: null, conversations: [conversation('s'), conversation('s')],
      metrics: { turns: 10, errors: 0, prompt_tokens: 1376, completion_tokens: 344, total_tokens: 1720, cost: '0.0024', unpriced_turns: 1,
        started_at: '2026-11-23T10:00:00+00:00', ended_at: '2026-11-23T12:00:00+00:00', zimmer_tokens: 172, efficiency_score: 42.7, rating: 'Excellent', status: 'Fair' },
    }
    expect(sessionTotalCards(detail).map((c) => [c.id, c.value, c.hint])).toEqual([
      ['turns', '10', '2 conversations'], ['tokens', '1,720', '1,376 in, 344 out'],
      ['cost', '$0.0024', '1 unpriced turn not included'], ['zimmer', '172', 'rated Excellent'], ['score', '42.7/100', 'status Fair'],
    ])
  })
})

describe('histogramBars', () => {
  test('labels each bucket of tokens per conversation, the last one open', () => {
    expect(histogramBars(metrics().conversations.tokens_histogram)).toEqual([
      { label: '0–250', conversations: 0 }, { label: '500–1K', conversations: 1 }, { label: '32K+', conversations: 1 },
    ])
  })
})

describe('a session', () => {
  const turns = [turn(1000, 200), turn(2200, 150), turn(3400, 300, { status: 'error', error_type: 'RateLimitError', priced: false, total_cost: null })]
  test('turns are numbered oldest first with exact cells', () => {
    const rows = turnRows(turns, 'UTC')
    expect(rows.map((r) => [r.turn, r.tokensIn, r.tokensOut, r.cost, r.status])).toEqual([
      [1, '1,000', '200', '$0.00425', 'ok'],
      [2, '2,200', '150', '$0.00425', 'ok'],
      [3, '3,400', '300', 'unpriced', 'error · RateLimitError'],
    ])
  })

  test('chart rows carry the tokens of each turn', () => {
    expect(turnChartRows(turns)).toEqual([
      { label: '#1', prompt_tokens: 1000, completion_tokens: 200 },
      { label: '#2', prompt_tokens: 2200, completion_tokens: 150 },
      { label: '#3', prompt_tokens: 3400, completion_tokens: 300 },
    ])
  })

  test.each([
    [[1000, 2200, 3400], 'Input grew from 1,000 to 3,400 tokens per turn (3.4×) over 3 turns'],
    [[1000], null],
    [[1000, 900], null],
    [[0, 500], null],
  ])('context growth of %j', (prompts, expected) => {
    const growth = contextGrowth(prompts.map((p) => turn(p, 10)))
    if (expected === null) expect(growth).toBeNull()
    else expect(growth).toMatch(new RegExp(`^${expected.replace(/[().×]/g, '\\$&')}`))
  })
})

describe('sessionPath', () => {
  test.each([['s-1', '/sessions/s-1'], ['a/b c', '/sessions/a%2Fb%20c'], ['ü?#', '/sessions/%C3%BC%3F%23']])('%s → %s', (id, path) => {
    expect(sessionPath(id)).toBe(path)
  })
})
