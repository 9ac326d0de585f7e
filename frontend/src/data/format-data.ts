// Display formatting. Money arrives as decimal strings and is formatted by string arithmetic,
// never through floats, so `"0.004150"` shows as `$0.004150` and prices per 1M are exact.
import type { Money } from './types'

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/

interface ParsedDecimal {
  negative: boolean
  whole: string
  fraction: string
}

function parseDecimal(value: string): ParsedDecimal | null {
  const match = DECIMAL.exec(value.trim())
  if (!match) return null
  const whole = match[2].replace(/^0+(?=\d)/, '')
  return { negative: match[1] === '-', whole, fraction: match[3] ?? '' }
}

function groupThousands(whole: string): string {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** True for a non-negative plain decimal such as `0.0025` (what a price field accepts). */
export function isDecimal(value: string): boolean {
  const parsed = parseDecimal(value)
  return parsed !== null && !parsed.negative
}

/** Multiplies a decimal string by 10^places exactly (places may be negative). */
export function shiftDecimal(value: string, places: number): string {
  const parsed = parseDecimal(value)
  if (!parsed) throw new Error(`not a decimal: ${value}`)
  let digits = parsed.whole + parsed.fraction
  let point = parsed.whole.length + places
  if (point < 0) {
    digits = '0'.repeat(-point) + digits
    point = 0
  }
  if (point > digits.length) digits = digits + '0'.repeat(point - digits.length)
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0'
  const fraction = digits.slice(point).replace(/0+$/, '')
  const sign = parsed.negative && /[1-9]/.test(digits) ? '-' : ''
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`
}

/**
 * `$` + the exact decimal. Trailing zeros beyond what is needed are dropped, but amounts under
 * $1 keep at least 6 decimals (LLM requests cost fractions of a cent) and others at least 2.
 */
export function formatCost(value: Money): string {
  if (value === null || value === undefined) return '—'
  const parsed = parseDecimal(String(value))
  if (!parsed) return String(value)
  const minDecimals = parsed.whole === '0' ? 6 : 2
  let fraction = parsed.fraction.replace(/0+$/, '')
  if (fraction.length < minDecimals) fraction = fraction.padEnd(minDecimals, '0')
  const isZero = !/[1-9]/.test(parsed.whole + parsed.fraction)
  const sign = parsed.negative && !isZero ? '-' : ''
  return `${sign}$${groupThousands(parsed.whole)}.${fraction}`
}

/** A price (USD per 1K or per 1M tokens) as `$` + the exact decimal, at least 2 decimals. */
export function formatPrice(value: Money): string {
  if (value === null || value === undefined) return '—'
  const parsed = parseDecimal(String(value))
  if (!parsed) return String(value)
  const fraction = parsed.fraction.replace(/0+$/, '').padEnd(2, '0')
  return `$${groupThousands(parsed.whole)}.${fraction}`
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

/** The exact sum of decimal strings (BigInt on the digits), e.g. savings added up for a total. */
export function sumDecimals(values: string[]): string {
  const parsed = values.map((v) => {
    const p = parseDecimal(String(v))
    if (!p) throw new Error(`not a decimal: ${v}`)
    return p
  })
  const places = Math.max(0, ...parsed.map((p) => p.fraction.length))
  let total = 0n
  for (const p of parsed) {
    const digits = BigInt(p.whole + p.fraction.padEnd(places, '0'))
    total += p.negative ? -digits : digits
  }
  const negative = total < 0n
  const abs = (negative ? -total : total).toString().padStart(places + 1, '0')
  const whole = abs.slice(0, abs.length - places)
  const fraction = abs.slice(abs.length - places).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

/** Orders decimal strings exactly: negative when a < b, 0 when equal, positive when a > b. */
export function compareDecimals(a: string, b: string): number {
  const difference = sumDecimals([a, String(b).trim().startsWith('-') ? String(b).trim().slice(1) : `-${String(b).trim()}`])
  if (!/[1-9]/.test(difference)) return 0
  return difference.startsWith('-') ? -1 : 1
}

/** Rounds a decimal string half away from zero to `places` decimals, exactly (for averages). */
export function roundDecimal(value: string, places: number): string {
  const parsed = parseDecimal(String(value))
  if (!parsed) throw new Error(`not a decimal: ${value}`)
  if (parsed.fraction.length <= places) return shiftDecimal(String(value), 0)
  const kept = BigInt(parsed.whole + parsed.fraction.slice(0, places))
  const roundUp = Number(parsed.fraction[places]) >= 5
  const digits = (kept + (roundUp ? 1n : 0n)).toString().padStart(places + 1, '0')
  const rounded = places > 0 ? `${digits.slice(0, -places)}.${digits.slice(-places)}` : digits
  return shiftDecimal(parsed.negative ? `-${rounded}` : rounded, 0)
}

/** a / b of two decimal strings as a number (a share for display), from exact integers. */
export function decimalRatio(a: string, b: string): number | null {
  const pa = parseDecimal(String(a))
  const pb = parseDecimal(String(b))
  if (!pa || !pb) return null
  const places = Math.max(pa.fraction.length, pb.fraction.length)
  const ia = BigInt(pa.whole + pa.fraction.padEnd(places, '0')) * (pa.negative ? -1n : 1n)
  const ib = BigInt(pb.whole + pb.fraction.padEnd(places, '0')) * (pb.negative ? -1n : 1n)
  if (ib === 0n) return null
  return Number((ia * 1_000_000_000n) / ib) / 1e9
}

/** `1 request`, `5 requests`, `1,200 requests`. */
export function formatCount(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatInteger(n)} ${n === 1 ? singular : plural}`
}
