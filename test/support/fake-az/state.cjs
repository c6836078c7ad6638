// What fake az and fake azd share: the state file the test controls (FAKE_AZ_STATE), the call log
// next to it (one JSON array of arguments per line), and option lookup.
'use strict';
const { appendFileSync, readFileSync } = require('node:fs');

function openFakeCli(name, logPrefix = []) {
  const statePath = process.env.FAKE_AZ_STATE;
  if (!statePath) {
    process.stderr.write(`fake ${name}: FAKE_AZ_STATE is not set\n`);
    process.exit(2);
  }
  const args = process.argv.slice(2);
  appendFileSync(`${statePath}.calls`, `${JSON.stringify([...logPrefix, ...args])}\n`);
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  const option = (flag) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  return { statePath, args, state, option };
}

module.exports = { openFakeCli };
