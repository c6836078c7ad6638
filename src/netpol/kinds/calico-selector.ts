// Calico's selector expression language, parsed once into a predicate over labels:
//   all()  global()  has(k)  !has(k)  k == "v"  k != "v"  k in {"a","b"}  k not in {...}
//   k contains "s"  k starts with "s"  k ends with "s"  !e  e && e  e || e  (e)
// `!=`, `not in` also match when the label is absent. Errors name the position and what was expected.
import type { Labels } from '../../model/selectors.js';

export type CalicoSelector = { (labels: Labels): boolean; keys: string[]; text: string; global: boolean };

export class SelectorSyntaxError extends Error {}

interface Token {
  kind: 'word' | 'string' | 'op' | 'end';
  text: string;
  at: number;
}

function tokenize(source: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (['==', '!=', '&&', '||'].includes(two)) {
      out.push({ kind: 'op', text: two, at: i });
      i += 2;
      continue;
    }
    if ('!(){},'.includes(c)) {
      out.push({ kind: 'op', text: c, at: i });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = source.indexOf(c, i + 1);
      if (end < 0) throw new SelectorSyntaxError(`unterminated string starting at column ${i + 1}`);
      out.push({ kind: 'string', text: source.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_./\-]+/.exec(source.slice(i));
    if (!m) throw new SelectorSyntaxError(`unexpected ${JSON.stringify(c)} at column ${i + 1}`);
    out.push({ kind: 'word', text: m[0], at: i });
    i += m[0].length;
  }
  out.push({ kind: 'end', text: 'the end', at: source.length });
  return out;
}

type Node = (labels: Labels) => boolean;

/** Parses a Calico selector; an empty one is all(). Throws SelectorSyntaxError with the column. */
export function parseCalicoSelector(source: string): CalicoSelector {
  const tokens = tokenize(source);
  const keys = new Set<string>();
  let global = false;
  let p = 0;
  const peek = () => tokens[p];
  const describe = (t: Token) => (t.kind === 'end' ? 'the end' : `${JSON.stringify(t.text)} at column ${t.at + 1}`);
  const expect = (text: string) => {
    const t = tokens[p];
    if (t.kind !== 'op' || t.text !== text) throw new SelectorSyntaxError(`expected "${text}", found ${describe(t)}`);
    p++;
  };
  const stringValue = (after: string): string => {
    const t = tokens[p];
    if (t.kind !== 'string') throw new SelectorSyntaxError(`expected a quoted value after ${after}, found ${describe(t)}`);
    p++;
    return t.text;
  };
  const set = (after: string): Set<string> => {
    expect('{');
    const values = new Set<string>();
    if (peek().kind === 'op' && peek().text === '}') {
      p++;
      return values;
    }
    for (;;) {
      values.add(stringValue(after));
      if (peek().kind === 'op' && peek().text === ',') {
        p++;
        continue;
      }
      expect('}');
      return values;
    }
  };

  const primary = (): Node => {
    const t = peek();
    if (t.kind === 'op' && t.text === '(') {
      p++;
      const e = or();
      expect(')');
      return e;
    }
    if (t.kind === 'op' && t.text === '!') {
      p++;
      const e = primary();
      return (l) => !e(l);
    }
    if (t.kind !== 'word') throw new SelectorSyntaxError(`expected a label key, has(…), all() or "(", found ${describe(t)}`);
    p++;
    if ((t.text === 'all' || t.text === 'global' || t.text === 'has') && peek().kind === 'op' && peek().text === '(') {
      p++;
      if (t.text === 'has') {
        const k = peek();
        if (k.kind !== 'word') throw new SelectorSyntaxError(`expected a label key in has(…), found ${describe(k)}`);
        p++;
        expect(')');
        keys.add(k.text);
        return (l) => Object.prototype.hasOwnProperty.call(l, k.text);
      }
      expect(')');
      if (t.text === 'global') global = true;
      // global() selects non-namespaced resources (host endpoints, global network sets): never a pod
      return t.text === 'all' ? () => true : () => false;
    }
    const key = t.text;
    keys.add(key);
    const has = (l: Labels) => Object.prototype.hasOwnProperty.call(l, key);
    const op = peek();
    if (op.kind === 'op' && (op.text === '==' || op.text === '!=')) {
      p++;
      const v = stringValue(op.text);
      return op.text === '==' ? (l) => has(l) && l[key] === v : (l) => !has(l) || l[key] !== v;
    }
    if (op.kind === 'word') {
      if (op.text === 'in') {
        p++;
        const values = set('in');
        return (l) => has(l) && values.has(l[key]);
      }
      if (op.text === 'not' && tokens[p + 1]?.text === 'in') {
        p += 2;
        const values = set('not in');
        return (l) => !has(l) || !values.has(l[key]);
      }
      if (op.text === 'contains') {
        p++;
        const v = stringValue('contains');
        return (l) => has(l) && l[key].includes(v);
      }
      if ((op.text === 'starts' || op.text === 'ends') && tokens[p + 1]?.text === 'with') {
        p += 2;
        const v = stringValue(`${op.text} with`);
        return op.text === 'starts' ? (l) => has(l) && l[key].startsWith(v) : (l) => has(l) && l[key].endsWith(v);
      }
    }
    throw new SelectorSyntaxError(`expected ==, !=, in, not in, contains, starts with or ends with after ${JSON.stringify(key)}, found ${describe(op)}`);
  };
  const and = (): Node => {
    let left = primary();
    while (peek().kind === 'op' && peek().text === '&&') {
      p++;
      const l1 = left;
      const r = primary();
      left = (l) => l1(l) && r(l);
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (peek().kind === 'op' && peek().text === '||') {
      p++;
      const l1 = left;
      const r = and();
      left = (l) => l1(l) || r(l);
    }
    return left;
  };

  let node: Node = () => true;
  if (tokens.length > 1) {
    node = or();
    if (peek().kind !== 'end') throw new SelectorSyntaxError(`expected && or || or the end, found ${describe(peek())}`);
  }
  return Object.assign((labels: Labels) => node(labels), { keys: [...keys], text: source.trim() || 'all()', global });
}
