// Self-hosted teams end to end in real Chromium against the real stack (gunicorn, Postgres, the
// SDK): the owner signs up, creates a key on the Team page (shown once), sends events with it
// through the real SDK, invites a teammate; the teammate signs up from the accept link, reads the
// same numbers, and is refused what a viewer may not do: managing keys, editing prices.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { launchBrowser, sendTraffic, startServer } from './harness.mjs'
import { screenshot, text, waitForText } from './page-helpers.mjs'

const PASSWORD = 'correct horse battery'

async function signUp(page, url, email) {
  await page.goto(url)
  await page.getByTestId('sign-in-toggle').click()
  await page.getByTestId('sign-in-email').fill(email)
  await page.getByTestId('sign-in-password').fill(PASSWORD)
  await page.getByTestId('sign-in-submit').click()
}

describe('teams in self-hosted mode', () => {
  let server
  let browser

  before(async () => {
    server = await startServer({ env: { TOKENOPTIMIZER_MODE: 'selfhosted', TOKENOPTIMIZER_ADMIN_TOKEN: 'e2e-admin-token-team-0123456789' } })
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('owner creates a key and invites a viewer, who reads the same numbers and cannot manage', async () => {
    const owner = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage()
    await signUp(owner, `${server.url}/team`, 'owner@team.example')
    await owner.getByTestId('keys-panel').waitFor()
    await owner.getByTestId('key-name').fill('production')
    await owner.getByTestId('key-create').click()
    const key = await text(owner, 'key-raw')
    assert.match(key, /^to_[A-Za-z0-9_-]{43}$/)
    await owner.getByTestId('key-row-production').waitFor()
    await screenshot(owner, 'team-keys')

    const stats = sendTraffic({ ...server, apiKey: key }, [{ model: 'gpt-4o', endpoint: 'chat', prompt: 1000, completion: 100, latency_ms: 50, count: 7 }])
    assert.equal(stats.delivered, true)

    await owner.getByTestId('invite-email').fill('viewer@team.example')
    await owner.getByTestId('invite-send').click()
    const link = (await text(owner, 'invite-link')).match(/https?:\/\/\S+/)[0]
    assert.ok(link.startsWith(`${server.url}/accept?token=`))
    await screenshot(owner, 'team-members')

    // A second project: created on the Team page, it opens at once (in the URL), with no keys yet.
    await owner.getByTestId('project-name').fill('staging')
    await owner.getByTestId('project-create').click()
    await waitForText(owner.getByTestId('project-row-staging'), 'staging (open)', 20_000)
    const staging = new URL(owner.url()).searchParams.get('project')
    assert.ok(staging)
    await owner.getByTestId('keys-panel').getByText('No keys yet.').waitFor()
    assert.equal(await owner.getByTestId('key-created').count(), 0, "the other project's new key is not shown here")
    await screenshot(owner, 'team-projects')

    // The switcher moves between them; each project reads its own traffic.
    await owner.goto(`${server.url}/`)
    await waitForText(owner.getByTestId('stat-requests-value'), '7', 20_000)
    await owner.getByTestId('project-switcher').selectOption({ label: 'staging' })
    await owner.waitForURL((url) => url.searchParams.get('project') === staging)
    await waitForText(owner.getByTestId('stat-requests-value'), '0', 20_000)
    await screenshot(owner, 'team-switcher')
    await owner.getByTestId('project-switcher').selectOption({ label: 'default' })
    await waitForText(owner.getByTestId('stat-requests-value'), '7', 20_000)

    const viewer = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage()
    await signUp(viewer, link, 'viewer@team.example')
    await viewer.getByTestId('accept-joined').waitFor({ timeout: 20_000 })
    assert.match(await text(viewer, 'accept-joined'), /^You joined Default as viewer\./)
    await viewer.getByTestId('accept-open').click()
    await waitForText(viewer.getByTestId('stat-requests-value'), '7', 20_000)

    await viewer.getByTestId('nav-team').click()
    await viewer.getByTestId('keys-not-allowed').waitFor()
    await viewer.getByTestId('member-row-owner@team.example').waitFor()
    assert.equal(await viewer.getByTestId('invite-email').count(), 0)

    await viewer.getByTestId('nav-pricing').click()
    await viewer.getByTestId('pricing-row-gpt-4o').waitFor()
    assert.equal(await viewer.getByTestId('edit-price-gpt-4o').count(), 0)
    assert.equal(await viewer.getByTestId('add-model').count(), 0)
  })
})
