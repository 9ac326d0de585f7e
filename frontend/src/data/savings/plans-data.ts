// One plan per endpoint for the Savings page, as the API builds it (GET /api/optimization): the
// endpoint's spend, the best option and two alternatives per month, each with the rules it passed,
// and the cheaper candidates refused with their reason. Money stays the API's exact decimal
// strings: shown rounded, exact on hover.
import { formatCount, moneyText } from '../format-data'
import type { EndpointPlanAnswer, OptimizationResponse, PlanOptionAnswer } from '../types'

/** Plans shown before "Show all". */
export const TOP_PLANS = 10

export const KIND_LABELS: Record<PlanOptionAnswer['type'], string> = {
  cheaper_model: 'Cheaper model', summarise_history: 'Shorter history', shorter_answers: 'Shorter answers',
}
export const RULE_LABELS: Record<string, string> = {
  equivalence: 'your equivalence map', context: 'context window', deprecation: 'not retiring', tools: 'tools',
  json_output: 'JSON output', images: 'images', generation: 'generation', tier: 'tier',
}

export interface Money { text: string; exact?: string }

export interface OptionView {
  key: string
  kind: PlanOptionAnswer['type']
  label: string
  model: string | null
  suggestedModel: string | null
  monthly: Money
  /** "−80%" of the current cost, for model switches. */
  reduction: string | null
  rules: { rule: string; label: string; detail: string }[]
  message: string
}

export interface RefusalView { key: string; model: string; candidate: string; rule: string; label: string; detail: string }

export interface PlanView {
  endpoint: string
  models: string[]
  requests: string
  monthlyCost: Money
  monthlySaving: Money
  best: OptionView | null
  alternatives: OptionView[]
  other: OptionView[]
  refused: RefusalView[]
}

/** "0.8" → "−80%", "0.9688" → "−96.9%". */
export function reductionText(share: string | null | undefined): string | null {
  if (!share) return null
  return `−${Number((Number(share) * 100).toFixed(1))}%`
}

export function optionView(endpoint: string, o: PlanOptionAnswer): OptionView {
  return {
    key: `${endpoint}\u0000${o.type}\u0000${o.model ?? ''}\u0000${o.suggested_model ?? ''}`,
    kind: o.type,
    label: o.equivalence ? 'From your map' : KIND_LABELS[o.type],
    model: o.model,
    suggestedModel: o.suggested_model,
    monthly: moneyText(o.monthly_saving),
    reduction: reductionText(o.saving_share),
    rules: o.rules_passed.map((r) => ({ ...r, label: RULE_LABELS[r.rule] ?? r.rule })),
    message: o.message,
  }
}

export function planView(p: EndpointPlanAnswer): PlanView {
  return {
    endpoint: p.endpoint_name,
    models: p.models,
    requests: formatCount(p.requests, 'request'),
    monthlyCost: moneyText(p.monthly_cost),
    monthlySaving: moneyText(p.monthly_saving),
    best: p.best ? optionView(p.endpoint_name, p.best) : null,
    alternatives: p.alternatives.map((o) => optionView(p.endpoint_name, o)),
    other: p.other_advice.map((o) => optionView(p.endpoint_name, o)),
    refused: p.refused.map((r) => ({
      key: `${r.model}\u0000${r.candidate_model}`, model: r.model, candidate: r.candidate_model, rule: r.rule,
      label: RULE_LABELS[r.rule] ?? r.rule, detail: r.detail,
    })),
  }
}

/** The plans in the API's order (largest monthly saving first). */
export function planViews(answer: OptimizationResponse | undefined): PlanView[] {
  return (answer?.plans ?? []).map(planView)
}

/** The total: each endpoint's best option once, against the spend of all endpoints, per month. */
export function totalView(answer: OptimizationResponse | undefined) {
  const plans = answer?.plans ?? []
  return {
    saving: moneyText(answer?.monthly_saving ?? '0'),
    cost: moneyText(answer?.monthly_cost ?? '0'),
    endpoints: plans.filter((p) => p.best).length,
    hasAdvice: plans.some((p) => p.best),
  }
}
