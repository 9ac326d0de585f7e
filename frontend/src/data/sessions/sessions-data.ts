// Pure mappings for the Sessions page: the token-metrics cards, the list of conversations, a
// conversation's turns and its tokens-per-turn chart. Money stays a string for display.
import { costCell } from '../overview/overview-data'
import { type LogCells, logCells } from '../logs/logs-data'
import { formatCost, formatCount, formatInteger, formatPercent, formatTimestamp, roundDecimal } from '../format-data'
import type { LogRow, SessionDetail, SessionSummary, TokenMetrics } from '../types'

/** An average token count: whole numbers as such, others to one decimal (`270.8`). */
export function formatAverage(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return value.toLocaleString('en-US', { maximumFractionDigits: 1 })
}

/** A ratio as the API gives it, to three decimals (`0.169`). */
export function formatRatio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return String(Number(value.toFixed(3)))
}

export interface MetricCard {
  id: string
  label: string
  value: string
  hint: string
  /** The exact figure when the value shown is rounded. */
  exact?: string
}

/** Per-request figures over every request in the range. */
export function requestMetricCards(m: TokenMetrics): MetricCard[] {
  return [
    { id: 'requests', label: 'Requests', value: formatInteger(m.requests), hint: `${formatInteger(m.total_tokens)} tokens` },
    { id: 'avg_prompt', label: 'Avg input / request', value: formatAverage(m.avg_prompt_tokens), hint: 'prompt tokens' },
    { id: 'avg_completion', label: 'Avg output / request', value: formatAverage(m.avg_completion_tokens), hint: 'completion tokens' },
    { id: 'ratio', label: 'Output / input', value: formatRatio(m.completion_to_prompt_ratio), hint: 'completion per prompt token' },
    {
      id: 'cached_share', label: 'Cached input', value: formatPercent(m.cached_prompt_share),
      hint: `${formatInteger(m.cached_tokens)} prompt tokens from cache`,
    },
    {
      // An average (12 decimals from the API): shown to the millionth of a dollar, exact on hover.
      id: 'cost_per_request', label: 'Cost / request',
      value: formatCost(m.cost_per_request === null ? null : roundDecimal(m.cost_per_request, 6)),
      hint: m.cost_per_request === null ? 'no priced requests' : 'priced requests only',
      exact: m.cost_per_request === null ? undefined : formatCost(m.cost_per_request),
    },
  ]
}

/** Conversation figures, averaged over the most recently active sessions (at most 200). */
export function sessionMetricCards(m: TokenMetrics): MetricCard[] {
  const s = m.recent_sessions
  return [
    { id: 'sessions', label: 'Conversations', value: formatInteger(s.sessions), hint: s.sessions >= 200 ? 'the 200 most recent' : 'in this range' },
    { id: 'avg_turns', label: 'Avg turns', value: formatAverage(s.avg_turns), hint: 'requests per conversation' },
    { id: 'avg_session_tokens', label: 'Avg tokens', value: formatAverage(s.avg_total_tokens), hint: 'per conversation' },
    { id: 'avg_prompt_per_turn', label: 'Avg input / turn', value: formatAverage(s.avg_prompt_tokens_per_turn), hint: 'prompt tokens, in conversations' },
  ]
}

/** A conversation's totals (the turns shown, so at most 1,000). */
export function sessionTotalCards(detail: SessionDetail): MetricCard[] {
  const t = detail.totals
  return [
    { id: 'turns', label: 'Turns', value: formatInteger(t.requests), hint: detail.truncated ? 'the first 1,000 shown' : 'requests in this conversation' },
    { id: 'tokens_in', label: 'Tokens in', value: formatInteger(t.prompt_tokens), hint: 'prompt, all turns' },
    { id: 'tokens_out', label: 'Tokens out', value: formatInteger(t.completion_tokens), hint: 'completion, all turns' },
    { id: 'tokens', label: 'Total tokens', value: formatInteger(t.total_tokens), hint: 'in + out' },
    {
      id: 'cost', label: 'Cost', value: costCell(t.cost, t.requests),
      hint: t.unpriced_requests > 0 ? `${formatCount(t.unpriced_requests, 'unpriced turn')} not included` : 'every turn priced',
    },
  ]
}

export interface SessionRow {
  id: string
  requests: string
  errors: number
  tokens: string
  tokensIn: string
  tokensOut: string
  cost: string
  unpriced: number
  firstSeen: string
  lastSeen: string
  models: string
}

/**
 * The list in the API's order, newest last turn first. Not re-sorted here: timestamps carry
 * microseconds, which `Date` drops, so turns within a millisecond would tie.
 */
export function sessionRows(sessions: SessionSummary[], timeZone?: string): SessionRow[] {
  return sessions.map((s) => ({
    id: s.session_id,
    requests: formatInteger(s.requests),
    errors: s.errors,
    tokens: formatInteger(s.total_tokens),
    tokensIn: formatInteger(s.prompt_tokens),
    tokensOut: formatInteger(s.completion_tokens),
    cost: costCell(s.cost, s.requests),
    unpriced: s.unpriced_requests,
    firstSeen: formatTimestamp(s.first_seen, timeZone),
    lastSeen: formatTimestamp(s.last_seen, timeZone),
    models: [...s.models].sort().join(', '),
  }))
}

export interface TurnRow extends LogCells {
  turn: number
}

/** A conversation's turns, numbered from 1 in the API's order (oldest first). */
export function turnRows(turns: LogRow[], timeZone?: string): TurnRow[] {
  return turns.map((t, i) => ({ ...logCells(t, timeZone), turn: i + 1 }))
}

export interface TurnPoint {
  label: string
  prompt_tokens: number
  completion_tokens: number
}

export function turnChartRows(turns: LogRow[]): TurnPoint[] {
  return turns.map((t, i) => ({ label: `#${i + 1}`, prompt_tokens: t.prompt_tokens, completion_tokens: t.completion_tokens }))
}

/**
 * How much the input grew from the first to the last turn: a conversation that resends its
 * whole history pays for it again on every turn. Null when it did not grow.
 */
export function contextGrowth(turns: LogRow[]): string | null {
  if (turns.length < 2) return null
  const first = turns[0].prompt_tokens
  const last = turns[turns.length - 1].prompt_tokens
  if (first <= 0 || last <= first) return null
  return `Input grew from ${formatInteger(first)} to ${formatInteger(last)} tokens per turn (${(last / first).toFixed(1)}×) over ${turns.length} turns: each turn resends the conversation so far. Summarising or trimming history cuts this.`
}

/** The page address of one conversation (ids may hold any character). */
export function sessionPath(sessionId: string): string {
  return `/sessions/${encodeURIComponent(sessionId)}`
}
