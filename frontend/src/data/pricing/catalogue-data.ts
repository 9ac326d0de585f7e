// The catalogue table's rows (every rate per 1K as stored or per 1M exactly), search and provider
// filter, the unpriced panel's groups, a model's price timeline and the retirement notices.
import { formatDate, formatInteger, formatMoneyExact, formatPrice, pricePerMillion } from '../format-data'
import type { Money } from '../types'
import type { CatalogueRow, LongContextTier, PriceChange, RetirementNotice, UnpricedReason } from './pricing-types'

export type RateUnit = '1K' | '1M'

/** A per-1K rate shown in the chosen unit. */
export function rate(value: Money | undefined, unit: RateUnit): string {
  if (value === undefined || value === null) return '—'
  return formatPrice(unit === '1M' ? pricePerMillion(value) : value)
}

export interface CatalogueView {
  model: string
  provider: string
  input: string
  output: string
  cached: string
  cacheWrite5m: string
  cacheWrite1h: string
  longContext: string
  serviceTiers: string
  lastUpdated: string
  source: string
}

function lowestTier(row: CatalogueRow): LongContextTier | null {
  const tiers: LongContextTier[] = [...(row.long_context_tiers ?? [])]
  if (row.long_context_threshold) {
    tiers.push({
      above: row.long_context_threshold,
      input_price: row.long_context_input_price ?? undefined,
      output_price: row.long_context_output_price ?? undefined,
    })
  }
  tiers.sort((a, b) => a.above - b.above)
  return tiers[0] ?? null
}

/** "> 200K: $6.00 / $22.50" for the lowest threshold, "+1 more" when there are others. */
export function longContextText(row: CatalogueRow, unit: RateUnit): string {
  const first = lowestTier(row)
  if (!first) return '—'
  const thresholds = new Set([...(row.long_context_tiers ?? []).map((t) => t.above), row.long_context_threshold].filter(Boolean))
  const more = thresholds.size > 1 ? ` (+${thresholds.size - 1} more)` : ''
  const input = first.input_price ?? (first.above === row.long_context_threshold ? row.long_context_input_price : undefined)
  const output = first.output_price ?? (first.above === row.long_context_threshold ? row.long_context_output_price : undefined)
  return `> ${formatInteger(first.above / 1000)}K: ${rate(input, unit)} / ${rate(output, unit)}${more}`
}

/** "priority $4.25 / $17.00 · flex …": each tier's input / output rates. */
export function serviceTiersText(row: CatalogueRow, unit: RateUnit): string {
  const tiers = Object.entries(row.service_tiers ?? {}).sort(([a], [b]) => a.localeCompare(b))
  if (tiers.length === 0) return '—'
  return tiers.map(([name, t]) => `${name} ${rate(t.input_price ?? row.input_price, unit)} / ${rate(t.output_price ?? row.output_price, unit)}`).join(' · ')
}

/** Rows set by hand first (an admin's own prices), then the providers with the most models, then by name. */
export function catalogueRows(rows: CatalogueRow[], unit: RateUnit, timeZone?: string): CatalogueView[] {
  const rank = new Map(providerOptions(rows).map((p, i) => [p.provider, i]))
  const order = (r: CatalogueRow) => (r.source === 'manual' ? -1 : rank.get(r.provider ?? '') ?? rank.size)
  return [...rows]
    .sort((a, b) => order(a) - order(b) || a.model.localeCompare(b.model))
    .map((r) => ({
      model: r.model,
      provider: r.provider ?? '—',
      input: rate(r.input_price, unit),
      output: rate(r.output_price, unit),
      cached: rate(r.cached_input_price, unit),
      cacheWrite5m: rate(r.cache_write_price, unit),
      cacheWrite1h: rate(r.cache_write_1h_price, unit),
      longContext: longContextText(r, unit),
      serviceTiers: serviceTiersText(r, unit),
      lastUpdated: formatDate(r.last_updated, timeZone),
      source: r.source,
    }))
}

/** Rows whose name (or an alias) contains the search, case-insensitively, of one provider or all. */
export function filterCatalogue(rows: CatalogueRow[], search: string, provider: string): CatalogueRow[] {
  const needle = search.trim().toLowerCase()
  return rows.filter((r) => (!provider || (r.provider ?? '') === provider)
    && (!needle || r.model.toLowerCase().includes(needle) || (r.aliases ?? []).some((a) => a.toLowerCase().includes(needle))))
}

/** The providers present, with how many rows each has, most rows first. */
export function providerOptions(rows: CatalogueRow[]): { provider: string; count: number }[] {
  const counts = new Map<string, number>()
  for (const r of rows) counts.set(r.provider ?? '', (counts.get(r.provider ?? '') ?? 0) + 1)
  return [...counts].filter(([p]) => p).map(([provider, count]) => ({ provider, count }))
    .sort((a, b) => b.count - a.count || a.provider.localeCompare(b.provider))
}

export interface ReasonGroupView {
  reason: string
  title: string
  meaning: string
  fix: string
  requests: string
  canAddPrice: boolean
  models: { model: string; requests: string; lastSeen: string }[]
}

const REASON_TITLES: Record<string, string> = {
  no_price_row: 'No price for the model',
  service_tier_without_rate: 'Service tier without a rate',
  non_token_unit: 'Billed in another unit',
  token_kind_without_rate: 'A token kind without a rate',
}

/** The unpriced panel: one group per reason, most requests first, with its fix. */
export function reasonGroups(reasons: UnpricedReason[], timeZone?: string): ReasonGroupView[] {
  return [...reasons].sort((a, b) => b.requests - a.requests || a.reason.localeCompare(b.reason)).map((r) => ({
    reason: r.reason,
    title: REASON_TITLES[r.reason] ?? r.reason,
    meaning: r.meaning,
    fix: r.fix,
    requests: formatInteger(r.requests),
    canAddPrice: r.reason !== 'non_token_unit',
    models: r.models.map((m) => ({ model: m.model, requests: formatInteger(m.requests), lastSeen: formatDate(m.last_seen, timeZone) })),
  }))
}

export interface TimelineEntry {
  when: string
  what: string
  source: string
  by: string
  input: string
  output: string
}

function field(row: Record<string, unknown> | null, key: string): Money {
  const value = row?.[key]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null
}

/** A model's price timeline, newest first: each change with its source and the rates before → after. */
export function priceTimeline(history: PriceChange[], unit: RateUnit, timeZone?: string): TimelineEntry[] {
  const arrow = (key: string, h: PriceChange) => {
    const before = field(h.old_row, key)
    const after = field(h.new_row, key)
    if (h.operation === 'insert') return rate(after, unit)
    if (h.operation === 'delete') return `${rate(before, unit)} → deleted`
    return before === after ? rate(after, unit) : `${rate(before, unit)} → ${rate(after, unit)}`
  }
  return history.map((h) => ({
    when: formatDate(h.changed_at, timeZone),
    what: h.operation === 'insert' ? 'added' : h.operation === 'delete' ? 'deleted' : 'changed',
    source: h.source ?? field(h.new_row ?? h.old_row, 'source') ?? '—',
    by: h.changed_by ?? '—',
    input: arrow('input_price', h),
    output: arrow('output_price', h),
  }))
}

export interface RetirementView {
  model: string
  headline: string
  successor: string
  endpoints: { endpoint: string; requests: string; cost: string; successorCost: string }[]
}

/** "gpt-x retires on 2027-01-15 (in 30 days)" with each endpoint's cost now and on the successor. */
export function retirementViews(notices: RetirementNotice[]): RetirementView[] {
  return notices.map((n) => ({
    model: n.model,
    headline: n.days_left < 0
      ? `${n.model} was retired on ${n.deprecation_date} (${-n.days_left} days ago)`
      : `${n.model} retires on ${n.deprecation_date} (in ${n.days_left} day${n.days_left === 1 ? '' : 's'})`,
    successor: n.successor_model
      ? `Successor: ${n.successor_model}${n.successor_priced ? '' : ' (no price yet)'}`
      : 'No successor named by the provider',
    endpoints: n.endpoints.map((e) => ({
      endpoint: e.endpoint_name,
      requests: formatInteger(e.requests),
      cost: e.cost === null ? 'unpriced' : formatMoneyExact(e.cost),
      successorCost: e.successor_cost === null ? '—' : formatMoneyExact(e.successor_cost),
    })),
  }))
}
