// Types of scripts/api-types.mjs for the test that imports it (src/data/api-types.test.ts).
export function compare(): Promise<{ committed: string; fresh: string }>
