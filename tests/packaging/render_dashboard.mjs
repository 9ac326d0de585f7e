// Loads a dashboard URL in Debian Chromium (playwright-core from frontend/node_modules), waits for
// the app to render, saves a screenshot, and prints what a person would see first as JSON.
// Usage: node render_dashboard.mjs <frontend dir> <url> <screenshot.png>
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const [frontendDir, url, screenshot] = process.argv.slice(2)
const { chromium } = createRequire(join(frontendDir, 'package.json'))('playwright-core')
const profile = mkdtempSync(join(tmpdir(), 'to-wheel-chromium-'))
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 860 },
})
try {
  const page = context.pages()[0] ?? await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(String(error)))
  const response = await page.goto(url, { waitUntil: 'networkidle' })
  await page.getByTestId('nav-overview').waitFor({ timeout: 30_000 })
  const nav = await page.locator('nav[aria-label="Main"] a').allTextContents()
  await page.screenshot({ path: screenshot, fullPage: false })
  console.log(JSON.stringify({ status: response.status(), title: await page.title(), nav, errors }))
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}
