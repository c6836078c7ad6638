// A stand-in for the Azure Developer CLI (`azd`) in tests, sharing fake az's state file
// (FAKE_AZ_STATE): answers `azd auth token --output json --scope RESOURCE/.default` and records calls.
'use strict';
const { appendFileSync, readFileSync } = require('node:fs');

const statePath = process.env.FAKE_AZ_STATE;
if (!statePath) {
  process.stderr.write('fake azd: FAKE_AZ_STATE is not set\n');
  process.exit(2);
}
const args = process.argv.slice(2);
appendFileSync(`${statePath}.calls`, `${JSON.stringify(['azd', ...args])}\n`);
const state = JSON.parse(readFileSync(statePath, 'utf8'));
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args[0] !== 'auth' || args[1] !== 'token') {
  process.stderr.write(`ERROR: 'fake azd' supports only 'auth token' (got ${args.join(' ')})\n`);
  process.exit(2);
}
if (!state.signedIn) {
  process.stderr.write('ERROR: fetching token: not logged in, run `azd auth login` to login\n');
  process.exit(1);
}
const resource = (option('--scope') ?? '').replace(/\/\.default$/, '');
const token = state.tokens?.[resource];
if (!token) {
  process.stderr.write(`ERROR: fetching token: AADSTS500011: The resource principal named ${resource} was not found in the tenant.\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ token: token.accessToken, expiresOn: new Date(token.expiresOn * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') })}\n`);
