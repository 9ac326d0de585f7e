// Prompt-caching advice as the Savings page shows it: per endpoint × model × prefix, the monthly
// saving rounded (exact on hover), what the figure rests on, and what to change in the request.
import type { components } from '../api-types.gen'
import { formatCount, formatInteger, moneyText, pricePerMillion, formatPrice } from '../format-data'

export type CachingAnswer = components['schemas']['CachingAnswer']
export type CachingAdvice = components['schemas']['CachingAdvice']

export interface CachingView {
  key: string
  endpoint: string
  model: string
  provider: string
  monthly: { text: string; exact?: string }
  window: { text: string; exact?: string }
  /** "2,000-token prefix on 20 calls: 19 would read it from the cache, 1 would write it". */
  basis: string
  /** The rates it uses, per 1M tokens as the Pricing page shows them. */
  rates: string
  how: string
}

/** The span the monthly figure extrapolates from: `1.5 days`, `3.2 hours`. */
function span(days: string): string {
  const [amount, unit] = Number(days) >= 1 ? [Number(Number(days).toFixed(1)), 'day'] : [Number((Number(days) * 24).toFixed(1)), 'hour']
  return `${amount.toLocaleString('en-US')} ${amount === 1 ? unit : `${unit}s`}`
}

const perMillion = (perThousand: string) => formatPrice(pricePerMillion(perThousand))

export function cachingView(advice: CachingAdvice): CachingView {
  const { rates } = advice
  const write = rates.cache_write_price === null
    ? 'a cold call costs what it costs today'
    : `${perMillion(rates.cache_write_price)} to write`
  return {
    key: `${advice.endpoint_name}|${advice.model}|${advice.prefix_hash}`,
    endpoint: advice.endpoint_name,
    model: advice.model,
    provider: advice.provider,
    monthly: moneyText(advice.monthly_saving),
    window: moneyText(advice.saving),
    basis: `${formatInteger(advice.prefix_tokens)}-token prefix (${formatInteger(advice.prefix_chars)} characters, at least `
      + `${formatInteger(advice.minimum_tokens)} to cache) on ${formatCount(advice.calls, 'call')} over ${span(advice.days)}: `
      + `${formatInteger(advice.cache_reads)} would read it from the cache, ${formatInteger(advice.cache_writes)} would find it cold`,
    rates: `${advice.priced_as}: ${perMillion(rates.input_price)} per 1M input tokens today, ${perMillion(rates.cached_input_price)} `
      + `cached; ${write}`,
    how: advice.how,
  }
}

/** The panel's list, in the API's order (largest monthly saving first), and the total a month. */
export function cachingViews(answer: CachingAnswer): { items: CachingView[]; total: { text: string; exact?: string } } {
  return { items: answer.advice.map(cachingView), total: moneyText(answer.monthly_saving) }
}
