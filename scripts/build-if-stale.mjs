// `npm run example` and other quick entry points build only when the sources changed since the last
// build: a fingerprint of src/, package.json, the tsconfig files and the bundle script is kept in dist/.build-fingerprint.
// `--record` (the last step of `npm run build`) writes it; without arguments it builds when stale.
import { createHash } from 'node:crypto';
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'dist', '.build-fingerprint');

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

function fingerprint() {
  const hash = createHash('sha256');
  const inputs = [...filesUnder(join(root, 'src')), ...['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/bundle.mjs'].map((f) => join(root, f))];
  for (const file of inputs) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

const built = () => ['dist/fast-path.cjs', 'dist/commands', 'oclif.manifest.json'].every((p) => existsSync(join(root, p)));

if (process.argv[2] === '--record') {
  writeFileSync(stampFile, `${fingerprint()}\n`);
} else if (!built() || !existsSync(stampFile) || readFileSync(stampFile, 'utf8').trim() !== fingerprint()) {
  process.stderr.write('building kubectl-np (sources changed since the last build)…\n');
  execSync('npm run --silent build', { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
