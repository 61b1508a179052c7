import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import type { Pool } from 'pg';
import { createLoginLink } from '../../src/db/sessions';

// Browser tests drive Debian's Chromium through playwright-core (which downloads no browser of its
// own): `apt-get install chromium`, as .ci/run does when it is missing. One browser per test file;
// one context per person, each signed in through the real sign-in link page.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, hermetic headless run: no sandbox (root in CI), no GPU, no calls home. */
const flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: flags });
}

/**
 * Signs the context in as `principalId` the way a person does: a fresh one-time link (minted in
 * the database, as `handoff login-link` does), its page, its button, the redirect to the app. The
 * session cookie then belongs to the context; the page used is closed.
 */
export async function signIn(context: BrowserContext, baseUrl: string, pool: Pool, principalId: string): Promise<void> {
  const link = await createLoginLink(pool, principalId, 15 * 60);
  if (!link) throw new Error(`signIn: no principal ${principalId}`);
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}/auth/login?token=${encodeURIComponent(link.token)}`);
    await Promise.all([page.waitForURL(`${baseUrl}/`), page.getByRole('button', { name: 'Sign in' }).click()]);
  } finally {
    await page.close();
  }
}
