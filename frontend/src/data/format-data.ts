// Display formatting. Money arrives as decimal strings and all arithmetic on it goes through
// decimal.js, never floats: `formatCost` is the dashboard's one money formatter (cents, or 3
// significant digits under a cent), `formatMoneyExact` the exact figure for hovers and exports.
import Decimal from 'decimal.js'
import type { Money } from './types'

// Exact: 60 significant digits covers any numeric the API sends; never switch to exponent notation.
const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -60, toExpPos: 60 })

// What the API sends: a plain decimal, no exponent, no leading dot.
const DECIMAL = /^-?\d+(?:\.\d+)?$/

function parseDecimal(value: string): Decimal | null {
  const text = String(value).trim()
  return DECIMAL.test(text) ? new D(text) : null
}

function groupThousands(whole: string): string {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** `$` + a decimal's digits: thousands grouped, at least `minDecimals` decimals, the sign before `$`. */
function dollars(value: Decimal, minDecimals: number): string {
  const [whole, fraction = ''] = value.abs().toFixed().split('.')
  const sign = value.isNegative() && !value.isZero() ? '-' : ''
  return `${sign}$${groupThousands(whole)}.${fraction.padEnd(minDecimals, '0')}`
}

/** True for a non-negative plain decimal such as `0.0025` (what a price field accepts). */
export function isDecimal(value: string): boolean {
  const parsed = parseDecimal(value)
  return parsed !== null && !parsed.isNegative()
}

/** Multiplies a decimal string by 10^places exactly (places may be negative). */
export function shiftDecimal(value: string, places: number): string {
  const parsed = parseDecimal(value)
  if (!parsed) throw new Error(`not a decimal: ${value}`)
  return parsed.times(new D(10).pow(places)).toFixed()
}

/**
 * The dashboard's money rule: rounded to cents, or to 3 significant digits under a cent
 * (`$21.82`, `$0.00415`, `$0.000000125`); unknown (unpriced) is a dash, never $0.
 */
export function formatCost(value: Money): string {
  if (value === null || value === undefined) return '—'
  const parsed = parseDecimal(String(value))
  if (!parsed) return String(value)
  if (!parsed.isZero() && parsed.abs().lessThan('0.01')) return dollars(parsed.toSignificantDigits(3), 0)
  return dollars(parsed.toDecimalPlaces(2), 2)
}

/** The exact amount, every digit the API sent (at least 2 decimals): for hovers, tooltips and files. */
export function formatMoneyExact(value: Money): string {
  if (value === null || value === undefined) return '—'
  const parsed = parseDecimal(String(value))
  return parsed ? dollars(parsed, 2) : String(value)
}

/** A money cell: the rounded text, and the exact figure for `title` when rounding changed it. */
export function moneyText(value: Money): { text: string; exact?: string } {
  const text = formatCost(value)
  const exact = formatMoneyExact(value)
  return exact === text || value === null || value === undefined ? { text } : { text, exact }
}

/** A price (USD per 1K or per 1M tokens) as `$` + the exact decimal, at least 2 decimals. */
export function formatPrice(value: Money): string {
  if (value === null || value === undefined) return '—'
  const parsed = parseDecimal(String(value))
  return parsed ? dollars(parsed, 2) : String(value)
}

/** A price per 1K tokens expressed per 1M tokens, exactly. */
export function pricePerMillion(perThousand: Money): Money {
  if (perThousand === null || perThousand === undefined) return null
  return isDecimal(String(perThousand)) ? shiftDecimal(String(perThousand), 3) : null
}

/** A money string as a number, for chart geometry only (never for display). */
export function moneyToNumber(value: Money): number {
  if (value === null || value === undefined) return 0
  const n = Number(value)
  return Number.isFinite(n) ? n : 0
}

export function formatInteger(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  return Math.round(value).toLocaleString('en-US')
}

/** Compact token counts for chart axes: 1.2K, 3.4M. */
export function formatCompact(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e9) return `${trimNumber(value / 1e9)}B`
  if (abs >= 1e6) return `${trimNumber(value / 1e6)}M`
  if (abs >= 1e3) return `${trimNumber(value / 1e3)}K`
  return trimNumber(value)
}

function trimNumber(value: number): string {
  return String(Number(value.toFixed(value < 10 && value > -10 ? 2 : 1)))
}

/** A fraction as a percentage: 0.0833 → `8.3%`. */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—'
  return `${(fraction * 100).toFixed(digits)}%`
}

/** A period-over-period change: 0.5 → `+50.0%`, -0.1 → `−10.0%`, null → `new`/`—`. */
export function formatChange(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—'
  if (fraction === 0) return '0.0%'
  const sign = fraction > 0 ? '+' : '−'
  return `${sign}${Math.abs(fraction * 100).toFixed(1)}%`
}

export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  return `${Math.round(ms)} ms`
}

/** `2026-11-23 16:00:05` in the given (default: the browser's) time zone. */
export function formatTimestamp(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(date)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`
}

/** `2026-11-23` in the given (default: the browser's) time zone. */
export function formatDate(iso: string | null | undefined, timeZone?: string): string {
  return iso ? formatTimestamp(iso, timeZone).slice(0, 10) : '—'
}

/** The exact sum of decimal strings, e.g. savings added up for a total. */
export function sumDecimals(values: string[]): string {
  return values.reduce((total, v) => {
    const parsed = parseDecimal(String(v))
    if (!parsed) throw new Error(`not a decimal: ${v}`)
    return total.plus(parsed)
  }, new D(0)).toFixed()
}

/** Orders decimal strings exactly: negative when a < b, 0 when equal, positive when a > b. */
export function compareDecimals(a: string, b: string): number {
  const pa = parseDecimal(String(a))
  const pb = parseDecimal(String(b))
  if (!pa || !pb) throw new Error(`not a decimal: ${pa ? b : a}`)
  return pa.comparedTo(pb)
}

/** Rounds a decimal string half away from zero to `places` decimals, exactly (for averages). */
export function roundDecimal(value: string, places: number): string {
  const parsed = parseDecimal(String(value))
  if (!parsed) throw new Error(`not a decimal: ${value}`)
  return parsed.toDecimalPlaces(places).toFixed()
}

/** An amount seen over `days` days, at that daily rate for 30 days, exactly (a decimal string). */
export function perMonth(amount: string, days: number): string {
  const parsed = parseDecimal(String(amount))
  if (!parsed) throw new Error(`not a decimal: ${amount}`)
  return parsed.times(30).dividedBy(new D(days)).toFixed()
}

/** a / b of two decimal strings as a number (a share for display). */
export function decimalRatio(a: string, b: string): number | null {
  const pa = parseDecimal(String(a))
  const pb = parseDecimal(String(b))
  if (!pa || !pb || pb.isZero()) return null
  return pa.dividedBy(pb).toNumber()
}

/** `1 request`, `5 requests`, `1,200 requests`. */
export function formatCount(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatInteger(n)} ${n === 1 ? singular : plural}`
}
