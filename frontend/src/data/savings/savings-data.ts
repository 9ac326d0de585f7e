// Pure mappings for the Savings page: recommendations with their exact savings (decimal
// strings, summed and ordered by string arithmetic, never floats) and the alerts.
import {
  compareDecimals, decimalRatio, formatCost, formatCount, formatInteger, formatPercent, formatTimestamp,
  sumDecimals,
} from '../format-data'
import type { Alert, Recommendation } from '../types'

/** A saving as a reduction: 0.2 → `−20%`, 0.3333 → `−33.3%`. */
export function formatReduction(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—'
  return `−${Number((share * 100).toFixed(1))}%`
}

/** How the page names each option. */
export const OPTION_LABELS: Record<Recommendation['option'], string> = { cheapest: 'Cheapest', next_cheaper: 'Smallest step' }

export interface RecommendationView {
  key: string
  option: Recommendation['option']
  /** "Cheapest" or "Smallest step". */
  optionLabel: string
  endpoint: string
  model: string
  suggestedModel: string
  savings: string
  reduction: string
  currentCost: string
  suggestedCost: string
  requests: string
  tokens: string
  /** The plain sentence shown for the recommendation. */
  sentence: string
}

/** Largest exact saving first; ties by endpoint, model, then cheapest first, so the order is stable. */
export function recommendationViews(recommendations: Recommendation[]): RecommendationView[] {
  return [...recommendations]
    .sort((a, b) => compareDecimals(b.savings, a.savings) || a.endpoint_name.localeCompare(b.endpoint_name)
      || a.model.localeCompare(b.model) || a.option.localeCompare(b.option))
    .map((r) => {
      const savings = formatCost(r.savings)
      const reduction = formatReduction(r.savings_share)
      return {
        key: `${r.endpoint_name}\u0000${r.model}\u0000${r.option}`,
        option: r.option,
        optionLabel: OPTION_LABELS[r.option] ?? r.option,
        endpoint: r.endpoint_name,
        model: r.model,
        suggestedModel: r.suggested_model,
        savings,
        reduction,
        currentCost: formatCost(r.current_cost),
        suggestedCost: formatCost(r.suggested_cost),
        requests: formatCount(r.requests, 'request'),
        tokens: formatCount(r.prompt_tokens + r.completion_tokens, 'token'),
        sentence: `Move ${r.endpoint_name} from ${r.model} to ${r.suggested_model}: save ${savings} over this period (${reduction})`,
      }
    })
}

export interface SavingsTotal {
  /** The exact decimal, for tests and titles. */
  amount: string
  /** How many endpoint × model pairs have a recommendation. */
  groups: number
  savings: string
  currentCost: string
  reduction: string
}

/**
 * The total possible saving: the options of one endpoint × model are alternatives for the same
 * traffic, so only the largest saving of each counts; different pairs cover disjoint traffic and
 * add up. The reduction is against what that traffic cost.
 */
export function savingsTotal(recommendations: Recommendation[]): SavingsTotal {
  const best = new Map<string, Recommendation>()
  for (const r of recommendations) {
    const key = `${r.endpoint_name}\u0000${r.model}\u0000${r.provider ?? ''}`
    const seen = best.get(key)
    if (!seen || compareDecimals(r.savings, seen.savings) > 0) best.set(key, r)
  }
  const amount = sumDecimals([...best.values()].map((r) => r.savings))
  const current = sumDecimals([...best.values()].map((r) => r.current_cost))
  const share = compareDecimals(current, '0') > 0 ? decimalRatio(amount, current) : null
  return { amount, groups: best.size, savings: formatCost(amount), currentCost: formatCost(current), reduction: formatReduction(share) }
}

export type AlertAction = { kind: 'add-price'; model: string } | { kind: 'logs'; endpoint: string } | null

export interface AlertView {
  key: string
  severity: 'critical' | 'warning' | 'info'
  title: string
  detail: string
  message: string
  action: AlertAction
}

function severityOf(value: string): AlertView['severity'] {
  return value === 'critical' || value === 'warning' ? value : 'info'
}

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 }

function alertView(alert: Alert): AlertView {
  const base = { severity: severityOf(alert.severity), message: alert.message }
  switch (alert.type) {
    case 'unpriced_model':
      return {
        ...base,
        key: `unpriced:${alert.model}`,
        title: `No price for ${alert.model}`,
        detail: `${formatCount(alert.requests, 'request')} with unknown cost, missing from every total`,
        action: { kind: 'add-price', model: alert.model },
      }
    case 'error_rate':
      return {
        ...base,
        key: `errors:${alert.endpoint_name}`,
        title: `${alert.endpoint_name} is failing`,
        detail: `${formatInteger(alert.errors)} of ${formatInteger(alert.requests)} requests failed (${formatPercent(alert.error_rate)})`,
        action: { kind: 'logs', endpoint: alert.endpoint_name },
      }
    case 'cost_spike':
      return {
        ...base,
        key: `spike:${alert.day}`,
        // Cost-spike days are UTC days.
        title: `Cost spike on ${formatTimestamp(alert.day, 'UTC').slice(0, 10)}`,
        detail: `${formatCost(alert.cost)} that day against a daily average of ${formatCost(alert.typical_cost)}`,
        action: null,
      }
    default: {
      // An alert type this dashboard does not know yet: show the server's message as is.
      const unknown = alert as { type: string; message: string }
      return { ...base, key: `other:${unknown.type}:${unknown.message}`, title: unknown.type, detail: '', action: null }
    }
  }
}

/** Alerts most severe first, keeping the API's order within a severity. */
export function alertViews(alerts: Alert[]): AlertView[] {
  return alerts
    .map((a, i) => ({ view: alertView(a), i }))
    .sort((a, b) => SEVERITY_ORDER[a.view.severity] - SEVERITY_ORDER[b.view.severity] || a.i - b.i)
    .map(({ view }) => view)
}
