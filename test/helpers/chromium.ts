/**
 * Debian's Chromium for browser tests, driven by playwright-core (which downloads no browser).
 * CI installs it (.ci/run) and a test there fails without it; elsewhere a missing Chromium skips
 * the browser tests with a warning, so `npm test` passes on a fresh clone.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** True where the browser tests cannot run and need not (no Chromium, not CI). */
export const skipWithoutChromium = !existsSync(CHROMIUM) && !process.env.CI;
if (skipWithoutChromium) {
  console.warn(`test/browser skipped: no Chromium at ${CHROMIUM} (CI installs it)`);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless, in a fresh profile, without the background traffic this closed network refuses. */
export async function launchChromium(
  options: Parameters<typeof chromium.launchPersistentContext>[1] = {},
): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y --no-install-recommends chromium)`,
    );
  }
  const profileDir = await mkdtemp(join(tmpdir(), 'gateway-browser-profile-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    ...options,
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}
