// Pure mappings for the Savings page: recommendations with their exact savings (decimal
// strings, summed and ordered by string arithmetic, never floats) and the alerts.
import {
  compareDecimals, decimalRatio, formatCost, formatCount, formatInteger,
  sumDecimals,
} from '../format-data'
import type { StoredAlert } from '../alerts/alerts-types'
import type {
  CheaperModelRecommendation, Recommendation, ShorterAnswersRecommendation, SummariseHistoryRecommendation,
} from '../types'

/** A saving as a reduction: 0.2 → `−20%`, 0.3333 → `−33.3%`. */
export function formatReduction(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—'
  return `−${Number((share * 100).toFixed(1))}%`
}

/** How the page names each kind of advice. */
export const OPTION_LABELS: Record<CheaperModelRecommendation['option'], string> = { cheapest: 'Cheapest', next_cheaper: 'Smallest step' }
export const SUMMARY_LABEL = 'Shorter history'
export const ANSWERS_LABEL = 'Shorter answers'

export interface RecommendationView {
  key: string
  kind: Recommendation['type']
  /** The model option; null for the other kinds of advice. */
  option: CheaperModelRecommendation['option'] | null
  /** "Cheapest", "Smallest step", "Shorter history" or "Shorter answers". */
  optionLabel: string
  endpoint: string
  /** The traffic's model (null for a summary) and the suggested one (model options only). */
  model: string | null
  suggestedModel: string | null
  savings: string
  reduction: string
  currentCost: string
  suggestedCost: string
  /** The plain sentence shown for the recommendation. */
  sentence: string
  /** The volume and the two costs, in one line. */
  detail: string
}

function modelView(r: CheaperModelRecommendation): RecommendationView {
  const savings = formatCost(r.savings)
  const reduction = formatReduction(r.savings_share)
  const [currentCost, suggestedCost] = [formatCost(r.current_cost), formatCost(r.suggested_cost)]
  return {
    key: `${r.endpoint_name}\u0000${r.model}\u0000${r.option}`,
    kind: r.type,
    option: r.option,
    optionLabel: OPTION_LABELS[r.option] ?? r.option,
    endpoint: r.endpoint_name,
    model: r.model,
    suggestedModel: r.suggested_model,
    savings,
    reduction,
    currentCost,
    suggestedCost,
    sentence: `Move ${r.endpoint_name} from ${r.model} to ${r.suggested_model}: save ${savings} over this period (${reduction})`,
    detail: `${formatCount(r.requests, 'request')} · ${formatCount(r.prompt_tokens + r.completion_tokens, 'token')} · `
      + `cost ${currentCost}, at ${r.suggested_model}'s list prices ${suggestedCost}`,
  }
}

function summaryView(r: SummariseHistoryRecommendation): RecommendationView {
  const savings = formatCost(r.savings)
  const reduction = formatReduction(r.savings_share)
  const [currentCost, suggestedCost] = [formatCost(r.current_cost), formatCost(r.suggested_cost)]
  return {
    key: `${r.endpoint_name}\u0000summarise_history`,
    kind: r.type,
    option: null,
    optionLabel: SUMMARY_LABEL,
    endpoint: r.endpoint_name,
    model: null,
    suggestedModel: null,
    savings,
    reduction,
    currentCost,
    suggestedCost,
    sentence: `Summarise conversation history on ${r.endpoint_name}: save ${savings} over this period (${reduction})`,
    detail: `${formatCount(r.sessions, 'recent conversation')} whose input grows every turn · `
      + `${formatCount(r.requests, 'turn')} after the 3rd at the 3rd turn's prompt size: `
      + `${formatCount(r.tokens_saved, 'fewer input token')}, input cost ${currentCost} → ${suggestedCost} at list prices`,
  }
}

function answersView(r: ShorterAnswersRecommendation): RecommendationView {
  const savings = formatCost(r.savings)
  const reduction = formatReduction(r.savings_share)
  const [currentCost, suggestedCost] = [formatCost(r.current_cost), formatCost(r.suggested_cost)]
  return {
    key: `${r.endpoint_name}\u0000${r.model}\u0000shorter_answers`,
    kind: r.type,
    option: null,
    optionLabel: ANSWERS_LABEL,
    endpoint: r.endpoint_name,
    model: r.model,
    suggestedModel: null,
    savings,
    reduction,
    currentCost,
    suggestedCost,
    sentence: `Cap answers on ${r.endpoint_name} (${r.model}) at ${formatInteger(r.cap_tokens)} tokens: save ${savings} over this period (${reduction})`,
    detail: `${formatInteger(r.long_answers)} of ${formatCount(r.requests, 'recent answer')} ran past `
      + `${formatInteger(r.cap_tokens)} tokens, twice the median · cut there: `
      + `${formatCount(r.tokens_saved, 'fewer output token')}, output cost ${currentCost} → ${suggestedCost} at list prices`,
  }
}

const VIEWS = { cheaper_model: modelView, summarise_history: summaryView, shorter_answers: answersView } as const

/**
 * Largest exact saving first; ties by endpoint, then model advice before the other kinds, then
 * model and option, so the order is stable (the API's). Unknown advice types are left out.
 */
export function recommendationViews(recommendations: Recommendation[]): RecommendationView[] {
  const known = recommendations.filter((r) => r.type in VIEWS)
  const model = (r: Recommendation) => (r.type === 'summarise_history' ? '\uffff' : r.model)
  const option = (r: Recommendation) => (r.type === 'cheaper_model' ? r.option : r.type)
  return [...known]
    .sort((a, b) => compareDecimals(b.savings, a.savings) || a.endpoint_name.localeCompare(b.endpoint_name)
      || model(a).localeCompare(model(b)) || option(a).localeCompare(option(b)))
    .map((r) => (VIEWS[r.type] as (r: Recommendation) => RecommendationView)(r))
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
 * The total possible saving from switching models: the options of one endpoint × model are
 * alternatives for the same traffic, so only the largest saving of each counts; different pairs
 * cover disjoint traffic and add up. Summaries are left out: they save on the same traffic, by an
 * amount that depends on the model. The reduction is against what that traffic cost.
 */
export function savingsTotal(recommendations: Recommendation[]): SavingsTotal {
  const best = bestPerModel(recommendations)
  const amount = sumDecimals(best.map((r) => r.savings))
  const current = sumDecimals(best.map((r) => r.current_cost))
  const share = compareDecimals(current, '0') > 0 ? decimalRatio(amount, current) : null
  return { amount, groups: best.length, savings: formatCost(amount), currentCost: formatCost(current), reduction: formatReduction(share) }
}

/** The largest model saving of each endpoint × model: its options are alternatives for the same traffic. */
export function bestPerModel(recommendations: Recommendation[]): CheaperModelRecommendation[] {
  const best = new Map<string, CheaperModelRecommendation>()
  for (const r of recommendations) {
    if (r.type !== 'cheaper_model') continue
    const key = `${r.endpoint_name}\u0000${r.model}\u0000${r.provider ?? ''}`
    const seen = best.get(key)
    if (!seen || compareDecimals(r.savings, seen.savings) > 0) best.set(key, r)
  }
  return [...best.values()]
}

export type AlertAction =
  | { kind: 'add-price'; model: string }
  | { kind: 'logs'; endpoint: string }
  | { kind: 'alerts' }

export interface AlertView {
  key: string
  severity: 'critical' | 'warning'
  title: string
  detail: string
  message: string
  action: AlertAction
}

// Spend past a budget and a failing endpoint need someone now; the other kinds can wait for a look.
const CRITICAL_KINDS: StoredAlert['kind'][] = ['daily_spend', 'monthly_spend', 'error_rate']
const SEVERITY_ORDER = { critical: 0, warning: 1 }

function evidenceCount(alert: StoredAlert, field: string): number {
  return Number(alert.evidence[field] ?? 0)
}

/** A firing stored alert as this page lists it: a title, a detail in figures and the next step. */
function alertView(alert: StoredAlert): AlertView {
  const base = {
    key: `${alert.kind}:${alert.subject}`, message: alert.message,
    severity: CRITICAL_KINDS.includes(alert.kind) ? 'critical' as const : 'warning' as const,
  }
  switch (alert.kind) {
    case 'unpriced_model':
      return {
        ...base,
        title: `No price for ${alert.subject}`,
        detail: `${formatCount(evidenceCount(alert, 'unpriced_requests'), 'request')} with unknown cost, missing from every total`,
        action: { kind: 'add-price', model: alert.subject },
      }
    case 'error_rate':
      return {
        ...base,
        title: `${alert.subject} is failing`,
        detail: `${formatInteger(evidenceCount(alert, 'errors'))} of ${formatInteger(evidenceCount(alert, 'requests'))} requests failed `
          + `(${String(alert.evidence.error_rate_percent)}%) in the last ${formatCount(evidenceCount(alert, 'window_hours'), 'hour')}`,
        action: { kind: 'logs', endpoint: alert.subject },
      }
    default:
      return { ...base, title: alert.rule_name, detail: alert.message, action: { kind: 'alerts' } }
  }
}

/** Firing alerts most severe first, keeping the API's order (newest first) within a severity. */
export function alertViews(alerts: StoredAlert[]): AlertView[] {
  return alerts
    .map((a, i) => ({ view: alertView(a), i }))
    .sort((a, b) => SEVERITY_ORDER[a.view.severity] - SEVERITY_ORDER[b.view.severity] || a.i - b.i)
    .map(({ view }) => view)
}
