// Pure mappings for the Alerts page and the Overview's budget card: what a rule's threshold
// means per kind, how an alert's evidence reads, and the budget status.
import { formatCost, formatInteger, formatTimestamp, moneyText } from '../format-data'
import type { AlertRule, BudgetAnswer, RuleInput, StoredAlert } from './alerts-types'

type Kind = AlertRule['kind']

/** What the threshold of each kind is, for the editor's label; null when the kind has none. */
export const THRESHOLD_LABEL: Record<Kind, string | null> = {
  session_tokens: 'Tokens per conversation above',
  session_cost: 'Cost per conversation above (USD)',
  session_efficiency: 'Efficiency score below (0–100)',
  daily_spend: 'Daily budget (USD)',
  monthly_spend: 'Monthly budget (USD)',
  monthly_forecast: 'Monthly budget, forecast (USD)',
  unpriced_model: null,
  usage_anomaly: null,
  error_rate: 'Failed requests above (% of an endpoint\'s requests)',
}

const MONEY_KINDS: Kind[] = ['session_cost', 'daily_spend', 'monthly_spend', 'monthly_forecast']

/** A rule's threshold as people read it: `$1.00`, `1,000 tokens`, `score < 50`, `k = 3 σ (cost)`. */
export function thresholdText(rule: Pick<AlertRule, 'kind' | 'threshold' | 'params'>): string {
  const t = rule.threshold
  if (rule.kind === 'usage_anomaly') return `${String(rule.params.k ?? 3)} σ above usual ${String(rule.params.metric ?? 'cost')}`
  if (rule.kind === 'unpriced_model') return `in the last ${String(rule.params.window_hours ?? 24)} h`
  if (rule.kind === 'error_rate') return `> ${t ?? 20}% failed in ${String(rule.params.window_hours ?? 24)} h`
  if (t === null) return '—'
  if (MONEY_KINDS.includes(rule.kind)) return formatCost(t)
  if (rule.kind === 'session_tokens') return `${formatInteger(Number(t))} tokens`
  return `score < ${t}`
}

export interface AlertView {
  id: string
  state: StoredAlert['state']
  rule: string
  subject: string
  message: string
  value: { text: string; exact?: string }
  since: string
  until: string
  evidence: [string, string][]
}

/** An alert for the list: the value (money rounded, exact on hover) and its evidence as label/value pairs. */
export function alertView(alert: StoredAlert, timeZone?: string): AlertView {
  const money = MONEY_KINDS.includes(alert.kind)
  const value = alert.value === null ? { text: '—' }
    : money ? moneyText(alert.value)
      : alert.kind === 'session_efficiency' ? { text: `${alert.value}/100` }
        : alert.kind === 'error_rate' ? { text: `${alert.value}%` } : { text: formatInteger(Number(alert.value)) }
  return {
    id: alert.id, state: alert.state, rule: alert.rule_name, subject: alert.subject, message: alert.message, value,
    since: formatTimestamp(alert.first_seen, timeZone),
    until: formatTimestamp(alert.resolved_at ?? alert.last_seen, timeZone),
    evidence: Object.entries(alert.evidence)
      .filter(([, v]) => v !== null && typeof v !== 'object')
      .map(([k, v]) => [k.replace(/_/g, ' '), String(v)]),
  }
}

/** The editor's starting point for a new rule of a kind (the server fills the defaults). */
export function newRule(kind: Kind): RuleInput {
  return { kind, enabled: true, webhook_format: 'slack' }
}

/** The input a stored rule becomes when edited (its secret stays on the server unless replaced). */
export function ruleInput(rule: AlertRule): RuleInput {
  return {
    kind: rule.kind, name: rule.name, threshold: rule.threshold, params: rule.params, enabled: rule.enabled,
    webhook_url: rule.webhook_url, webhook_format: rule.webhook_format,
  }
}

export interface BudgetView {
  tone: 'good' | 'warning' | 'bad' | 'neutral'
  label: string
  detail: string
  projected: { text: string; exact?: string }
  monthToDate: { text: string; exact?: string }
}

/** The Overview's budget card: this month so far, the projection, and how it stands against the budget. */
export function budgetView(b: BudgetAnswer): BudgetView {
  const p = b.projection
  const budget = b.budget === null ? null : formatCost(b.budget)
  const label = { none: 'No monthly budget', on_track: 'On track', at_risk: 'Over budget by month end', over: 'Over budget' }[b.status]
  const tone = ({ none: 'neutral', on_track: 'good', at_risk: 'warning', over: 'bad' } as const)[b.status]
  const rate = p.daily_rate === null ? 'no recent spend' : `${formatCost(p.daily_rate)} a day lately`
  return {
    tone, label, projected: moneyText(p.projected), monthToDate: moneyText(p.month_to_date),
    detail: budget === null ? `${rate}; set a budget on the Alerts page` : `budget ${budget}; ${rate}`,
  }
}
