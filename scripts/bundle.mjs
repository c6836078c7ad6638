// The esbuild step of `npm run build`, after tsc has written dist/. Node pays per module file for
// resolution and ES module linking: @kubernetes/client-node alone is some 800 files, and loading them one by
// one made a live command's first API request wait seconds on a busy machine (docs/benchmarks.md).
//  - dist/fast-path.cjs: the cached `get-token` answer, one CommonJS file that bin/run.js requires before
//    anything else loads (see bin/run.js).
//  - dist/index.js (what bin/run.js takes from oclif) and dist/commands/**: each file tsc wrote is replaced
//    by an ES module bundle of it and everything it imports but keytar (native). They are bundled in one
//    run, so they share one copy of oclif (its Config, Command and error classes). Code shared by several
//    of them and every dynamic import (msal-node, the live cluster reader, prompts…) goes to dist/chunks/,
//    loaded only when a command reaches it.
//    oclif.manifest.json keeps pointing at dist/commands/*.js, so oclif finds the bundles without scanning.
// A plain `tsc -p tsconfig.build.json` rewrites dist/commands with the unbundled modules: slower to start,
// never stale. Run: node scripts/bundle.mjs (npm run build does).
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const MARK = '// kubectl-np bundle';

function* jsFilesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* jsFilesUnder(path);
    else if (entry.name.endsWith('.js')) yield path;
  }
}

const commands = [...jsFilesUnder(join(dist, 'commands'))];
if (commands.length === 0) throw new Error('dist/commands is empty: run tsc first (npm run build)');
const entryPoints = [join(dist, 'index.js'), ...commands];
for (const file of entryPoints) {
  // bundling a bundle would import chunks this run deletes
  if (readFileSync(file, 'utf8').startsWith(MARK)) throw new Error(`${file} is already a bundle: run tsc first (npm run build)`);
}

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', legalComments: 'none' };

await build({
  ...common,
  entryPoints: [join(dist, 'auth', 'fast-path.js')],
  format: 'cjs',
  external: ['keytar'],
  outfile: join(dist, 'fast-path.cjs'),
});

rmSync(join(dist, 'chunks'), { recursive: true, force: true });
for (const file of entryPoints) rmSync(`${file}.map`, { force: true }); // tsc's maps describe the modules replaced here
await build({
  ...common,
  entryPoints,
  format: 'esm',
  splitting: true,
  outdir: dist,
  outbase: dist,
  chunkNames: 'chunks/[name]-[hash]',
  allowOverwrite: true,
  // typescript: oclif reads a tsconfig only to run sources with tsx, which bin/run.js turns off
  external: ['keytar', 'typescript'],
  // bundled CommonJS dependencies (node-fetch, js-yaml…) call require() for Node built-ins
  banner: { js: `${MARK}\nimport { createRequire as __kubectlNpRequire } from 'node:module';\nconst require = __kubectlNpRequire(import.meta.url);` },
  // smaller files to read and parse; names stay readable in --debug stack traces
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  plugins: [clientNodeWithoutSideEffects()],
});

if (!existsSync(join(dist, 'commands', 'whoami.js'))) throw new Error('bundle: dist/commands/whoami.js was not written');

/**
 * client-node's index re-exports everything (exec, attach, port-forward with ws, cp with tar…); its modules
 * only define things, so what no command uses can be left out. The package does not say so itself
 * (no "sideEffects" in its package.json), hence this plugin.
 */
function clientNodeWithoutSideEffects() {
  return {
    name: 'client-node-without-side-effects',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'resolved') return undefined;
        const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolved' });
        if (resolved.errors.length > 0) return undefined; // esbuild reports it (or leaves an optional require alone)
        return /[\\/]@kubernetes[\\/]client-node[\\/]/.test(resolved.path) ? { ...resolved, sideEffects: false } : resolved;
      });
    },
  };
}
