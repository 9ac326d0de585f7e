import { describe, expect, test } from 'vitest'
import { FIRST_PAGE, currentCursor, logCells, logsToCsv, nextPage, pageNumber, previousPage } from './logs-data'
import type { LogRow } from '../types'

const row = (over: Partial<LogRow> = {}): LogRow => ({
  id: 'e1', timestamp: '2026-11-23T16:00:05+00:00', model: 'gpt-4o', provider: 'openai',
  endpoint_name: 'chat', latency_ms: 812, status: 'ok', error_type: null,
  prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, cached_tokens: 0,
  cache_write_tokens: 0, reasoning_tokens: 0, input_cost: '0.000025', output_cost: '0.000020',
  total_cost: '0.000045', priced: true, session_id: null, ...over,
})

describe('logCells', () => {
  test.each([
    [row(), ['2026-11-23 16:00:05', 'gpt-4o', 'chat', '812 ms', '10', '2', '$0.000045', 'ok']],
    [row({ priced: false, total_cost: null, input_cost: null, output_cost: null }), ['2026-11-23 16:00:05', 'gpt-4o', 'chat', '812 ms', '10', '2', 'unpriced', 'ok']],
    [row({ status: 'error', error_type: 'RateLimitError', prompt_tokens: 0, completion_tokens: 0, total_cost: '0' }), ['2026-11-23 16:00:05', 'gpt-4o', 'chat', '812 ms', '0', '0', '$0.00', 'error · RateLimitError']],
    [row({ latency_ms: null, prompt_tokens: 120000 }), ['2026-11-23 16:00:05', 'gpt-4o', 'chat', '—', '120,000', '2', '$0.000045', 'ok']],
  ])('row %#', (input, expected) => {
    const c = logCells(input, 'UTC')
    expect([c.timestamp, c.model, c.endpoint, c.latency, c.tokensIn, c.tokensOut, c.cost, c.status]).toEqual(expected)
  })
})

describe('logsToCsv', () => {
  test('header, verbatim costs, empty nulls, quoted specials', () => {
    const csv = logsToCsv([row(), row({ id: 'e2', endpoint_name: 'say "hi", please', priced: false, total_cost: null, input_cost: null, output_cost: null })])
    const lines = csv.trimEnd().split('\r\n')
    expect(lines[0].split(',').slice(0, 5)).toEqual(['id', 'timestamp', 'model', 'provider', 'endpoint_name'])
    expect(lines[1]).toBe('e1,2026-11-23T16:00:05+00:00,gpt-4o,openai,chat,ok,,812,10,2,12,0,0,0,0.000025,0.000020,0.000045,true,')
    expect(lines[2]).toContain('"say ""hi"", please"')
    expect(lines[2]).toContain(',,,,false,')
  })

  test.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`], ["+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"],
    ['-2+3', "'-2+3"], ['@SUM(1+1)', "'@SUM(1+1)"], ['\tx', "'\tx"], ['a=b', 'a=b'],
  ])('formula %j is defused as %s', (model, cell) => {
    expect(logsToCsv([row({ model })]).split('\r\n')[1].split(',')[2]).toBe(cell)
  })

  test('no rows is just the header', () => {
    expect(logsToCsv([]).split('\r\n').filter(Boolean)).toHaveLength(1)
  })
})

describe('page stack', () => {
  test.each([
    [[], null, 1],
    [['c1'], 'c1', 2],
    [['c1', 'c2'], 'c2', 3],
    [['c1', null], 'c1', 2],
  ])('following %j ends on cursor %j, page %i', (nexts, cursor, page) => {
    const stack = nexts.reduce((s, n) => nextPage(s, n), FIRST_PAGE)
    expect([currentCursor(stack), pageNumber(stack)]).toEqual([cursor, page])
  })

  test('previous goes back one page and stops at the first', () => {
    const stack = nextPage(nextPage(FIRST_PAGE, 'c1'), 'c2')
    expect(currentCursor(previousPage(stack))).toBe('c1')
    expect(previousPage(FIRST_PAGE)).toBe(FIRST_PAGE)
  })
})
