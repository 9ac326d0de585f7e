import { describe, expect, test } from 'vitest'
import {
  formatChange, formatCompact, formatCost, formatDate, formatInteger, formatLatency,
  formatPercent, formatPrice, formatTimestamp, isDecimal, moneyToNumber, pricePerMillion,
  shiftDecimal, sumDecimals, compareDecimals, roundDecimal, decimalRatio, formatCount, formatMoneyExact, moneyText,
} from './format-data'

describe('formatCost: cents, or 3 significant digits under a cent', () => {
  test.each([
    ['0.004150', '$0.00415'],
    ['0.00415', '$0.00415'],
    ['0.0041549', '$0.00415'],
    ['0.0041551', '$0.00416'],
    ['0.000000125', '$0.000000125'],
    ['0.0000001234567', '$0.000000123'],
    ['0.00999', '$0.00999'],
    ['0.009999', '$0.01'],
    ['0', '$0.00'],
    ['0.000000', '$0.00'],
    ['12.5', '$12.50'],
    ['12.345678', '$12.35'],
    ['21.81896520', '$21.82'],
    ['1.67177217', '$1.67'],
    ['1234567.1', '$1,234,567.10'],
    ['007.10', '$7.10'],
    ['-0.25', '-$0.25'],
    ['-0.004', '-$0.004'],
    ['0.1 ', '$0.10'],
    ['0.005', '$0.005'],
    ['0.015', '$0.02'],
  ])('%j → %s', (input, expected) => {
    expect(formatCost(input)).toBe(expected)
  })

  test('unknown cost is a dash, never $0', () => {
    expect(formatCost(null)).toBe('—')
  })
})

describe('formatMoneyExact and moneyText: every digit, for hovers', () => {
  test.each([
    ['21.81896520', '$21.8189652'],
    ['0.004150', '$0.00415'],
    ['1234567.123456789012', '$1,234,567.123456789012'],
    ['0', '$0.00'],
    ['3', '$3.00'],
  ])('%j → %s', (input, expected) => {
    expect(formatMoneyExact(input)).toBe(expected)
  })

  test('the exact figure is offered only when rounding changed the text', () => {
    expect(moneyText('21.81896520')).toEqual({ text: '$21.82', exact: '$21.8189652' })
    expect(moneyText('12.5')).toEqual({ text: '$12.50' })
    expect(moneyText(null)).toEqual({ text: '—' })
  })
})

describe('shiftDecimal', () => {
  test.each([
    ['0.00015', 3, '0.15'],
    ['0.0025', 3, '2.5'],
    ['0.01', 3, '10'],
    ['3', 3, '3000'],
    ['1.23456', 2, '123.456'],
    ['0.15', -3, '0.00015'],
    ['2.5', -3, '0.0025'],
    ['1500', -3, '1.5'],
    ['0', 3, '0'],
    ['0.000', 3, '0'],
  ])('%s × 10^%i = %s', (input, places, expected) => {
    expect(shiftDecimal(input, places)).toBe(expected)
  })

  test('rejects a non-decimal', () => {
    expect(() => shiftDecimal('1e-3', 3)).toThrow()
  })
})

describe('prices', () => {
  test.each([
    ['0.00015', '$0.00015', '$0.15'],
    ['0.0006', '$0.0006', '$0.60'],
    ['0.0025', '$0.0025', '$2.50'],
    ['0.01', '$0.01', '$10.00'],
    ['0.001000', '$0.001', '$1.00'],
    ['0.005', '$0.005', '$5.00'],
    ['15', '$15.00', '$15,000.00'],
  ])('%s per 1K → %s per 1K, %s per 1M', (perK, shownK, shownM) => {
    expect(formatPrice(perK)).toBe(shownK)
    expect(formatPrice(pricePerMillion(perK))).toBe(shownM)
  })

  test('no price stays unknown', () => {
    expect(pricePerMillion(null)).toBeNull()
    expect(formatPrice(null)).toBe('—')
  })

  test.each([
    ['0.0025', true], ['3', true], ['0', true], ['.5', false], ['-1', false], ['1e-3', false], ['', false], ['abc', false],
  ])('isDecimal(%j) = %s', (input, expected) => {
    expect(isDecimal(input)).toBe(expected)
  })
})

describe('numbers', () => {
  test.each([
    [1540, '1,540'], [0, '0'], [1234567, '1,234,567'], [null, '—'],
  ])('formatInteger(%j) = %s', (input, expected) => {
    expect(formatInteger(input)).toBe(expected)
  })

  test.each([
    [0, '0'], [950, '950'], [1500, '1.5K'], [2_000_000, '2M'], [3_450_000_000, '3.45B'], [12_345, '12.3K'],
  ])('formatCompact(%j) = %s', (input, expected) => {
    expect(formatCompact(input)).toBe(expected)
  })

  test.each([
    [0.0833, '8.3%'], [0, '0.0%'], [1, '100.0%'], [null, '—'],
  ])('formatPercent(%j) = %s', (input, expected) => {
    expect(formatPercent(input)).toBe(expected)
  })

  test.each([
    [0.5, '+50.0%'], [-0.1, '−10.0%'], [0, '0.0%'], [null, '—'], [undefined, '—'],
  ])('formatChange(%j) = %s', (input, expected) => {
    expect(formatChange(input)).toBe(expected)
  })

  test.each([
    [812.5, '813 ms'], [0, '0 ms'], [1900, '1.90 s'], [null, '—'],
  ])('formatLatency(%j) = %s', (input, expected) => {
    expect(formatLatency(input)).toBe(expected)
  })

  test.each([
    ['0.25', 0.25], [null, 0], ['x', 0],
  ])('moneyToNumber(%j) = %s', (input, expected) => {
    expect(moneyToNumber(input)).toBe(expected)
  })
})

describe('dates', () => {
  test.each([
    ['2026-11-23T16:00:05+00:00', 'UTC', '2026-11-23 16:00:05'],
    ['2026-11-23T16:00:05+00:00', 'America/New_York', '2026-11-23 11:00:05'],
    ['2026-11-23T23:59:59.999Z', 'UTC', '2026-11-23 23:59:59'],
    ['2026-11-23T00:30:00Z', 'UTC', '2026-11-23 00:30:00'],
  ])('formatTimestamp(%s, %s) = %s', (iso, zone, expected) => {
    expect(formatTimestamp(iso, zone)).toBe(expected)
  })

  test('formatDate keeps the day', () => {
    expect(formatDate('2026-11-23T16:00:05+00:00', 'UTC')).toBe('2026-11-23')
    expect(formatDate(null)).toBe('—')
  })
})

describe('sumDecimals', () => {
  test.each([
    [['0.0008', '0.0012'], '0.002'],
    [['0.1', '0.2'], '0.3'],
    [['12.34', '0.000001', '100'], '112.340001'],
    [['0.000000000001', '0.000000000002'], '0.000000000003'],
    [['1.5', '-0.5'], '1'],
    [['-0.25', '0.1'], '-0.15'],
    [[], '0'],
    [['007.50'], '7.5'],
  ])('sumDecimals(%j) = %s', (values, expected) => {
    expect(sumDecimals(values)).toBe(expected)
  })
})

describe('compareDecimals', () => {
  test.each([
    ['0.0008', '0.0012', -1], ['12.34', '9.999999', 1], ['0.10', '0.1', 0], ['-1', '0', -1], ['0', '-0.5', 1], ['-0', '0', 0],
  ])('compareDecimals(%s, %s) = %i', (a, b, expected) => {
    expect(compareDecimals(a, b)).toBe(expected)
  })
})

describe('roundDecimal', () => {
  test.each([
    ['0.005108947368', 6, '0.005109'], ['0.0051084', 6, '0.005108'], ['0.0000005', 6, '0.000001'],
    ['0.00093', 6, '0.00093'], ['0.9999996', 6, '1'], ['12.345', 2, '12.35'], ['-0.125', 2, '-0.13'], ['7', 2, '7'],
  ])('roundDecimal(%s, %i) = %s', (value, places, expected) => {
    expect(roundDecimal(value, places)).toBe(expected)
  })
})

describe('decimalRatio', () => {
  test.each([
    ['0.019490', '0.097070', 0.200783], ['0.0125', '0.0625', 0.2], ['1', '3', 0.333333], ['0.1', '0', null], ['x', '1', null],
  ])('decimalRatio(%s, %s) ≈ %s', (a, b, expected) => {
    const ratio = decimalRatio(a, b)
    if (expected === null) expect(ratio).toBeNull()
    else expect(ratio).toBeCloseTo(expected, 6)
  })
})

describe('formatCount', () => {
  test.each([[1, 'request', '1 request'], [0, 'request', '0 requests'], [1200, 'turn', '1,200 turns']])('%i %s → %s', (n, word, expected) => {
    expect(formatCount(n, word)).toBe(expected)
  })
})
