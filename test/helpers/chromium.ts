/**
 * Headless Chromium for the page tests: Debian's /usr/bin/chromium (installed by
 * .ci/run) driven by playwright-core. Without it the tests are skipped locally
 * and fail in CI.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.RECUR_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
export const mustRun = Boolean(process.env.CI);

export async function launch(): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  // a persistent context gives chromium a fresh --user-data-dir of our own
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'recur-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1200, height: 1000 },
  });
}
