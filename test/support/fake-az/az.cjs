// A stand-in for the Azure CLI (`az`) in tests: answers `az account get-access-token` from a JSON
// state file (FAKE_AZ_STATE) the test controls, and appends every call's arguments to
// FAKE_AZ_STATE + '.calls' (one JSON array per line). Output and errors follow the real az 2.x.
'use strict';
const { openFakeCli } = require('./state.cjs');

const { statePath, args, state, option } = openFakeCli('az');

if (state.hang) {
  // a hung az: says where it is, then never answers (until killed); gone by itself after 10 minutes, so a
  // test that failed before ending it leaves nothing running on the box (tests look for it within 2)
  require('node:fs').writeFileSync(`${statePath}.pid`, String(process.pid));
  setTimeout(() => process.exit(1), 600_000);
  return;
}
if (args[0] !== 'account' || args[1] !== 'get-access-token') {
  process.stderr.write(`ERROR: 'fake az' supports only 'account get-access-token' (got ${args.join(' ')})\n`);
  process.exit(2);
}
if (!state.signedIn) {
  process.stderr.write("ERROR: Please run 'az login' to setup account.\n");
  process.exit(1);
}
const resource = option('--resource') ?? 'https://management.core.windows.net/';
const token = state.tokens?.[resource];
if (!token) {
  process.stderr.write(`ERROR: AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${state.tenant}.\n`);
  process.exit(1);
}
const pad = (n) => String(n).padStart(2, '0');
const d = new Date(token.expiresOn * 1000);
const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.000000`;
const body = { accessToken: token.accessToken, expiresOn: local, subscription: '00000000-0000-4000-8000-000000000001', tenant: option('--tenant') ?? state.tenant, tokenType: 'Bearer' };
if (!state.oldFormat) body.expires_on = token.expiresOn;
process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
