import { expect, test } from 'vitest'
import { compare } from '../../scripts/api-types.mjs'

// The committed api-types.gen.ts must be what the server's current /api/openapi.json generates:
// a server answer model changed without regenerating fails here (and `npm run typecheck`).
test('api-types.gen.ts matches the server document', async () => {
  const { committed, fresh } = await compare()
  expect(committed.length).toBeGreaterThan(1000)
  expect(committed).toBe(fresh)
}, 60_000)
