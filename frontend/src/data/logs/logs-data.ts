// Logs table rows and CSV. Keyset pagination keeps a stack of the cursors that led to each
// page, so "Previous" goes back exactly and "Next" uses the server's opaque `next`.
import { formatCost, formatInteger, formatLatency, formatTimestamp } from '../format-data'
import type { LogRow } from '../types'

export interface LogCells {
  id: string
  timestamp: string
  model: string
  endpoint: string
  latency: string
  tokensIn: string
  tokensOut: string
  cost: string
  priced: boolean
  status: string
  isError: boolean
}

export function logCells(row: LogRow, timeZone?: string): LogCells {
  return {
    id: row.id,
    timestamp: formatTimestamp(row.timestamp, timeZone),
    model: row.model,
    endpoint: row.endpoint_name,
    latency: formatLatency(row.latency_ms),
    tokensIn: formatInteger(row.prompt_tokens),
    tokensOut: formatInteger(row.completion_tokens),
    cost: row.priced && row.total_cost !== null ? formatCost(row.total_cost) : 'unpriced',
    priced: row.priced && row.total_cost !== null,
    status: row.status === 'error' && row.error_type ? `error · ${row.error_type}` : row.status,
    isError: row.status === 'error',
  }
}

const CSV_COLUMNS: (keyof LogRow)[] = [
  'id', 'timestamp', 'model', 'provider', 'endpoint_name', 'status', 'error_type', 'latency_ms',
  'prompt_tokens', 'completion_tokens', 'total_tokens', 'cached_tokens', 'cache_write_tokens',
  'reasoning_tokens', 'input_cost', 'output_cost', 'total_cost', 'priced', 'session_id',
]

// OWASP: a spreadsheet runs a cell starting with one of these as a formula (same rule as the server).
const FORMULA_START = /^[=+\-@\t\r]/

function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** RFC 4180 CSV with the same columns as `/api/export?format=csv` (costs verbatim). */
export function logsToCsv(rows: LogRow[]): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const row of rows) lines.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(','))
  return lines.join('\r\n') + '\r\n'
}

/** Cursors of the pages before the current one; `null` is the first page. */
export interface PageStack {
  cursors: (string | null)[]
}

export const FIRST_PAGE: PageStack = { cursors: [null] }

export function currentCursor(stack: PageStack): string | null {
  return stack.cursors[stack.cursors.length - 1]
}

export function nextPage(stack: PageStack, next: string | null): PageStack {
  return next ? { cursors: [...stack.cursors, next] } : stack
}

export function previousPage(stack: PageStack): PageStack {
  return stack.cursors.length > 1 ? { cursors: stack.cursors.slice(0, -1) } : stack
}

export function pageNumber(stack: PageStack): number {
  return stack.cursors.length
}
