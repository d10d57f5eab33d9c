import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureDebianPackages } from '../../scripts/lib/debian-packages';

/** Debian's Chromium: the one browser this machine can install without the internet. */
const CHROMIUM = '/usr/bin/chromium';

/** Where page tests leave their screenshots, for a person to look at (ignored by git). */
export const SCREENSHOTS = join(__dirname, '..', '..', '.tmp', 'screenshots');

/** The two sizes every page is looked at: a phone and a laptop. */
export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  laptop: { width: 1280, height: 800 },
} as const;

/**
 * Installs Debian's chromium when missing (as root). `npm test` calls it once before any test file starts: two
 * files installing it at once would collide on dpkg's lock, and the loser would fail its whole file.
 */
export async function ensureChromiumInstalled(log: (line: string) => void = (line) => console.log(line)) {
  await ensureDebianPackages(
    {
      label: 'chromium',
      neededFor: 'Chromium is needed for the page tests',
      packages: ['chromium'],
      command: 'chromium',
      takes: 'about a minute',
    },
    log,
  );
}

/** Launches Debian's chromium headless through playwright-core. `args` adds switches (a fake camera: qr.ts). */
export async function launchBrowser(
  log: (line: string) => void = (line) => console.log(line),
  options: { args?: string[] } = {},
): Promise<Browser> {
  await ensureChromiumInstalled(log);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', ...(options.args ?? [])] });
}

/** Saves a full-page screenshot as `<name>-<viewport>.png` under SCREENSHOTS and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize();
  const file = join(SCREENSHOTS, `${name}-${size ? `${size.width}x${size.height}` : 'page'}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Fails the test when the page is wider than its viewport: a page that scrolls sideways is broken on a phone. */
export async function assertNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what} is ${overflow}px wider than the viewport`);
}
