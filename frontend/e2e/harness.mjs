// Real pieces for the browser tests: a fresh Postgres database, `tokenoptimizer serve`
// (gunicorn, serving frontend/dist), the real Python SDK, and Debian Chromium.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const HERE = fileURLToPath(new URL('.', import.meta.url))
export const REPO = join(HERE, '..', '..')
const VENV_BIN = join(REPO, '.venv', 'bin')
const PG = { host: process.env.PGHOST ?? '127.0.0.1', port: process.env.PGPORT ?? '5432', user: process.env.PGUSER ?? 'postgres' }
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

const pgArgs = ['-h', PG.host, '-p', PG.port, '-U', PG.user]

async function waitForHealth(url, child, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tokenoptimizer serve exited with ${child.exitCode}`)
    try {
      const response = await fetch(`${url}/healthz`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`server at ${url} not healthy after ${timeoutMs} ms`)
}

/** A fresh database on the Postgres server at PGHOST/PGPORT, or null when none answers. */
function createDatabase(dbName) {
  try {
    execFileSync('createdb', [...pgArgs, dbName], { stdio: ['ignore', 'ignore', 'pipe'] })
    return `postgresql://${PG.user}@${PG.host}:${PG.port}/${dbName}`
  } catch (error) {
    console.error(`no Postgres server for a test database (${String(error.stderr ?? error.message).trim()}); using the embedded one`)
    return null
  }
}

/**
 * Starts `tokenoptimizer serve` on a fresh database (a new database on the local Postgres
 * server, else the embedded Postgres in a temporary data dir) and gets a project key.
 * Call `stop()` after: it stops the server and drops the database.
 */
export async function startServer({ env = {} } = {}) {
  const dbName = `to_e2e_${process.pid}_${Date.now()}`
  const databaseUrl = createDatabase(dbName)
  const dataDir = mkdtempSync(join(tmpdir(), 'to-e2e-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const log = []
  const dbArgs = databaseUrl ? ['--database-url', databaseUrl] : []
  const child = spawn(join(VENV_BIN, 'tokenoptimizer'), ['serve', ...dbArgs, '--port', String(port), '--data-dir', dataDir], {
    env: { ...process.env, TOKENOPTIMIZER_FRONTEND_DIR: join(HERE, '..', 'dist'), TOKENOPTIMIZER_PUBLIC_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  child.stdout.on('data', (d) => log.push(String(d)))
  child.stderr.on('data', (d) => log.push(String(d)))
  const stop = async () => {
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {
        // already gone
      }
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          try { process.kill(-child.pid, 'SIGKILL') } catch { /* gone */ }
          resolve()
        }, 10_000)
        child.once('exit', () => { clearTimeout(timer); resolve() })
      })
    }
    if (databaseUrl) {
      try {
        execFileSync('dropdb', [...pgArgs, '--if-exists', '--force', dbName])
      } catch (error) {
        console.error(`could not drop ${dbName}: ${error.message}`)
      }
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    await waitForHealth(url, child)
    const out = execFileSync(join(VENV_BIN, 'tokenoptimizer'), ['keys', 'create', ...dbArgs, '--data-dir', dataDir, '--name', 'e2e'], { encoding: 'utf8' })
    const apiKey = out.trim().split('\n').pop().trim()
    return { url, apiKey, databaseUrl, dbName, log, stop }
  } catch (error) {
    await stop()
    throw new Error(`${error.message}\n--- server log ---\n${log.join('')}`)
  }
}

/** Sends traffic through the real Python SDK and waits until it is delivered. */
export function sendTraffic(server, traffic) {
  const out = execFileSync(join(VENV_BIN, 'python'), [join(HERE, 'send_traffic.py'), server.apiKey, server.url], {
    input: JSON.stringify(traffic),
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: join(REPO, 'sdk') },
  })
  return JSON.parse(out.trim().split('\n').pop())
}

/** Debian Chromium; playwright's launch() gives it a fresh temporary profile every time. */
export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}
