// A stand-in for the Azure Developer CLI (`azd`) in tests, sharing fake az's state file
// (FAKE_AZ_STATE): answers `azd auth token --output json --scope RESOURCE/.default` and records calls.
'use strict';
const { openFakeCli } = require('./state.cjs');

const { args, state, option } = openFakeCli('azd', ['azd']);
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
