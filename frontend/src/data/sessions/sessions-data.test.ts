import { describe, expect, test } from 'vitest'
import {
  contextGrowth, formatAverage, formatRatio, requestMetricCards, sessionMetricCards, sessionPath,
  sessionRows, sessionTotalCards, turnChartRows, turnRows,
} from './sessions-data'
import type { LogRow, SessionDetail, SessionSummary, TokenMetrics } from '../types'

const metrics = (over: Partial<TokenMetrics> = {}): TokenMetrics => ({
  requests: 12, prompt_tokens: 3250, completion_tokens: 550, total_tokens: 3800, cached_tokens: 650,
  avg_prompt_tokens: 270.8333, avg_completion_tokens: 45.8333, completion_to_prompt_ratio: 0.16923,
  cached_prompt_share: 0.2, cost_per_request: '0.00093',
  recent_sessions: { sessions: 3, avg_turns: 2, avg_total_tokens: 1170, avg_prompt_tokens_per_turn: 535.25 },
  ...over,
})

const session = (id: string, over: Partial<SessionSummary> = {}): SessionSummary => ({
  session_id: id, requests: 3, errors: 0, prompt_tokens: 1000, completion_tokens: 150, total_tokens: 1150,
  cost: '0.0055', unpriced_requests: 0, first_seen: '2026-11-23T10:00:00+00:00',
  last_seen: '2026-11-23T10:05:00+00:00', models: ['gpt-4o'], ...over,
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
})

describe('metric cards', () => {
  const byId = Object.fromEntries([...requestMetricCards(metrics()), ...sessionMetricCards(metrics())].map((c) => [c.id, c]))
  test.each([
    ['requests', '12', '3,800 tokens'],
    ['avg_prompt', '270.8', 'prompt tokens'],
    ['avg_completion', '45.8', 'completion tokens'],
    ['ratio', '0.169', 'completion per prompt token'],
    ['cached_share', '20.0%', '650 prompt tokens from cache'],
    ['cost_per_request', '$0.000930', 'priced requests only'],
    ['sessions', '3', 'in this range'],
    ['avg_turns', '2', 'requests per conversation'],
    ['avg_session_tokens', '1,170', 'per conversation'],
    ['avg_prompt_per_turn', '535.3', 'prompt tokens, in conversations'],
  ])('%s shows %s (%s)', (id, value, hint) => {
    expect([byId[id].value, byId[id].hint]).toEqual([value, hint])
  })

  test.each([
    [{ cost_per_request: null }, 'cost_per_request', '—', 'no priced requests'],
    [{ cost_per_request: '0.005108947368' }, 'cost_per_request', '$0.005109', 'priced requests only'],
    [{ requests: 0, avg_prompt_tokens: null, completion_to_prompt_ratio: null }, 'avg_prompt', '—', 'prompt tokens'],
    [{ recent_sessions: { sessions: 200, avg_turns: 4.5, avg_total_tokens: 9000, avg_prompt_tokens_per_turn: 1800 } }, 'sessions', '200', 'the 200 most recent'],
  ])('with %j, %s shows %s (%s)', (over, id, value, hint) => {
    const cards = [...requestMetricCards(metrics(over)), ...sessionMetricCards(metrics(over))]
    const card = cards.find((c) => c.id === id)
    expect([card?.value, card?.hint]).toEqual([value, hint])
  })
})

test('a rounded cost per request keeps the exact figure', () => {
  const card = requestMetricCards(metrics({ cost_per_request: '0.005108947368' })).find((c) => c.id === 'cost_per_request')
  expect(card?.exact).toBe('$0.005108947368')
})

describe('sessionRows', () => {
  test("the API's order (newest last turn first, to the microsecond), exact tokens and cost, models sorted", () => {
    const rows = sessionRows([
      session('new', { last_seen: '2026-11-23T11:00:00.419973+00:00', models: ['gpt-4o-mini', 'gpt-4o'], total_tokens: 123456, cost: '0.0123' }),
      session('b-same-ms', { last_seen: '2026-11-23T11:00:00.419962+00:00' }),
      session('a-old', { last_seen: '2026-11-23T09:00:00+00:00' }),
    ], 'UTC')
    expect(rows.map((r) => r.id)).toEqual(['new', 'b-same-ms', 'a-old'])
    expect(rows[0]).toMatchObject({ tokens: '123,456', cost: '$0.012300', models: 'gpt-4o, gpt-4o-mini', lastSeen: '2026-11-23 11:00:00', requests: '3' })
  })

  test.each([
    [{ cost: null, unpriced_requests: 3 }, '—', 3],
    [{ cost: '0.001', unpriced_requests: 1 }, '$0.001000', 1],
    [{ cost: '0' }, '$0.000000', 0],
  ])('cost of %j is %s with %i unpriced', (over, cost, unpriced) => {
    expect(sessionRows([session('s', over)])[0]).toMatchObject({ cost, unpriced })
  })
})

describe('a session', () => {
  const turns = [turn(1000, 200), turn(2200, 150), turn(3400, 300, { status: 'error', error_type: 'RateLimitError', priced: false, total_cost: null })]
  test('turns are numbered oldest first with exact cells', () => {
    const rows = turnRows(turns, 'UTC')
    expect(rows.map((r) => [r.turn, r.tokensIn, r.tokensOut, r.cost, r.status])).toEqual([
      [1, '1,000', '200', '$0.004250', 'ok'],
      [2, '2,200', '150', '$0.004250', 'ok'],
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

  test('totals cards, with unpriced turns named and a truncated conversation said so', () => {
    const detail: SessionDetail = {
      session_id: 's-1', truncated: true, turns,
      totals: { requests: 1000, prompt_tokens: 6600, completion_tokens: 650, total_tokens: 7250, cost: '0.0085', unpriced_requests: 1, first_seen: null, last_seen: null },
    }
    expect(sessionTotalCards(detail).map((c) => [c.id, c.value, c.hint])).toEqual([
      ['turns', '1,000', 'the first 1,000 shown'],
      ['tokens_in', '6,600', 'prompt, all turns'],
      ['tokens_out', '650', 'completion, all turns'],
      ['tokens', '7,250', 'in + out'],
      ['cost', '$0.008500', '1 unpriced turn not included'],
    ])
  })
})

describe('sessionPath', () => {
  test.each([['s-1', '/sessions/s-1'], ['a/b c', '/sessions/a%2Fb%20c'], ['ü?#', '/sessions/%C3%BC%3F%23']])('%s → %s', (id, path) => {
    expect(sessionPath(id)).toBe(path)
  })
})
