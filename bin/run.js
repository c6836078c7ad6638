#!/usr/bin/env node
// kubectl calls `kubectl-np get-token` before its requests, so a valid cached token must be answered
// before oclif, msal-node or client-node load — and before Node's ES module loader starts, which on
// its own costs more than the rest of a cached answer (docs/benchmarks.md). So this entry is CommonJS
// (bin/package.json) and loads dist/fast-path.cjs, the esbuild bundle of src/auth/fast-path.ts made by
// `npm run build`; everything else goes to oclif, which is bundled with the commands (scripts/bundle.mjs).
'use strict';
const { statSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');

/**
 * The bundle, if it was built after the tsc output it is made from (tsc rewrites every file it emits);
 * otherwise the same code as an ES module — slower, never stale.
 */
async function loadFastPath() {
  const bundle = join(root, 'dist', 'fast-path.cjs');
  const module = join(root, 'dist', 'auth', 'fast-path.js');
  try {
    if (statSync(bundle).mtimeMs >= statSync(module).mtimeMs) return require(bundle);
  } catch {
    // no bundle (a plain `tsc` build): use the module
  }
  return import('../dist/auth/fast-path.js');
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '__complete') {
    const { printCompletions } = await import('../dist/cli/complete-entry.js');
    printCompletions(join(root, 'oclif.manifest.json'), argv.slice(1));
    return;
  }
  if (argv[0] === 'get-token') {
    const { tryCachedToken } = await loadFastPath();
    if (await tryCachedToken(argv.slice(1))) process.exit(0);
  }
  // oclif as bundled with the commands (scripts/bundle.mjs): one instance, and one file to load
  const { run, flush, Errors, settings } = await import('../dist/index.js');
  // the compiled commands (bundled by `npm run build`), always: with NODE_ENV=test or development oclif would
  // otherwise look for tsx or ts-node to run src/ and spend a few hundred milliseconds failing to
  settings.enableAutoTranspile = false;
  try {
    await run(argv, root);
    await flush();
  } catch (err) {
    // a command's own errors are printed by BaseCommand and arrive here as an exit; what remains
    // (an unknown command or topic) gets the same one-line form and the bad-input exit code
    if (err instanceof Errors.ExitError) process.exit(err.oclif.exit);
    process.stderr.write(`error: ${String((err && err.message) || err).split('\n')[0]}; see kubectl np --help\n`);
    process.exit(2);
  }
}

main();
