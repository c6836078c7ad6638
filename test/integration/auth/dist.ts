// Integration and e2e tests run the compiled CLI (bin/run.js imports dist/): fail clearly when the
// build is missing or older than the sources instead of testing stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function requireFreshBuild(): void {
  const auth = join(repoRoot, 'dist', 'auth');
  if (!existsSync(auth)) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (npm test does) before these tests');
  if (newestMtime(join(repoRoot, 'src', 'auth'), '.ts') > newestMtime(auth, '.js') + 1000) {
    throw new Error('dist/auth is older than src/auth: run `npx tsc -p tsconfig.build.json` before these tests');
  }
}
