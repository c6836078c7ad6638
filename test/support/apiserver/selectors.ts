// TEST DOUBLE of kube-apiserver — label and field selectors as the real server evaluates them.
// Written independently of src/ so integration tests compare kubectl-np against a second implementation.

type Labels = Record<string, string> | undefined;

interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!exists' | '=' | '!=';
  values: string[];
}

/** Parses the `labelSelector` query syntax: `a=b,c!=d,e in (x,y),f notin (z),g,!h`. Throws on malformed input. */
export function parseLabelSelector(text: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim() || parts.length > 0) parts.push(current);
  return parts.map((raw) => {
    const part = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      return { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()).filter((v) => v !== '') };
    }
    if ((m = part.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/))) {
      return { key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] };
    }
    if ((m = part.match(/^!\s*([\w./-]+)$/))) return { key: m[1], op: '!exists', values: [] };
    if ((m = part.match(/^([\w./-]+)$/))) return { key: m[1], op: 'exists', values: [] };
    throw new Error(`unable to parse requirement: ${JSON.stringify(part)}`);
  });
}

export function matchesRequirements(requirements: Requirement[], labels: Labels): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists': return has;
      case '!exists': return !has;
      case '=': return has && l[r.key] === r.values[0];
      case '!=': return !has || l[r.key] !== r.values[0];
      case 'in': return has && r.values.includes(l[r.key]);
      case 'notin': return !has || !r.values.includes(l[r.key]);
    }
  });
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelector semantics: an empty selector matches everything (as in ClusterRole aggregation). */
export function matchesLabelSelector(selector: LabelSelectorObject | undefined, labels: Labels): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** `fieldSelector`: comma-separated `path=value` / `path==value` / `path!=value` over dotted object paths. */
export function matchesFieldSelector(text: string, obj: unknown): boolean {
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const m = part.match(/^([\w.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw new Error(`invalid field selector: ${JSON.stringify(part)}`);
    let value: unknown = obj;
    for (const seg of m[1].split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[seg] : undefined;
    const actual = value === undefined || value === null ? '' : String(value);
    if (m[2] === '!=' ? actual === m[3] : actual !== m[3]) return false;
  }
  return true;
}
