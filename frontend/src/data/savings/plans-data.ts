// One plan per endpoint for the Savings page: what the endpoint costs, what it would save per month
// (this range's daily rate × 30 days), the best option and two alternatives, largest saving first.
import { compareDecimals, formatCost, moneyText, perMonth, sumDecimals } from '../format-data'
import type { Recommendation } from '../types'
import { type RecommendationView, bestPerModel, recommendationViews } from './savings-data'

/** Plans shown before "Show all", and options per plan before "more options". */
export const TOP_PLANS = 10
export const SHOWN_OPTIONS = 3

export interface EndpointPlan {
  endpoint: string
  /** Exact saving over the range: the best model option of each of its models added up (they cover
   * different traffic); an endpoint with no model option takes its best other advice. */
  saving: string
  monthly: { text: string; exact?: string }
  periodSaving: string
  currentCost: string
  options: RecommendationView[]
}

/** Days the range covers, for the monthly rate (at least an hour). */
export function rangeDays(from: string, to: string): number {
  return Math.max(Date.parse(to) - Date.parse(from), 3_600_000) / 86_400_000
}

export function endpointPlans(recommendations: Recommendation[], days: number): EndpointPlan[] {
  const views = recommendationViews(recommendations)
  const best = bestPerModel(recommendations)
  const plans: EndpointPlan[] = []
  for (const endpoint of [...new Set(views.map((v) => v.endpoint))]) {
    const models = best.filter((r) => r.endpoint_name === endpoint)
    const own = recommendations.filter((r) => r.endpoint_name === endpoint)
    // No model option: the largest other advice (summaries and shorter answers save on the same traffic).
    const counted = models.length ? models : [own.reduce((a, b) => (compareDecimals(b.savings, a.savings) > 0 ? b : a))]
    const saving = sumDecimals(counted.map((r) => r.savings))
    plans.push({
      endpoint,
      saving,
      monthly: moneyText(perMonth(saving, days)),
      periodSaving: formatCost(saving),
      currentCost: formatCost(sumDecimals(counted.map((r) => r.current_cost))),
      options: views.filter((v) => v.endpoint === endpoint),
    })
  }
  return plans.sort((a, b) => compareDecimals(b.saving, a.saving) || a.endpoint.localeCompare(b.endpoint))
}
