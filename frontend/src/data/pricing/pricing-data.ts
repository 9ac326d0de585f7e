// Pricing table rows (per 1K as stored, per 1M derived exactly) and the edit form's checks.
import { formatDate, formatPrice, isDecimal, pricePerMillion, shiftDecimal } from '../format-data'
import type { PriceUpdate, PricingRow } from '../types'

export interface PriceRowView {
  model: string
  provider: string
  inputPer1K: string
  outputPer1K: string
  inputPer1M: string
  outputPer1M: string
  cachedPer1M: string
  lastUpdated: string
  source: string
}

export function priceRows(models: PricingRow[], timeZone?: string): PriceRowView[] {
  return [...models]
    .sort((a, b) => (a.provider ?? '').localeCompare(b.provider ?? '') || a.model.localeCompare(b.model))
    .map((m) => ({
      model: m.model,
      provider: m.provider ?? '—',
      inputPer1K: formatPrice(m.input_price),
      outputPer1K: formatPrice(m.output_price),
      inputPer1M: formatPrice(pricePerMillion(m.input_price)),
      outputPer1M: formatPrice(pricePerMillion(m.output_price)),
      cachedPer1M: formatPrice(pricePerMillion(m.cached_input_price)),
      lastUpdated: formatDate(m.last_updated, timeZone),
      source: m.source ?? '—',
    }))
}

export type PriceUnit = '1K' | '1M'

export interface PriceForm {
  model: string
  unit: PriceUnit
  input: string
  output: string
}

/** A form prefilled from a row (per 1M, the unit provider price pages use), or empty. */
export function priceForm(model: string, row?: PricingRow | null): PriceForm {
  return {
    model,
    unit: '1M',
    input: pricePerMillion(row?.input_price ?? null) ?? '',
    output: pricePerMillion(row?.output_price ?? null) ?? '',
  }
}

export type PriceFormResult =
  | { ok: true; update: PriceUpdate }
  | { ok: false; errors: Partial<Record<'model' | 'input' | 'output', string>> }

/** Checks the form and converts to the API's unit (USD per 1K tokens), exactly. */
export function validatePriceForm(form: PriceForm): PriceFormResult {
  const errors: Partial<Record<'model' | 'input' | 'output', string>> = {}
  const model = form.model.trim()
  if (!model) errors.model = 'Model is required'
  else if (model.length > 200) errors.model = 'At most 200 characters'
  const input = form.input.trim()
  const output = form.output.trim()
  if (!isDecimal(input)) errors.input = 'Enter a price such as 2.50'
  if (!isDecimal(output)) errors.output = 'Enter a price such as 10.00'
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  const toPerK = (value: string) => (form.unit === '1M' ? shiftDecimal(value, -3) : shiftDecimal(value, 0))
  return { ok: true, update: { input_price: toPerK(input), output_price: toPerK(output) } }
}
