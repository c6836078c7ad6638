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

/** Joins operands with && or ||, those that test late keys last. */
function joined(operands: { node: Node; late: boolean }[], all: boolean): { node: Node; late: boolean } {
  const ordered = [...operands.filter((o) => !o.late), ...operands.filter((o) => o.late)].map((o) => o.node);
  const node: Node = ordered.length === 1 ? ordered[0] : all ? (l) => ordered.every((n) => n(l)) : (l) => ordered.some((n) => n(l));
  return { node, late: operands.some((o) => o.late) };
}

/**
 * Parses a Calico selector; an empty one is all(). Throws SelectorSyntaxError with the column.
 * @param late keys whose value may be unknown (namespace labels that could not be read): the operands of
 *   && and || that test them are tried after the others, so a known operand that settles the answer means
 *   they are never looked at (&& and || are order-free, so the answer is the selector's)
 */
export function parseCalicoSelector(source: string, late: (key: string) => boolean = (key) => key.startsWith('pcns.')): CalicoSelector {
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

  type Term = { node: Node; late: boolean };
  const primary = (): Term => {
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
      return { node: (l) => !e.node(l), late: e.late };
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
        return { node: (l) => Object.prototype.hasOwnProperty.call(l, k.text), late: late(k.text) };
      }
      expect(')');
      if (t.text === 'global') global = true;
      // global() selects non-namespaced resources (host endpoints, global network sets): never a pod
      return { node: t.text === 'all' ? () => true : () => false, late: false };
    }
    const key = t.text;
    keys.add(key);
    const term = (node: Node): Term => ({ node, late: late(key) });
    const has = (l: Labels) => Object.prototype.hasOwnProperty.call(l, key);
    const op = peek();
    if (op.kind === 'op' && (op.text === '==' || op.text === '!=')) {
      p++;
      const v = stringValue(op.text);
      return term(op.text === '==' ? (l) => has(l) && l[key] === v : (l) => !has(l) || l[key] !== v);
    }
    if (op.kind === 'word') {
      if (op.text === 'in') {
        p++;
        const values = set('in');
        return term((l) => has(l) && values.has(l[key]));
      }
      if (op.text === 'not' && tokens[p + 1]?.text === 'in') {
        p += 2;
        const values = set('not in');
        return term((l) => !has(l) || !values.has(l[key]));
      }
      if (op.text === 'contains') {
        p++;
        const v = stringValue('contains');
        return term((l) => has(l) && l[key].includes(v));
      }
      if ((op.text === 'starts' || op.text === 'ends') && tokens[p + 1]?.text === 'with') {
        p += 2;
        const v = stringValue(`${op.text} with`);
        return term(op.text === 'starts' ? (l) => has(l) && l[key].startsWith(v) : (l) => has(l) && l[key].endsWith(v));
      }
    }
    throw new SelectorSyntaxError(`expected ==, !=, in, not in, contains, starts with or ends with after ${JSON.stringify(key)}, found ${describe(op)}`);
  };
  const and = (): Term => {
    const operands = [primary()];
    while (peek().kind === 'op' && peek().text === '&&') {
      p++;
      operands.push(primary());
    }
    return joined(operands, true);
  };
  const or = (): Term => {
    const operands = [and()];
    while (peek().kind === 'op' && peek().text === '||') {
      p++;
      operands.push(and());
    }
    return joined(operands, false);
  };

  let node: Node = () => true;
  if (tokens.length > 1) {
    node = or().node;
    if (peek().kind !== 'end') throw new SelectorSyntaxError(`expected && or || or the end, found ${describe(peek())}`);
  }
  return Object.assign((labels: Labels) => node(labels), { keys: [...keys], text: source.trim() || 'all()', global });
}
