// Pure mappings for the Sessions page: the efficiency cards, the conversations list with score,
// rating and status, the tokens-per-conversation histogram, one session's figures and its turns.
// Money goes through the one money formatter (format-data.ts): rounded, exact on hover.
import { type LogCells, logCells } from '../logs/logs-data'
import { formatCount, formatInteger, formatPercent, formatTimestamp, moneyText } from '../format-data'
import type { LogRow } from '../types'
import type { Conversation, HistogramBucket, Rating, SessionAnswer, TokenMetricsAnswer } from './sessions-types'

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

/** An efficiency score as the API rounds it: one decimal, out of 100. */
export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined || !Number.isFinite(score)) return '—'
  return `${score.toFixed(1)}`
}

export interface MetricCard {
  id: string
  label: string
  value: string
  hint: string
  /** The exact figure when the value shown is rounded. */
  exact?: string
}

function moneyCard(id: string, label: string, value: string | null, hint: string): MetricCard {
  const { text, exact } = moneyText(value)
  return { id, label, value: text, hint, exact }
}

/** Per-request figures over every request in the range. */
export function requestMetricCards(m: TokenMetricsAnswer): MetricCard[] {
  return [
    { id: 'requests', label: 'Requests', value: formatInteger(m.requests), hint: `${formatInteger(m.total_tokens)} tokens` },
    { id: 'avg_prompt', label: 'Avg input / request', value: formatAverage(m.avg_prompt_tokens), hint: 'prompt tokens' },
    { id: 'avg_completion', label: 'Avg output / request', value: formatAverage(m.avg_completion_tokens), hint: 'completion tokens' },
    { id: 'ratio', label: 'Output / input', value: formatRatio(m.completion_to_prompt_ratio), hint: 'completion per prompt token' },
    {
      id: 'cached_share', label: 'Cached input', value: formatPercent(m.cached_prompt_share),
      hint: `${formatInteger(m.cached_tokens)} prompt tokens from cache`,
    },
    moneyCard('cost_per_request', 'Cost / request', m.cost_per_request,
      m.cost_per_request === null ? 'no priced requests' : 'priced requests only'),
  ]
}

/** Conversation figures over the most recently active conversations (at most sample_limit). */
export function conversationMetricCards(m: TokenMetricsAnswer): MetricCard[] {
  const c = m.conversations
  const sample = c.sample_size >= c.sample_limit ? `the ${formatInteger(c.sample_limit)} most recent` : 'in this range'
  return [
    { id: 'sessions', label: 'Conversations', value: formatInteger(c.sample_size), hint: sample },
    { id: 'avg_turns', label: 'Avg turns', value: formatAverage(c.avg_turns), hint: 'requests per conversation' },
    { id: 'tokens_per_conversation', label: 'Tokens / conversation', value: formatAverage(c.tokens_per_conversation), hint: 'average' },
    { id: 'zimmer_per_conversation', label: 'Zimmer / conversation', value: formatAverage(c.zimmer_per_conversation), hint: 'tokens per turn × multiplier' },
    { id: 'avg_score', label: 'Avg efficiency', value: c.avg_efficiency_score === null ? '—' : `${formatScore(c.avg_efficiency_score)}/100`, hint: '100 × (1 − Zimmer / 300)' },
    moneyCard('cost_per_conversation', 'Cost / conversation', c.cost_per_conversation, 'average, priced turns'),
    moneyCard('cost_per_zimmer', 'Cost / Zimmer Token', c.cost_per_zimmer_token, 'cost ÷ Zimmer Tokens'),
  ]
}

/** One session's figures over all its conversations. */
export function sessionTotalCards(detail: SessionAnswer): MetricCard[] {
  const m = detail.metrics
  if (!m) return []
  return [
    { id: 'turns', label: 'Turns', value: formatInteger(m.turns), hint: `${formatCount(detail.conversations.length, 'conversation')}` },
    { id: 'tokens', label: 'Total tokens', value: formatInteger(m.total_tokens), hint: `${formatInteger(m.prompt_tokens)} in, ${formatInteger(m.completion_tokens)} out` },
    moneyCard('cost', 'Cost', m.cost, m.unpriced_turns > 0 ? `${formatCount(m.unpriced_turns, 'unpriced turn')} not included` : 'every turn priced'),
    { id: 'zimmer', label: 'Zimmer Tokens', value: formatAverage(m.zimmer_tokens), hint: `rated ${m.rating}` },
    { id: 'score', label: 'Efficiency', value: `${formatScore(m.efficiency_score)}/100`, hint: `status ${m.status}` },
  ]
}

export interface SessionRow {
  key: string
  id: string
  turns: string
  errors: number
  tokens: string
  cost: { text: string; exact?: string }
  unpriced: number
  zimmer: string
  score: string
  rating: Rating
  status: Rating
  started: string
  duration: string
  models: string
}

/** `45 s`, `12 min`, `2.5 h`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}

/** The conversations in the API's order (the sort asked for). */
export function sessionRows(conversations: Conversation[], timeZone?: string): SessionRow[] {
  return conversations.map((c) => ({
    key: `${c.session_id}@${c.started_at}`,
    id: c.session_id,
    turns: formatInteger(c.turns),
    errors: c.errors,
    tokens: formatInteger(c.total_tokens),
    cost: moneyText(c.cost),
    unpriced: c.unpriced_turns,
    zimmer: formatAverage(c.zimmer_tokens),
    score: formatScore(c.efficiency_score),
    rating: c.rating,
    status: c.status,
    started: formatTimestamp(c.started_at, timeZone),
    duration: formatDuration(c.duration_s),
    models: [...c.models].sort().join(', '),
  }))
}

/** The histogram's columns: `0–250`, …, `32K+` tokens per conversation. */
export function histogramBars(buckets: HistogramBucket[]): { label: string; conversations: number }[] {
  const k = (n: number) => (n >= 1000 ? `${n / 1000}K` : String(n))
  return buckets.map((b) => ({ label: b.max === null ? `${k(b.min)}+` : `${k(b.min)}–${k(b.max)}`, conversations: b.conversations }))
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
