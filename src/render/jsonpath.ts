// -o jsonpath=TEMPLATE, as kubectl reads it: literal text with {EXPR} holes, {"\n"} string literals and
// {range EXPR}…{end} loops. Only the template is parsed here; each EXPR is evaluated by jsonpath-plus
// (client-node uses it internally but does not export it), so JSONPath itself is not ours to get wrong.
import { JSONPath } from 'jsonpath-plus';
import { UsageError } from '../errors.js';
import { printable } from '../printable.js';

type Node = { text: string } | { expr: string } | { range: string; body: Node[] };

export type JsonPathTemplate = { template: string; nodes: Node[] };

const PREFIX = 'jsonpath=';

export const isJsonPathOutput = (output: string): boolean => output.startsWith(PREFIX);

/** Parses `jsonpath=TEMPLATE` (the -o value); a template kubectl would refuse is a UsageError (exit 2). */
export function parseJsonPathOutput(output: string): JsonPathTemplate {
  const template = output.slice(PREFIX.length);
  if (template.trim() === '') throw new UsageError('-o jsonpath needs a template, e.g. -o jsonpath=\'{.metadata.name}\'');
  const fail = (why: string): never => {
    throw new UsageError(`bad -o jsonpath template ${JSON.stringify(template)}: ${why}`);
  };
  const stack: { range: string; body: Node[] }[] = [];
  const root: Node[] = [];
  const current = () => (stack.length ? stack[stack.length - 1].body : root);
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      current().push({ text: template.slice(i) });
      break;
    }
    if (open > i) current().push({ text: template.slice(i, open) });
    const close = closingBrace(template, open + 1);
    if (close < 0) fail(`unclosed { at position ${open + 1}`);
    const inner = template.slice(open + 1, close).trim();
    i = close + 1;
    if (inner === '') fail('empty {}');
    if (inner === 'end') {
      if (!stack.length) fail('{end} without {range}');
      const done = stack.pop()!;
      current().push(done);
    } else if (/^range\s/.test(inner)) {
      stack.push({ range: toJsonPath(inner.slice(6).trim(), fail), body: [] });
    } else if (inner.startsWith('"')) {
      try {
        current().push({ text: JSON.parse(inner) as string });
      } catch {
        fail(`bad string literal ${inner}`);
      }
    } else current().push({ expr: toJsonPath(inner, fail) });
  }
  if (stack.length) fail('{range} without {end}');
  return { template, nodes: root };
}

/** The text the template makes of `value`; a field that is absent prints nothing, as kubectl's does. */
export function renderJsonPath(t: JsonPathTemplate, value: unknown): string {
  return run(t.nodes, value);
}

function run(nodes: Node[], value: unknown): string {
  let out = '';
  for (const node of nodes) {
    if ('text' in node) out += node.text;
    else if ('expr' in node) out += query(node.expr, value).map(show).join(' ');
    else for (const item of query(node.range, value).flatMap((v) => (Array.isArray(v) ? v : [v]))) out += run(node.body, item);
  }
  return out;
}

function query(path: string, json: unknown): unknown[] {
  if (json === null || typeof json !== 'object') return path === '$' ? [json] : [];
  return JSONPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
}

// values come from servers (claims, names): strings are shown, never obeyed as terminal control
function show(v: unknown): string {
  if (typeof v === 'string') return printable(v);
  return printable(typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
}

/** kubectl writes `.a.b` and `@`; jsonpath-plus wants `$.a.b` and `$`. */
function toJsonPath(expr: string, fail: (why: string) => never): string {
  let depth = 0;
  for (const c of expr) {
    if (c === '[') depth++;
    else if (c === ']' && --depth < 0) break;
  }
  if (depth !== 0) fail(`unbalanced [ ] in ${expr}`);
  if (expr.startsWith('$')) return expr;
  if (expr.startsWith('@')) return '$' + expr.slice(1);
  if (expr.startsWith('.') || expr.startsWith('[')) return '$' + expr;
  return fail(`${expr} is neither a field path (.a.b), a "string", range nor end`);
}

/** The } closing the { before `from`, skipping any inside "…" or '…' (filters compare to strings). */
function closingBrace(s: string, from: number): number {
  let quote = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return i;
    else if (c === '{') return -1;
  }
  return -1;
}
