// The hosted build (VITE_SUPABASE_URL set) end to end in real Chromium. Only Supabase's own HTTP
// endpoints are stubbed (e2e/supabase_stub.py: GoTrue's /auth/v1 and PostgREST's /rest/v1, the
// latter running each call on the real Postgres as the JWT's role with its claims); the API is the
// real `tokenoptimizer serve` in hosted mode verifying the same JWTs, the SDK is the real one, and
// the dashboard is served from its own origin, as from a static host. docs/deploy.md says what the
// stub is and is not.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { launchBrowser, REPO, sendTraffic, startServer } from './harness.mjs'
import { screenshot, text, waitForText } from './page-helpers.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const SECRET = 'e2e-supabase-jwt-secret-at-least-32-characters-long'
const PASSWORD = 'correct horse battery'
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }

/** An HS256 JWT (the anon and service-role keys are such tokens, signed with the project's secret). */
function supabaseKey(role) {
  const script = 'import jwt,sys; print(jwt.encode({"role": sys.argv[1], "iss": "supabase"}, sys.argv[2], algorithm="HS256"))'
  return execFileSync(join(REPO, '.venv', 'bin', 'python'), ['-c', script, role, SECRET], { encoding: 'utf8' }).trim()
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
}

async function freePort() {
  const probe = createServer()
  const port = await listen(probe)
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** The built dashboard from its own origin, every unknown path answered with index.html (a static host's SPA fallback). */
function staticSite(dir, port) {
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname))
    const file = path.startsWith(dir) && existsSync(path) && statSync(path).isFile() ? path : join(dir, 'index.html')
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(res)
  })
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))
}

async function waitForStub(url, child) {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) throw new Error(`the Supabase stub exited with ${child.exitCode}`)
    try { if ((await fetch(`${url}/__outbox`)).ok) return } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('the Supabase stub did not start')
}

const outbox = async (stub) => (await fetch(`${stub}/__outbox`)).json()

describe('the hosted build against stubbed Supabase endpoints', () => {
  let server, stub, stubChild, site, browser, dist
  let dashboard

  before(async () => {
    const [stubPort, sitePort] = [await freePort(), await freePort()]
    stub = `http://127.0.0.1:${stubPort}`
    dashboard = `http://127.0.0.1:${sitePort}`
    server = await startServer({ env: {
      TOKENOPTIMIZER_MODE: 'hosted', TOKENOPTIMIZER_ADMIN_TOKEN: 'e2e-admin-token-hosted-0123456789',
      SUPABASE_JWT_SECRET: SECRET, SUPABASE_URL: stub, SUPABASE_SERVICE_ROLE_KEY: supabaseKey('service_role'),
      TOKENOPTIMIZER_DASHBOARD_URL: dashboard,
    } })
    stubChild = spawn(join(REPO, '.venv', 'bin', 'python'), [join(HERE, 'supabase_stub.py'), String(stubPort), server.databaseUrl, SECRET],
      { stdio: ['ignore', 'inherit', 'inherit'] })
    await waitForStub(stub, stubChild)
    dist = mkdtempSync(join(tmpdir(), 'to-hosted-dist-'))
    execFileSync('npx', ['vite', 'build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: join(HERE, '..'), stdio: 'inherit',
      env: { ...process.env, VITE_SUPABASE_URL: stub, VITE_SUPABASE_ANON_KEY: supabaseKey('anon'), VITE_TOKENOPTIMIZER_BASE_URL: server.url },
    })
    site = await staticSite(dist, sitePort)
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    site?.close()
    stubChild?.kill()
    await server?.stop()
    if (dist) rmSync(dist, { recursive: true, force: true })
  })

  test('sign up, sign in, magic link, keys, switcher, invitation, a viewer, export', async () => {
    const owner = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage()
    await owner.goto(`${dashboard}/`)
    await owner.getByTestId('sign-in').waitFor()
    await screenshot(owner, 'hosted-sign-in')

    // Sign up (Supabase Auth); a new account belongs to nothing, so it names its organisation.
    await owner.getByTestId('sign-in-toggle').click()
    await owner.getByTestId('sign-in-email').fill('owner@hosted.example')
    await owner.getByTestId('sign-in-password').fill(PASSWORD)
    await owner.getByTestId('sign-in-submit').click()
    await owner.getByTestId('organisation-name').fill('Acme')
    await owner.getByTestId('organisation-create').click()
    await owner.waitForURL((url) => url.searchParams.get('project'), { timeout: 20_000 })
    const prod = new URL(owner.url()).searchParams.get('project')
    await waitForText(owner.getByTestId('stat-requests-value'), '0', 20_000)

    // Sign out, then in with the password.
    await owner.getByTestId('sign-out').click()
    await owner.getByTestId('sign-in-email').fill('owner@hosted.example')
    await owner.getByTestId('sign-in-password').fill(PASSWORD + '!')
    await owner.getByTestId('sign-in-submit').click()
    assert.equal(await text(owner, 'sign-in-error'), 'Invalid login credentials')
    await owner.getByTestId('sign-in-password').fill(PASSWORD)
    await owner.getByTestId('sign-in-submit').click()
    await waitForText(owner.getByTestId('stat-requests-value'), '0', 20_000)

    // And with a magic link: the mail's link signs in and comes back to the dashboard.
    await owner.getByTestId('sign-out').click()
    await owner.getByTestId('sign-in-magic').click()
    await owner.getByTestId('sign-in-email').fill('owner@hosted.example')
    await owner.getByTestId('sign-in-submit').click()
    assert.match(await text(owner, 'sign-in-notice'), /^Check owner@hosted\.example/)
    const magic = (await outbox(stub)).filter((m) => m.kind === 'otp' && m.email === 'owner@hosted.example')
    assert.equal(magic.length, 1)
    assert.ok(magic[0].redirect_to.startsWith(dashboard), magic[0].redirect_to)
    await owner.goto(magic[0].link)
    await waitForText(owner.getByTestId('stat-requests-value'), '0', 20_000)
    assert.equal(new URL(owner.url()).searchParams.get('project'), prod)

    // A key, made by the API with the user's token: shown once with the SDK snippet, then listed by prefix.
    await owner.getByTestId('nav-team').click()
    await owner.getByTestId('key-name').fill('production')
    await owner.getByTestId('key-create').click()
    const key = await text(owner, 'key-raw')
    assert.match(key, /^to_[A-Za-z0-9_-]{43}$/)
    await owner.getByTestId('key-row-production').waitFor()
    assert.match(await text(owner, 'key-row-production'), new RegExp(`${key.slice(0, 10)}…`))
    await screenshot(owner, 'hosted-keys')
    const stats = sendTraffic({ ...server, apiKey: key }, [{ model: 'gpt-4o', endpoint: 'chat', prompt: 1000, completion: 100, latency_ms: 40, count: 5 }])
    assert.equal(stats.delivered, true)

    // A second project (insert under RLS), and the switcher between the two.
    await owner.getByTestId('project-name').fill('staging')
    await owner.getByTestId('project-create').click()
    await waitForText(owner.getByTestId('project-row-staging'), 'staging (open)', 20_000)
    await owner.getByTestId('key-name').fill('throwaway')
    await owner.getByTestId('key-create').click()
    await owner.getByTestId('key-revoke-throwaway').click()
    await owner.getByTestId('key-row-throwaway').getByText('revoked').waitFor()
    await owner.getByTestId('nav-overview').click()
    await waitForText(owner.getByTestId('stat-requests-value'), '0', 20_000)
    await owner.getByTestId('project-switcher').selectOption({ label: 'default' })
    await owner.waitForURL((url) => url.searchParams.get('project') === prod)
    await waitForText(owner.getByTestId('stat-requests-value'), '5', 20_000)
    await screenshot(owner, 'hosted-switcher')

    // An invitation: the API stores it as the owner and Supabase Auth (the stub) mails it.
    await owner.getByTestId('nav-team').click()
    await owner.getByTestId('invite-email').fill('viewer@hosted.example')
    await owner.getByTestId('invite-send').click()
    await owner.getByTestId('invite-emailed').waitFor()
    const invite = (await outbox(stub)).find((m) => m.kind === 'invite')
    assert.equal(invite.email, 'viewer@hosted.example')
    assert.ok(invite.redirect_to.startsWith(`${dashboard}/accept?token=`), invite.redirect_to)
    assert.ok((await text(owner, 'invite-link')).includes(invite.redirect_to))
    await screenshot(owner, 'hosted-members')

    // The viewer follows the mail's link: signed in by it, joins, reads the same numbers, edits nothing.
    const viewer = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage()
    await viewer.goto(invite.link)
    await viewer.getByTestId('accept-joined').waitFor({ timeout: 20_000 })
    assert.match(await text(viewer, 'accept-joined'), /^You joined Acme as viewer\./)
    await viewer.getByTestId('accept-open').click()
    await waitForText(viewer.getByTestId('stat-requests-value'), '5', 20_000)
    await viewer.getByTestId('nav-team').click()
    await viewer.getByTestId('keys-not-allowed').waitFor()
    await viewer.getByTestId('member-row-owner@hosted.example').waitFor()
    assert.equal(await viewer.getByTestId('invite-email').count(), 0)
    await viewer.getByTestId('nav-pricing').click()
    await viewer.getByTestId('pricing-row-gpt-4o').waitFor()
    assert.equal(await viewer.getByTestId('edit-price-gpt-4o').count(), 0)
    assert.equal(await viewer.getByTestId('add-model').count(), 0)
    // The owner sees the new member (after a reload: the list is not polled), then removes them.
    await owner.reload()
    await owner.getByTestId('member-row-viewer@hosted.example').waitFor()
    await owner.getByTestId('member-remove-viewer@hosted.example').click()
    await owner.getByTestId('member-row-viewer@hosted.example').waitFor({ state: 'detached' })
    await viewer.reload()
    await viewer.getByTestId('first-organisation').waitFor()  // removed: they belong to nothing now

    // Export: the API's streamed /api/export, with the filters, as the signed-in owner.
    await owner.goto(`${dashboard}/logs?project=${prod}&endpoint_name=chat&range=30d`)
    await owner.getByTestId('export-csv').waitFor()
    const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByTestId('export-csv').click()])
    const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/)
    assert.equal(csv.length, 6, csv.join('\n'))
    assert.ok(csv[0].startsWith('id,timestamp,model'))
    assert.ok(csv.slice(1).every((row) => row.includes(',gpt-4o,') && row.includes(',chat,')))
  })
})
