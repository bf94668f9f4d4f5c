// Browser tests run Debian's chromium through playwright-core (playwright's own browser download is
// not reachable here). One launcher, so every suite starts it the same way: headless, no sandbox
// (root in CI), no GPU, and none of the background traffic a fresh profile would make.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Whether this machine can run the browser suites. CI installs chromium (.ci/run), so there a
 * missing binary fails the suite; a developer machine without it skips the suite instead.
 */
export function browserAvailable(): boolean {
  return existsSync(CHROMIUM_PATH) || process.env.CI !== undefined;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
