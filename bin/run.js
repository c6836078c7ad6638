#!/usr/bin/env node
// kubectl calls `kubectl-np get-token` before every request, so a valid cached token must be
// answered before oclif, msal-node or client-node are loaded (see docs/benchmarks.md).
const argv = process.argv.slice(2);
if (argv[0] === 'get-token') {
  const { tryCachedToken } = await import('../dist/auth/fast-path.js');
  if (await tryCachedToken(argv.slice(1))) process.exit(0);
}
const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
