import { describe, expect, test } from 'vitest'
import {
  bucketFor, filtersKey, filtersToSearch, hasNarrowingFilters, parseFilters, readParams,
  resolveWindow,
} from './filters-data'

const parse = (qs: string) => parseFilters(new URLSearchParams(qs))

describe('parseFilters', () => {
  test.each([
    ['', '7d', null, null],
    ['range=24h', '24h', null, null],
    ['range=30d', '30d', null, null],
    ['range=bogus', '7d', null, null],
    ['range=custom&from=2026-11-01&to=2026-11-05', 'custom', '2026-11-01', '2026-11-05'],
    ['range=custom&from=2026-11-05&to=2026-11-01', 'custom', '2026-11-01', '2026-11-05'],
    ['range=custom&from=2026-11-01', '7d', null, null],
    ['range=custom&from=yesterday&to=2026-11-05', '7d', null, null],
    ['range=24h&from=2026-11-01&to=2026-11-05', '24h', null, null],
  ])('%j → range %s from %s to %s', (qs, range, from, to) => {
    const filters = parse(qs)
    expect([filters.range, filters.from, filters.to]).toEqual([range, from, to])
  })

  test.each([
    ['model=gpt-4o&endpoint_name=chat&provider=openai&status=error', { model: 'gpt-4o', endpoint_name: 'chat', provider: 'openai', status: 'error' }],
    ['status=weird&model=%20', { model: null, endpoint_name: null, provider: null, status: null }],
    ['endpoint_name=summarize%20docs', { model: null, endpoint_name: 'summarize docs', provider: null, status: null }],
  ])('%j → %j', (qs, expected) => {
    const { model, endpoint_name, provider, status } = parse(qs)
    expect({ model, endpoint_name, provider, status }).toEqual(expected)
  })
})

describe('filtersToSearch', () => {
  test.each([
    ['', ''],
    ['range=24h', 'range=24h'],
    ['range=7d&model=gpt-4o', 'model=gpt-4o'],
    ['range=custom&from=2026-11-01&to=2026-11-05&endpoint_name=chat', 'range=custom&from=2026-11-01&to=2026-11-05&endpoint_name=chat'],
    ['status=ok&project=p1', 'project=p1&status=ok'],
  ])('round trip %j → %j', (qs, expected) => {
    expect(filtersToSearch(parse(qs)).toString()).toBe(expected)
  })
})

describe('resolveWindow', () => {
  const now = new Date('2026-11-23T16:00:00.000Z')
  test.each([
    ['range=24h', '2026-11-22T16:00:00.000Z'],
    ['', '2026-11-16T16:00:00.000Z'],
    ['range=30d', '2026-10-24T16:00:00.000Z'],
  ])('%j starts at %s and ends now', (qs, from) => {
    expect(resolveWindow(parse(qs), now)).toEqual({ from, to: now.toISOString() })
  })

  test('a custom range covers whole local days, the last one included', () => {
    const window = resolveWindow(parse('range=custom&from=2026-11-01&to=2026-11-05'), now)
    const from = new Date(window.from)
    const to = new Date(window.to)
    expect([from.getDate(), from.getHours(), to.getDate(), to.getHours()]).toEqual([1, 0, 6, 0])
  })
})

describe('bucketFor', () => {
  test.each([
    ['2026-11-22T16:00:00Z', '2026-11-23T16:00:00Z', 'hour'],
    ['2026-11-16T16:00:00Z', '2026-11-23T16:00:00Z', 'hour'],
    ['2026-10-24T16:00:00Z', '2026-11-23T16:00:00Z', 'day'],
  ])('%s → %s is by %s', (from, to, bucket) => {
    expect(bucketFor({ from, to })).toBe(bucket)
  })
})

describe('query keys and params', () => {
  test('the key does not move with time; the params do', () => {
    const filters = parse('range=24h&model=gpt-4o')
    expect(filtersKey(filters)).toEqual(filtersKey(parse('model=gpt-4o&range=24h')))
    const a = readParams(filters, new Date('2026-11-23T16:00:00Z'))
    const b = readParams(filters, new Date('2026-11-23T16:00:03Z'))
    expect(a.to).not.toBe(b.to)
    expect(a.model).toBe('gpt-4o')
  })

  test.each([
    ['', false], ['range=24h', false], ['model=x', true], ['status=error', true], ['endpoint_name=chat', true],
  ])('hasNarrowingFilters(%j) = %s', (qs, expected) => {
    expect(hasNarrowingFilters(parse(qs))).toBe(expected)
  })
})
