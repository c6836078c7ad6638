// The layering the project promises (DESIGN.md): pure cores and the credential helper never reach up
// into the layers built on them. Read from the sources' import statements, static and dynamic.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The src-relative modules a file imports ('auth/acquire.ts', 'jwt.ts'), packages left out. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)].map((m) => m[1]);
  return specifiers.map((s) => relative(src, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

/** The layer of a src-relative path: its top directory, or the file itself for top-level modules. */
const layerOf = (path: string) => path.split('/')[0];

// Top-level modules every layer may use; they import nothing of ours.
const LEAVES = ['errors.ts', 'redact.ts', 'jwt.ts', 'printable.ts'];
const ALLOWED: Record<string, string[]> = {
  model: [],
  netpol: ['model'],
  rbac: ['model'],
  auth: [],
};

describe('layers', () => {
  it.each(LEAVES)('%s imports nothing of ours', (leaf) => {
    expect(importsOf(join(src, leaf))).toEqual([]);
  });

  it.each(Object.keys(ALLOWED))('src/%s imports only itself, its lower layers and the leaf modules', (layer) => {
    const files = sourceFiles(join(src, layer));
    expect(files.length).toBeGreaterThan(0);
    const reachingUp = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => layerOf(target) !== layer && !LEAVES.includes(target) && !ALLOWED[layer].includes(layerOf(target)))
        .map((target) => `${relative(src, file)} -> ${target}`),
    );
    expect(reachingUp).toEqual([]);
  });
});
