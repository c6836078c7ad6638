// The layering the project promises (DESIGN.md): no import cycles, and no layer reaching up into the layers
// built on it. Read from the sources' import statements: static, type-only, re-exports and dynamic imports
// all count (a cycle through a type import still ties two modules' designs together; a dynamic import is
// an import). The knots once tied here stay untied this way: auth/acquire -> identity, auth/flows/index <->
// each flow, cluster/index <-> cluster/live.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

interface Edge {
  from: string;
  to: string;
  /** `import type` / `export type`: names a shape, runs nothing */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The relative imports of a module's text, as src-relative paths; packages left out. */
function importsOfText(file: string, text: string): Edge[] {
  const from = relative(SRC, file);
  const edge = (spec: string, typeOnly: boolean): Edge => ({ from, to: relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'), typeOnly });
  const statements = [...text.matchAll(/^\s*(?:import|export)\b(\s+type\b)?(?:[^'";]*?\bfrom)?\s*['"](\.[^'"]+)['"]/gm)].map((m) => edge(m[2], m[1] !== undefined));
  const dynamic = [...text.matchAll(/\bimport\s*\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => edge(m[1], false));
  return [...statements, ...dynamic];
}

function importGraph(): Edge[] {
  return sourceFiles(SRC).flatMap((file) => importsOfText(file, readFileSync(file, 'utf8')));
}

/** Every cycle, each once, starting at its alphabetically first module. */
function cycles(edges: Edge[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const e of edges) if (e.to !== e.from) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  const found = new Map<string, string[]>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const done = new Set<string>();
  const visit = (node: string) => {
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (onStack.has(next)) {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0]);
        const canonical = [...cycle.slice(start), ...cycle.slice(0, start)];
        found.set(canonical.join(' → '), canonical);
      } else if (!done.has(next)) visit(next);
    }
    stack.pop();
    onStack.delete(node);
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) if (!done.has(node)) visit(node);
  return [...found.values()];
}

/** The layer of a src-relative path: its top directory, or the file itself for top-level modules. */
const layerOf = (path: string) => path.split('/')[0];

// Top-level modules every layer may use; they import nothing of ours but each other.
const LEAVES = ['errors.ts', 'redact.ts', 'jwt.ts', 'printable.ts', 'debug.ts', 'serviceaccount-token.ts'];
// What each layer may import besides itself and the leaves. commands, at the top, may import any layer;
// nothing imports commands.
const MAY_IMPORT: Record<string, string[]> = {
  model: [],
  netpol: ['model'],
  rbac: ['model'],
  auth: [],
  cluster: ['model', 'netpol', 'rbac', 'auth'],
  identity: ['model', 'netpol', 'rbac', 'auth', 'cluster'],
  render: ['model', 'netpol', 'rbac'],
  cli: ['model', 'netpol', 'rbac', 'auth', 'cluster', 'identity', 'render'],
};
// render draws the use cases' reports: it may name their types, never call them
const TYPES_ONLY: Record<string, string[]> = { render: ['identity'] };
const TOP = ['commands', 'index.ts'];

/** Imports that break the rules above, as "from -> to". */
function upwardImports(edges: Edge[]): string[] {
  return edges
    .filter((e) => {
      const [from, to] = [layerOf(e.from), layerOf(e.to)];
      if (from === to || LEAVES.includes(e.to) || from === 'commands') return false;
      if (LEAVES.includes(e.from)) return true;
      return !(MAY_IMPORT[from] ?? []).includes(to) && !(e.typeOnly && (TYPES_ONLY[from] ?? []).includes(to));
    })
    .map((e) => `${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`);
}

describe('the import graph of src/', () => {
  const edges = importGraph();

  it('is read: static, type-only, re-exported and dynamic imports', () => {
    const has = (from: string, to: string, typeOnly = false) => edges.some((e) => e.from === from && e.to === to && e.typeOnly === typeOnly);
    expect(has('cluster/index.ts', 'cluster/live.ts')).toBe(true);
    expect(has('cluster/index.ts', 'cluster/source.ts', true)).toBe(true);
    expect(has('auth/acquire.ts', 'auth/flows/index.ts')).toBe(true);
    expect(edges.length).toBeGreaterThan(300);
  });

  it('has no cycles', () => {
    expect(cycles(edges).map((c) => [...c, c[0]].join(' → '))).toEqual([]);
  });

  it('places every top-level module and directory in a layer', () => {
    const tops = [...new Set(sourceFiles(SRC).map((f) => layerOf(relative(SRC, f))))];
    expect(tops.filter((t) => !(t in MAY_IMPORT) && !LEAVES.includes(t) && !TOP.includes(t))).toEqual([]);
  });

  it('has no layer importing one above it (the pure cores and the credential helper least of all)', () => {
    expect(upwardImports(edges)).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const e = (from: string, to: string, typeOnly = false): Edge => ({ from, to, typeOnly });

  it('reads each form of import', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      'import {\n  c,\n  type C,\n} from "./c.js";',
      "export * from './d.js';",
      "import './e.js';",
      "const f = await import('./f.js');",
      "import { g } from '@oclif/core';",
      "// import { h } from './h.js';",
    ].join('\n');
    expect(importsOfText(join(SRC, 'x', 'y.ts'), text)).toEqual([
      e('x/y.ts', 'x/a.ts'),
      e('x/y.ts', 'b/b.ts', true),
      e('x/y.ts', 'x/c.ts'),
      e('x/y.ts', 'x/d.ts'),
      e('x/y.ts', 'x/e.ts'),
      e('x/y.ts', 'x/f.ts'),
    ]);
  });

  it('finds a planted cycle, and a planted upward import', () => {
    expect(cycles([e('a.ts', 'b.ts'), e('b.ts', 'c.ts', true), e('c.ts', 'a.ts'), e('c.ts', 'd.ts')])).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(upwardImports([e('netpol/x.ts', 'cluster/live.ts', true), e('cluster/live.ts', 'commands/can-reach.ts'), e('render/a.ts', 'identity/b.ts'), e('render/a.ts', 'identity/c.ts', true), e('commands/a.ts', 'auth/b.ts')])).toEqual([
      'netpol/x.ts -> cluster/live.ts (type)',
      'cluster/live.ts -> commands/can-reach.ts',
      'render/a.ts -> identity/b.ts',
    ]);
  });
});
