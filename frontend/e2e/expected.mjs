// What the dashboard must show for the traffic sent, computed independently of the app with
// exact decimal arithmetic (BigInt at 1e-15 USD), from the seeded prices (USD per 1K tokens).
const SCALE = 15n
const UNIT = 10n ** SCALE

/** A decimal string as an integer count of 1e-15 USD. */
export function toScaled(decimal) {
  const [whole, fraction = ''] = String(decimal).split('.')
  return BigInt(whole) * UNIT + BigInt((fraction + '0'.repeat(Number(SCALE))).slice(0, Number(SCALE)) || '0')
}

/** The dashboard's money rule (format-data.ts formatCost), on exact scaled integers: cents, or 3
 * significant digits under a cent, half up. */
export function formatUsd(scaled) {
  const sign = scaled < 0n ? '-' : ''
  const abs = scaled < 0n ? -scaled : scaled
  if (abs !== 0n && abs * 100n < UNIT) {
    const digits = abs.toString().length
    const step = digits > 3 ? 10n ** BigInt(digits - 3) : 1n
    const rounded = ((abs + step / 2n) / step) * step
    const text = rounded.toString().padStart(Number(SCALE) + 1, '0')
    const fraction = text.slice(-Number(SCALE)).replace(/0+$/, '')
    return `${sign}$0.${fraction}`
  }
  const cents = (abs * 100n + UNIT / 2n) / UNIT
  return `${sign}$${(cents / 100n).toLocaleString('en-US')}.${(cents % 100n).toString().padStart(2, '0')}`
}

export const integer = (n) => n.toLocaleString('en-US')

/**
 * Cost of `count` requests: tokens / 1000 × price per 1K, for input and output; the `cached` part
 * of the prompt at the cached input price (the input price when there is none); null when unpriced.
 */
export function cost(prices, { model, prompt, completion, cached = 0, count = 1 }) {
  const price = prices[model]
  if (!price) return null
  const input = BigInt(prompt - cached) * toScaled(price.input) + BigInt(cached) * toScaled(price.cached ?? price.input)
  const perRequest = (input + BigInt(completion) * toScaled(price.output)) / 1000n
  return perRequest * BigInt(count)
}

/** Totals of a list of traffic items (requests, tokens, priced cost, unpriced requests). */
export function totals(prices, traffic) {
  const sum = { requests: 0, prompt: 0, completion: 0, tokens: 0, cost: 0n, unpriced: 0 }
  for (const item of traffic) {
    const count = item.count ?? 1
    sum.requests += count
    sum.prompt += item.prompt * count
    sum.completion += item.completion * count
    sum.tokens += (item.prompt + item.completion) * count
    const c = cost(prices, item)
    if (c === null) sum.unpriced += count
    else sum.cost += c
  }
  return sum
}

/** Totals per value of a key (e.g. per endpoint). */
export function totalsBy(prices, traffic, key) {
  const groups = new Map()
  for (const item of traffic) groups.set(item[key], [...(groups.get(item[key]) ?? []), item])
  return new Map([...groups].map(([k, items]) => [k, totals(prices, items)]))
}

/** A fraction of two scaled amounts as the dashboard shows a share: one decimal percent. */
export function share(part, whole) {
  return `${(Number((part * 1_000_000n) / whole) / 10_000).toFixed(1)}%`
}

/** A scaled amount as the API writes money: the exact decimal without trailing zeros. */
export function toDecimal(scaled) {
  const sign = scaled < 0n ? '-' : ''
  const abs = scaled < 0n ? -scaled : scaled
  const fraction = (abs % UNIT).toString().padStart(Number(SCALE), '0').replace(/0+$/, '')
  return `${sign}${abs / UNIT}${fraction ? `.${fraction}` : ''}`
}
