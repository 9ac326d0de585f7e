import { describe, expect, test } from 'vitest'
import { currentPlace, type Me } from './team-queries'

const me: Me = {
  user: { id: 'u', email: 'a@x.example' }, platform_admin: false,
  organisations: [
    { id: 'o1', name: 'Empty', role: 'owner', projects: [] },
    { id: 'o2', name: 'Acme', role: 'viewer', projects: [{ id: 'p1', name: 'prod' }, { id: 'p2', name: 'dev' }] },
  ],
}

describe('currentPlace', () => {
  test.each([
    ['p2', 'o2', 'p2'],
    [null, 'o2', 'p1'],
    ['p-not-mine', 'o2', null],
  ])('project %s', (project, organisation, expected) => {
    const place = currentPlace(me, project)
    expect([place.organisation?.id, place.project?.id ?? null]).toEqual([organisation, expected])
  })
  test('no organisations', () => {
    expect(currentPlace(undefined, null)).toEqual({ organisation: null, project: null })
  })
})
