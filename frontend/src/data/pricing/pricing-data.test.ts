import { describe, expect, test } from 'vitest'
import { priceForm, priceRows, validatePriceForm } from './pricing-data'
import type { PricingRow } from '../types'

const price = (model: string, provider: string, input: string | null, output: string | null): PricingRow => ({
  model, provider, input_price: input, output_price: output, cached_input_price: null,
  cache_write_price: null, source: 'seed', last_updated: '2026-11-20T09:00:00+00:00',
})

describe('priceRows', () => {
  test.each([
    [price('gpt-4o-mini', 'openai', '0.00015', '0.0006'), ['$0.00015', '$0.0006', '$0.15', '$0.60']],
    [price('gpt-4o', 'openai', '0.0025', '0.01'), ['$0.0025', '$0.01', '$2.50', '$10.00']],
    [price('claude-haiku-4-5', 'anthropic', '0.001', '0.005'), ['$0.001', '$0.005', '$1.00', '$5.00']],
    [price('free-model', 'local', '0', '0'), ['$0.00', '$0.00', '$0.00', '$0.00']],
    [price('half', 'x', null, '0.002'), ['—', '$0.002', '—', '$2.00']],
  ])('%o', (row, expected) => {
    const [view] = priceRows([row], 'UTC')
    expect([view.inputPer1K, view.outputPer1K, view.inputPer1M, view.outputPer1M]).toEqual(expected)
    expect(view.lastUpdated).toBe('2026-11-20')
  })

  test('sorted by provider, then model', () => {
    const rows = priceRows([price('gpt-4o', 'openai', '1', '1'), price('claude', 'anthropic', '1', '1'), price('gpt-4', 'openai', '1', '1')])
    expect(rows.map((r) => r.model)).toEqual(['claude', 'gpt-4', 'gpt-4o'])
  })
})

describe('validatePriceForm', () => {
  test.each([
    [{ model: 'gpt-4o', unit: '1M', input: '2.50', output: '10' }, { input_price: '0.0025', output_price: '0.01' }],
    [{ model: 'gpt-4o-mini', unit: '1M', input: '0.15', output: '0.6' }, { input_price: '0.00015', output_price: '0.0006' }],
    [{ model: 'x', unit: '1K', input: '0.0025', output: '0.010' }, { input_price: '0.0025', output_price: '0.01' }],
    [{ model: ' x ', unit: '1M', input: '0', output: ' 3 ' }, { input_price: '0', output_price: '0.003' }],
  ] as const)('%o → %o', (form, update) => {
    expect(validatePriceForm({ ...form })).toEqual({ ok: true, update })
  })

  test.each([
    [{ model: '', unit: '1M', input: '1', output: '1' }, ['model']],
    [{ model: 'm', unit: '1M', input: '-1', output: '1' }, ['input']],
    [{ model: 'm', unit: '1M', input: '1', output: '1e-3' }, ['output']],
    [{ model: 'm', unit: '1K', input: '', output: 'abc' }, ['input', 'output']],
  ] as const)('%o is refused on %j', (form, fields) => {
    const result = validatePriceForm({ ...form })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(Object.keys(result.errors)).toEqual(fields)
  })
})

test('priceForm prefills per 1M from the per-1K row, or starts empty', () => {
  expect(priceForm('gpt-4o', price('gpt-4o', 'openai', '0.0025', '0.01'))).toEqual({ model: 'gpt-4o', unit: '1M', input: '2.5', output: '10' })
  expect(priceForm('new-model')).toEqual({ model: 'new-model', unit: '1M', input: '', output: '' })
})
