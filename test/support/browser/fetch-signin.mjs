#!/usr/bin/env node
// A light stand-in for the browser (no Chromium) for integration tests: follows the Entra emulator's
// pages with fetch — redirects, the sign-in form, the form_post hand-back — until kubectl-np's loopback
// page answers. Same environment as drive-signin.mjs: DRIVE_SIGNIN_USERNAME, DRIVE_SIGNIN_ACTION
// (sign-in | cancel), DRIVE_SIGNIN_RESULT. Node trusts the emulator through NODE_EXTRA_CA_CERTS.
import { writeFileSync } from 'node:fs';

const start = process.argv.at(-1);
const action = process.env.DRIVE_SIGNIN_ACTION ?? 'sign-in';
const report = (result) => {
  if (process.env.DRIVE_SIGNIN_RESULT) writeFileSync(process.env.DRIVE_SIGNIN_RESULT, JSON.stringify({ pid: process.pid, opened: start, ...result }));
};
process.stdout.write('junk on the launcher stdout\n');

const decode = (s) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]);
function formOf(html) {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) return undefined;
  const fields = {};
  for (const m of form[2].matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    if (name) fields[decode(name)] = decode(/value="([^"]*)"/.exec(m[0])?.[1] ?? '');
  }
  return { action: decode(form[1]), fields };
}

try {
  let url = start;
  let init = { redirect: 'manual' };
  for (let hop = 0; hop < 12; hop++) {
    const res = await fetch(url, init);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      url = new URL(location, url).toString();
      init = { redirect: 'manual' };
      continue;
    }
    const body = await res.text();
    const heading = /<h1 id="(signed-in|sign-in-failed)">/.exec(body)?.[1];
    if (heading) {
      report({ final: url, heading, message: decode(/<p id="message">([^<]*)<\/p>/.exec(body)?.[1] ?? '') });
      break;
    }
    const form = formOf(body);
    if (!form) throw new Error(`unexpected page at ${url} (${res.status})`);
    let fields = form.fields;
    if (body.includes('id="sign-in"') && 'ctx' in fields) {
      fields = { ...fields, action: action === 'cancel' ? 'cancel' : 'sign-in' };
      if (process.env.DRIVE_SIGNIN_USERNAME) fields.username = process.env.DRIVE_SIGNIN_USERNAME;
    }
    init = { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' };
    url = new URL(form.action, url).toString();
  }
} catch (err) {
  report({ error: String(err?.message ?? err) });
  process.exitCode = 1;
}
