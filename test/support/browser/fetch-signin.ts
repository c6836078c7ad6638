// A light stand-in for the browser (no Chromium) for integration tests, run as a --browser-command or
// $BROWSER with `node --import tsx`: follows the Entra emulator's pages with the emulator's own fetch
// browser until kubectl-np's loopback page answers. Same environment as drive-signin.mjs:
// DRIVE_SIGNIN_USERNAME, DRIVE_SIGNIN_ACTION (sign-in | cancel), DRIVE_SIGNIN_RESULT. Node trusts the
// emulator through NODE_EXTRA_CA_CERTS.
import { writeFileSync } from 'node:fs';
import { signInWithBrowser } from '../entra-emulator/browser.js';

const start = process.argv.at(-1) as string;
const report = (result: Record<string, unknown>) => {
  if (process.env.DRIVE_SIGNIN_RESULT) writeFileSync(process.env.DRIVE_SIGNIN_RESULT, JSON.stringify({ pid: process.pid, opened: start, ...result }));
};
// a launcher's stdout must never reach get-token's stdout: give the tests something to catch
process.stdout.write('junk on the launcher stdout\n');

const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] as string);
try {
  const page = await signInWithBrowser(start, { username: process.env.DRIVE_SIGNIN_USERNAME, cancel: process.env.DRIVE_SIGNIN_ACTION === 'cancel' });
  const heading = /<h1 id="(signed-in|sign-in-failed)">/.exec(page.body)?.[1];
  if (!heading) throw new Error(`unexpected page at ${page.url} (${page.status})`);
  report({ final: page.url, heading, message: decode(/<p id="message">([^<]*)<\/p>/.exec(page.body)?.[1] ?? '') });
} catch (err) {
  report({ error: String((err as Error)?.message ?? err) });
  process.exitCode = 1;
}
