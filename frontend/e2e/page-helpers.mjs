// Reading the page in the browser tests: exact texts, waiting for a value, screenshots.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const SCREENSHOTS = join(fileURLToPath(new URL('.', import.meta.url)), 'screenshots')

export const text = async (page, testId) => ((await page.getByTestId(testId).first().textContent()) ?? '').trim()

/** Waits until the element's text equals `expected`; fails with what it showed instead. */
export async function waitForText(locator, expected, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  let actual
  while (Date.now() < deadline) {
    actual = (await locator.first().textContent().catch(() => null))?.trim()
    if (actual === expected) return Date.now()
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.fail(`expected ${JSON.stringify(expected)}, the page showed ${JSON.stringify(actual)}`)
}

/** Waits until the charts have drawn, so screenshots show the page as a user sees it. */
export async function settle(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid$="loading"], [data-testid="loading"]'), null, { timeout: 15_000 })
  await page.waitForTimeout(300)
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await settle(page)
  // A full-page capture paints the sticky header where the viewport is: scrolled (a click scrolls an
  // element into view), it would cover the content at that height. Capture from the top.
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}
