#!/usr/bin/env node
// A stand-in for "the user's browser" that kubectl-np starts with --browser-command: headless Chromium
// (playwright-core, /usr/bin/chromium) opens the URL given as the last argument, fills and submits the
// Entra emulator's sign-in page, and waits for kubectl-np's loopback page. It prints junk on stdout on
// purpose: a launcher's output must never reach the ExecCredential on kubectl-np's stdout.
//
// Environment:
//   DRIVE_SIGNIN_USERNAME  typed into #username (default: leave the login_hint prefill)
//   DRIVE_SIGNIN_ACTION    sign-in (default) | cancel | none (open the page and wait, for Ctrl-C tests)
//   DRIVE_SIGNIN_RESULT    file to write {"opened", "final", "heading", "message"} to when done
//   DRIVE_SIGNIN_CHROMIUM  browser executable (default /usr/bin/chromium)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const url = process.argv.at(-1);
const action = process.env.DRIVE_SIGNIN_ACTION ?? 'sign-in';
const resultFile = process.env.DRIVE_SIGNIN_RESULT;
const profile = mkdtempSync(join(tmpdir(), 'kubectl-np-chromium-'));
process.stdout.write('JUNK FROM THE BROWSER LAUNCHER {"not":"an ExecCredential"}\n');

const report = (result) => {
  if (resultFile) writeFileSync(resultFile, JSON.stringify({ pid: process.pid, ...result }));
};

// only a hang reaches it: Chromium's start and each page take many times longer on a loaded box
const deadline = setTimeout(() => {
  report({ opened: url, error: 'drive-signin timed out' });
  process.exit(3);
}, 300_000);

let browser;
try {
  // a fresh profile per run (launchPersistentContext is how playwright takes --user-data-dir); the
  // emulator's certificate comes from the per-run test CA, which Chromium does not know
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.DRIVE_SIGNIN_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = browser;
  const page = await context.newPage();
  // playwright's own default (30 s per navigation or wait) is too short for a box loaded tenfold
  page.setDefaultTimeout(120_000);
  await page.goto(url);
  process.stdout.write('more junk: page opened\n');
  if (action === 'none') {
    report({ opened: url, final: page.url(), waiting: true });
    await new Promise((resolve) => process.once('SIGTERM', resolve));
  } else {
    // the emulator shows its sign-in page, or (an error at authorize) goes straight back to kubectl-np
    const heading = page.locator('#signed-in, #sign-in-failed');
    await page.locator('#username, #signed-in, #sign-in-failed').first().waitFor({ timeout: 120_000 });
    if (await page.locator('#username').count()) {
      if (process.env.DRIVE_SIGNIN_USERNAME) await page.fill('#username', process.env.DRIVE_SIGNIN_USERNAME);
      else if (action === 'sign-in' && !(await page.inputValue('#username'))) throw new Error('no login_hint prefilled and DRIVE_SIGNIN_USERNAME unset');
      await page.click(action === 'cancel' ? '#cancel' : '#sign-in');
    }
    // kubectl-np's loopback answers once it has redeemed the code (or failed)
    await heading.waitFor({ timeout: 120_000 });
    report({ opened: url, final: page.url(), heading: await heading.getAttribute('id'), message: await page.locator('#message').textContent() });
  }
  process.stdout.write('junk: done\n');
} catch (err) {
  report({ opened: url, error: String(err?.message ?? err) });
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await browser?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
