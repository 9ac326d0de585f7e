import { describe, expect, test } from 'vitest'
import { ApiError } from '../../lib/api'
import { type Send, callEquivalences, choices, equivalenceViews, fieldErrors, formInput } from './equivalences-data'

const row = { id: 'e1', model: 'claude-opus-4-5', candidate_model: 'claude-haiku-4-5', endpoint_name: null,
  note: null, created_at: '2026-12-04T12:00:00+00:00' }

/** A Send that records what it was asked and answers the map. */
function recorder() {
  const calls: { path: string; method: string; body?: unknown }[] = []
  const send: Send = async (path, init) => {
    calls.push({ path, method: init?.method ?? 'GET', body: init?.body ? JSON.parse(String(init.body)) : undefined })
    return new Response(JSON.stringify({ equivalences: [row] }), { status: init?.method === 'POST' ? 201 : 200 })
  }
  return { calls, send }
}

describe('callEquivalences', () => {
  test('an add posts the body to the project, then reads the map', async () => {
    const { calls, send } = recorder()
    const rows = await callEquivalences(send, 'p 1', { add: formInput({ model: ' a ', candidate_model: 'b', endpoint_name: '  ' }) })
    expect(calls).toEqual([
      { path: '/api/optimization/equivalences?project=p+1', method: 'POST', body: { model: 'a', candidate_model: 'b', endpoint_name: null } },
      { path: '/api/optimization/equivalences?project=p+1', method: 'GET', body: undefined },
    ])
    expect(rows).toEqual([row])
  })

  test('a removal deletes by id; no project (local mode) leaves the query out', async () => {
    const { calls, send } = recorder()
    await callEquivalences(send, null, { remove: 'a/b' })
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'DELETE /api/optimization/equivalences/a%2Fb', 'GET /api/optimization/equivalences'])
  })
})

describe('fieldErrors', () => {
  test('details go under their field, others under the form', () => {
    const error = new ApiError(400, 'invalid_field', 'bad', [
      { field: 'candidate_model', message: 'too short' }, { field: 'body', message: 'candidate_model must differ from model' }])
    expect(fieldErrors(error)).toEqual({ candidate_model: 'too short', form: 'candidate_model must differ from model' })
  })

  test('a duplicate is the candidate\'s error; a bare error is the form\'s', () => {
    expect(fieldErrors(new ApiError(409, 'duplicate', 'b is already mapped for a there'))).toEqual({ candidate_model: 'b is already mapped for a there' })
    expect(fieldErrors(new ApiError(403, 'forbidden', 'admins only'))).toEqual({ form: 'admins only' })
    expect(fieldErrors(null)).toEqual({})
  })
})

test('views say "all endpoints" for a null endpoint, and choices are distinct and sorted', () => {
  const [view] = equivalenceViews([row])
  expect(view.endpoint).toBe('all endpoints')
  expect(equivalenceViews([{ ...row, endpoint_name: 'chat' }])[0].endpoint).toBe('chat')
  expect(view.added).toMatch(/^added 2026-12-0[45]$/)
  expect(choices(['b', null, 'a', 'b', ' '])).toEqual(['a', 'b'])
})
