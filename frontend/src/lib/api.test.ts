import { describe, expect, test } from 'vitest'
import { ApiError, apiUrl, csrfHeader, parseApiError } from './api'

describe('parseApiError', () => {
  test.each([
    [400, { error: { code: 'invalid_price', message: 'input_price must be ≥ 0', details: [{ field: 'input_price', message: 'must be ≥ 0' }] } },
      ['invalid_price', 'input_price must be ≥ 0', [{ field: 'input_price', message: 'must be ≥ 0' }]]],
    [401, { error: { code: 'unauthorized', message: 'admin access required' } }, ['unauthorized', 'admin access required', []]],
    [502, null, ['http_error', 'Bad Gateway', []]],
    [500, { detail: 'not our shape' }, ['http_error', 'Bad Gateway', []]],
    [404, { error: { message: 'no such model', details: 'oops' } }, ['error', 'no such model', []]],
  ])('%i %j', (status, body, [code, message, details]) => {
    const error = parseApiError(status, body, 'Bad Gateway')
    expect(error).toBeInstanceOf(ApiError)
    expect([error.status, error.code, error.message, error.details]).toEqual([status, code, message, details])
  })
})

describe('apiUrl', () => {
  test.each([
    ['/api/logs', {}, '/api/logs'],
    ['/api/logs', { model: 'gpt-4o', cursor: null, status: undefined, endpoint_name: '' }, '/api/logs?model=gpt-4o'],
    ['/api/dashboard', { from: '2026-11-23T00:00:00.000Z', endpoint_name: 'a b&c' }, '/api/dashboard?from=2026-11-23T00%3A00%3A00.000Z&endpoint_name=a+b%26c'],
    ['/api/logs', { limit: 50 }, '/api/logs?limit=50'],
  ])('%s %j', (path, query, expected) => {
    expect(apiUrl(path, query)).toBe(expected)
  })
})

describe('csrfHeader', () => {
  test.each([
    ['POST', 'to_session=abc; to_csrf=t%2Bk', { 'X-CSRF-Token': 't+k' }],
    ['delete', 'to_csrf=xyz', { 'X-CSRF-Token': 'xyz' }],
    ['GET', 'to_csrf=xyz', {}],
    ['PUT', 'other=1; not_to_csrf=no', {}],
    ['POST', '', {}],
  ])('%s %s', (method, cookie, expected) => {
    expect(csrfHeader(method, cookie)).toEqual(expected)
  })
})
