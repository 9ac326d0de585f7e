// The what-if simulator's answer as the Savings page shows it: monthly money rounded (exact on
// hover), the difference signed in words, and what the figures rest on.
import type { components } from '../api-types.gen'
import { formatCount, formatInteger, moneyText } from '../format-data'

export type SimulationAnswer = components['schemas']['SimulationAnswer']

/** A model to price the traffic on, or a typed price in USD per 1M tokens. */
export type SimulationTarget =
  | { target_model: string }
  | { input_price: string; output_price: string; cached_input_price?: string }

export interface SimulationView {
  current: { text: string; exact?: string }
  target: { text: string; exact?: string }
  targetName: string
  /** "saves $X a month (−94%)" or "costs $X more a month (+12.5%)". */
  verdict: string
  saves: boolean
  basis: string
  profile: string
  evidence: string
}

function percent(change: string): string {
  const value = Number(change) * 100
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${Number(Math.abs(value).toFixed(1))}%`
}

/** The span the monthly figure extrapolates from: `1.5 days`, `3.2 hours`. */
function span(days: string): string {
  const [amount, unit] = Number(days) >= 1 ? [Number(Number(days).toFixed(1)), 'day'] : [Number((Number(days) * 24).toFixed(1)), 'hour']
  return `${amount.toLocaleString('en-US')} ${amount === 1 ? unit : `${unit}s`}`
}

export function simulationView(answer: SimulationAnswer): SimulationView {
  const saving = answer.monthly_saving
  const saves = !saving.startsWith('-') && saving !== '0'
  const amount = moneyText(saving.replace(/^-/, ''))
  const change = answer.change === null ? '' : ` (${percent(answer.change)})`
  const verdict = saving === '0' ? `costs the same${change}`
    : saves ? `saves ${amount.text} a month${change}` : `costs ${amount.text} more a month${change}`
  const { sample, range, profile } = answer
  const scaled = sample.requests < range.requests ? `, the ${formatInteger(sample.requests)} most recent scaled to all` : ''
  const left = sample.requests - sample.compared
  return {
    current: moneyText(answer.current.monthly_cost),
    target: moneyText(answer.target.monthly_cost),
    targetName: answer.target.model ?? 'the typed price',
    verdict,
    saves,
    basis: `${formatCount(range.requests, 'request')} over ${span(answer.days)}${scaled}, at that rate for 30 days`
      + (left > 0 ? `; ${formatCount(left, 'request')} left out (no price on one side)` : ''),
    profile: `${formatInteger(profile.avg_prompt_tokens)} prompt tokens on average, ${percent(profile.cached_share).replace('+', '')} cached`
      + `, largest ${formatInteger(profile.largest_prompt_tokens)}`
      + (profile.long_context_requests ? `, ${formatCount(profile.long_context_requests, 'request')} at long-context rates` : ''),
    evidence: answer.evidence.length ? `${answer.evidence.length} shadow comparisons` : 'No shadow comparisons yet: the saving assumes the target answers as well.',
  }
}
