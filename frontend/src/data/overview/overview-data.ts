// Pure mappings from API responses to what the Overview shows: stat cards, chart rows, table
// rows. Money stays a string for display; numbers are derived only for chart geometry.
import {
  formatChange, formatCost, formatInteger, formatLatency, formatPercent, moneyText, moneyToNumber,
} from '../format-data'
import type { BreakdownGroup, Bucket, DashboardResponse, TimeseriesPoint, Totals } from '../types'

/** A cost cell: the exact sum, $0 only when there were no requests, a dash when unknown. */
export function costCell(cost: string | null, requests: number): string {
  if (cost !== null && cost !== undefined) return formatCost(cost)
  return requests === 0 ? formatCost('0') : '—'
}

/** Whether a rise of this metric is good news (green) or bad news (red). */
type Direction = 'up-good' | 'up-bad' | 'neutral'

export interface StatCard {
  id: string
  label: string
  value: string
  hint?: string
  change: number | null
  changeLabel: string
  tone: 'good' | 'bad' | 'neutral'
  warning?: boolean
  /** The exact figure when the value shown is rounded (money). */
  exact?: string
}

/** (current − previous) / previous; null when there was nothing before to compare with. */
export function relativeChange(current: number | null | undefined, previous: number | null | undefined): number | null {
  if (current === null || current === undefined || previous === null || previous === undefined) return null
  if (previous === 0) return null
  return (current - previous) / previous
}

function tone(change: number | null, direction: Direction): StatCard['tone'] {
  if (change === null || change === 0 || direction === 'neutral') return 'neutral'
  return (change > 0) === (direction === 'up-good') ? 'good' : 'bad'
}

function card(
  id: string, label: string, value: string, change: number | null, direction: Direction,
  extra: Partial<StatCard> = {},
): StatCard {
  return { id, label, value, change, changeLabel: formatChange(change), tone: tone(change, direction), ...extra }
}

/** The change of a metric: the API's figure when it gives one, else computed from `previous`. */
function changeOf(data: DashboardResponse, key: keyof Totals): number | null {
  const given = data.change?.[key]
  if (given !== undefined) return given
  const current = data.totals[key]
  const previous = data.previous?.[key]
  if (typeof current === 'string' || typeof previous === 'string') {
    return relativeChange(moneyToNumber(current as string), moneyToNumber((previous ?? null) as string | null))
  }
  return relativeChange(current as number | null, (previous ?? null) as number | null)
}

/** The Overview's headline numbers with their change against the previous period. */
export function statCards(data: DashboardResponse): StatCard[] {
  const t = data.totals
  return [
    card('requests', 'Requests', formatInteger(t.requests), changeOf(data, 'requests'), 'neutral'),
    card('tokens', 'Tokens', formatInteger(t.total_tokens), changeOf(data, 'total_tokens'), 'neutral', {
      hint: `${formatInteger(t.prompt_tokens)} in · ${formatInteger(t.completion_tokens)} out`,
    }),
    card('cost', 'Cost', costCell(t.cost, t.requests), changeOf(data, 'cost'), 'up-bad', {
      hint: t.unpriced_requests > 0 ? 'priced requests only' : undefined,
      exact: moneyText(t.cost).exact,
    }),
    card('unpriced', 'Unpriced requests', formatInteger(t.unpriced_requests), changeOf(data, 'unpriced_requests'), 'up-bad', {
      warning: t.unpriced_requests > 0,
      hint: t.unpriced_requests > 0 ? 'cost unknown, not counted as $0' : 'every request has a price',
    }),
    card('error_rate', 'Error rate', formatPercent(t.error_rate), changeOf(data, 'error_rate'), 'up-bad', {
      hint: `${formatInteger(t.errors)} errors`,
    }),
    card('avg_latency', 'Avg latency', formatLatency(t.avg_latency_ms), changeOf(data, 'avg_latency_ms'), 'up-bad'),
    card('p95_latency', 'p95 latency', formatLatency(t.p95_latency_ms), changeOf(data, 'p95_latency_ms'), 'up-bad'),
  ]
}

export interface TimeRow {
  t: string
  label: string
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  requests: number
  cost: number
  costLabel: string
  unpriced_requests: number
}

/** Axis label of a bucket start: `16:00` for hours (`Nov 23 16:00` at midnight), `Nov 23` for days. */
export function bucketLabel(iso: string, bucket: Bucket, timeZone?: string): string {
  const date = new Date(iso)
  const day = new Intl.DateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric' }).format(date)
  if (bucket === 'day') return day
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date)
  return `${day} ${time}`
}

export function timeRows(points: TimeseriesPoint[], bucket: Bucket, timeZone?: string): TimeRow[] {
  return points.map((p) => ({
    t: p.t,
    label: bucketLabel(p.t, bucket, timeZone),
    prompt_tokens: p.prompt_tokens,
    completion_tokens: p.completion_tokens,
    total_tokens: p.total_tokens,
    requests: p.requests,
    cost: moneyToNumber(p.cost),
    costLabel: costCell(p.cost, p.requests),
    unpriced_requests: p.unpriced_requests,
  }))
}

export interface CostBar {
  name: string
  cost: number
  costLabel: string
}

/**
 * Bars of priced cost per group. Groups with no priced request have no cost to draw; they are
 * returned separately so the chart can name them instead of drawing them as $0.
 */
export function costBars(groups: BreakdownGroup[]): { bars: CostBar[]; unpriced: string[] } {
  const bars: CostBar[] = []
  const unpriced: string[] = []
  for (const g of groups) {
    if (g.unpriced_requests > 0) unpriced.push(g.key)
    if (g.cost !== null && g.requests > g.unpriced_requests) {
      bars.push({ name: g.key, cost: moneyToNumber(g.cost), costLabel: formatCost(g.cost) })
    }
  }
  return { bars, unpriced }
}

export interface Slice {
  name: string
  value: number
  label: string
}

/** Request share per group, the largest `limit − 1` kept and the rest summed as "Other". */
export function distributionSlices(groups: BreakdownGroup[], limit = 6): Slice[] {
  const total = groups.reduce((sum, g) => sum + g.requests, 0)
  if (total === 0) return []
  const sorted = [...groups].filter((g) => g.requests > 0).sort((a, b) => b.requests - a.requests)
  const kept = sorted.length > limit ? sorted.slice(0, limit - 1) : sorted
  const rest = sorted.slice(kept.length).reduce((sum, g) => sum + g.requests, 0)
  const slices = kept.map((g) => ({ name: g.key, value: g.requests }))
  if (rest > 0) slices.push({ name: 'Other', value: rest })
  return slices.map((s) => ({ ...s, label: `${s.name} ${formatPercent(s.value / total)}` }))
}

export interface LatencyBar {
  name: string
  p50: number
  p95: number
}

export function latencyBars(groups: BreakdownGroup[]): LatencyBar[] {
  return groups
    .filter((g) => g.p50_latency_ms !== null || g.p95_latency_ms !== null)
    .map((g) => ({ name: g.key, p50: g.p50_latency_ms ?? 0, p95: g.p95_latency_ms ?? 0 }))
}

export interface EndpointRow {
  key: string
  requests: string
  tokens: string
  cost: string
  unpriced: number
  share: string
  avgLatency: string
}

/** The table by endpoint_name, in the API's order (cost, then requests, descending). */
export function endpointRows(groups: BreakdownGroup[]): EndpointRow[] {
  return groups.map((g) => ({
    key: g.key,
    requests: formatInteger(g.requests),
    tokens: formatInteger(g.total_tokens),
    cost: costCell(g.cost, g.requests),
    unpriced: g.unpriced_requests,
    share: formatPercent(g.share),
    avgLatency: formatLatency(g.avg_latency_ms),
  }))
}
