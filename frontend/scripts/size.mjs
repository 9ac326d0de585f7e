// Prints the gzip size of every JS asset in dist/ and the total, and fails above the budget
// (issue 4: production bundle ≤ 300 KB gzip). Run after `npm run build`; an argument names
// another build directory (e.g. a supabase build: `npm run size -- /tmp/sb-dist`).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const BUDGET_KB = 300
const dir = process.argv[2] ? join(process.argv[2], 'assets') : new URL('../dist/assets/', import.meta.url).pathname
const files = readdirSync(dir).filter((name) => name.endsWith('.js'))
let total = 0
for (const name of files.sort()) {
  const bytes = gzipSync(readFileSync(join(dir, name)), { level: 9 }).length
  total += bytes
  console.log(`${(bytes / 1024).toFixed(1).padStart(8)} KB  ${name}`)
}
console.log(`${(total / 1024).toFixed(1).padStart(8)} KB  total JS (gzip), budget ${BUDGET_KB} KB`)
if (total / 1024 > BUDGET_KB) {
  console.error('over budget')
  process.exit(1)
}
