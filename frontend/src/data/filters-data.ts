// Filters live in the URL so a view can be shared. Relative ranges (24h, 7d, 30d) are kept as
// names and turned into a window at fetch time, so polling moves "now" forward without
// changing the query key.
import type { Bucket, LogStatus } from './types'
import type { ReadParams } from './source'

export type RangeKey = '24h' | '7d' | '30d' | 'custom'

export const RANGES: { key: RangeKey; label: string }[] = [
  { key: '24h', label: 'Last 24 hours' },
  { key: '7d', label: 'Last 7 days' },
  { key: '30d', label: 'Last 30 days' },
  { key: 'custom', label: 'Custom' },
]

const RANGE_MS: Record<Exclude<RangeKey, 'custom'>, number> = {
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
  '30d': 30 * 24 * 3600_000,
}

export const DEFAULT_RANGE: RangeKey = '7d'

export interface Filters {
  range: RangeKey
  /** Custom range bounds as `YYYY-MM-DD` (inclusive days, browser time zone). */
  from: string | null
  to: string | null
  model: string | null
  endpoint_name: string | null
  provider: string | null
  status: LogStatus | null
  project: string | null
}

const DAY = /^\d{4}-\d{2}-\d{2}$/
const TEXT_KEYS = ['model', 'endpoint_name', 'provider', 'project'] as const

function text(params: URLSearchParams, key: string): string | null {
  const value = params.get(key)?.trim()
  return value ? value : null
}

/** Reads filters from the query string; anything malformed falls back to the default. */
export function parseFilters(params: URLSearchParams): Filters {
  const rawRange = params.get('range')
  let range: RangeKey = RANGES.some((r) => r.key === rawRange) ? (rawRange as RangeKey) : DEFAULT_RANGE
  let from = text(params, 'from')
  let to = text(params, 'to')
  if (range === 'custom') {
    if (!from || !DAY.test(from) || !to || !DAY.test(to)) range = DEFAULT_RANGE
    else if (from > to) [from, to] = [to, from]
  }
  if (range !== 'custom') {
    from = null
    to = null
  }
  const status = params.get('status')
  return {
    range, from, to,
    model: text(params, 'model'),
    endpoint_name: text(params, 'endpoint_name'),
    provider: text(params, 'provider'),
    status: status === 'ok' || status === 'error' ? status : null,
    project: text(params, 'project'),
  }
}

/** The query string for filters; defaults are left out so shared links stay short. */
export function filtersToSearch(filters: Filters): URLSearchParams {
  const params = new URLSearchParams()
  if (filters.range !== DEFAULT_RANGE) params.set('range', filters.range)
  if (filters.range === 'custom' && filters.from && filters.to) {
    params.set('from', filters.from)
    params.set('to', filters.to)
  }
  for (const key of TEXT_KEYS) {
    const value = filters[key]
    if (value) params.set(key, value)
  }
  if (filters.status) params.set('status', filters.status)
  return params
}

/** Local midnight of a `YYYY-MM-DD` day. */
function startOfDay(day: string): Date {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y, m - 1, d)
}

/** The concrete [from, to) window of the filters at `now`. Custom ranges include the last day. */
export function resolveWindow(filters: Filters, now: Date): { from: string; to: string } {
  if (filters.range === 'custom' && filters.from && filters.to) {
    const end = startOfDay(filters.to)
    end.setDate(end.getDate() + 1)
    return { from: startOfDay(filters.from).toISOString(), to: end.toISOString() }
  }
  const key = (filters.range === 'custom' ? DEFAULT_RANGE : filters.range) as keyof typeof RANGE_MS
  const span = RANGE_MS[key]
  return { from: new Date(now.getTime() - span).toISOString(), to: now.toISOString() }
}

/** Hourly points up to a week, daily beyond, so a chart has between 24 and ~200 points. */
export function bucketFor(window: { from: string; to: string }): Bucket {
  const span = new Date(window.to).getTime() - new Date(window.from).getTime()
  return span <= RANGE_MS['7d'] ? 'hour' : 'day'
}

/** Everything that identifies a read, without the moving "now": the query-key part. */
export function filtersKey(filters: Filters) {
  return {
    range: filters.range, from: filters.from, to: filters.to, model: filters.model,
    endpoint_name: filters.endpoint_name, provider: filters.provider, project: filters.project,
  }
}

/** The read parameters of the filters at `now`. */
export function readParams(filters: Filters, now: Date = new Date()): ReadParams {
  return {
    ...resolveWindow(filters, now),
    project: filters.project,
    model: filters.model,
    endpoint_name: filters.endpoint_name,
    provider: filters.provider,
  }
}

/** Whether any filter besides the date range narrows the view. */
export function hasNarrowingFilters(filters: Filters): boolean {
  return Boolean(filters.model || filters.endpoint_name || filters.provider || filters.status)
}
