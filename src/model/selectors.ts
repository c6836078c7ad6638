// Kubernetes label selectors (metav1.LabelSelector), shared by NetworkPolicy evaluation and
// ClusterRole aggregation. Pure: no I/O, no client-node.
import type { LabelSelector, LabelSelectorRequirement } from './k8s.js';
import { forbidden, invalid, labelKeyErrors, labelsErrors, labelValueErrors, required } from './validation.js';

export type Labels = Readonly<Record<string, string>>;
export type LabelPredicate = (labels: Labels) => boolean;

const NO_LABELS: Labels = Object.freeze({});

/** True when the selector has no requirements at all, so it selects everything (`{}`). */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  if (!selector) return true;
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

function requirementMatches(req: LabelSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  switch (req.operator) {
    case 'In':
      return has && (req.values ?? []).includes(labels[req.key]);
    case 'NotIn':
      // metav1: NotIn also matches objects that do not have the key at all
      return !has || !(req.values ?? []).includes(labels[req.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/** matchLabels AND every matchExpression; an empty selector matches every label set. */
export function selectorMatches(selector: LabelSelector, labels: Labels | undefined): boolean {
  return compileSelector(selector)(labels ?? NO_LABELS);
}

/**
 * Turns a selector into a predicate once, so hot loops (matrices over thousands of pods) do not
 * re-read the selector's maps for every pod.
 */
export function compileSelector(selector: LabelSelector): LabelPredicate {
  const equals = Object.entries(selector.matchLabels ?? {});
  const expressions = (selector.matchExpressions ?? []).map((e) => ({ ...e, values: e.values ?? [] }));
  if (equals.length === 0 && expressions.length === 0) return () => true;
  return (labels) => {
    for (const [key, value] of equals) if (labels[key] !== value) return false;
    for (const req of expressions) if (!requirementMatches(req, labels)) return false;
    return true;
  };
}

function shape(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a map';
  return typeof x === 'string' ? `a string (${JSON.stringify(x)})` : `a ${typeof x} (${String(x)})`;
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Why a selector is invalid, the way the API server would reject it (its wording, under `path`);
 * undefined when valid. Manifests are untyped, so shapes are checked too: `matchLabels: [a]` is not a
 * label `0=a`.
 */
export function selectorProblem(selector: LabelSelector | undefined, path = 'selector'): string | undefined {
  const raw = selector as unknown;
  if (raw === undefined || raw === null) return undefined;
  if (!isMap(raw)) return `${path}: expected a label selector (a map with matchLabels/matchExpressions), found ${shape(raw)}`;
  const { matchLabels, matchExpressions } = raw;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isMap(matchLabels)) return `${path}.matchLabels: expected a map of label keys to values, found ${shape(matchLabels)}`;
    for (const [key, value] of Object.entries(matchLabels)) {
      if (typeof value !== 'string') return `${path}.matchLabels.${key}: must be a string (quote ${JSON.stringify(value)})`;
    }
    const [labelError] = labelsErrors(matchLabels as Record<string, string>, `${path}.matchLabels`);
    if (labelError) return labelError;
  }
  if (matchExpressions === undefined || matchExpressions === null) return undefined;
  if (!Array.isArray(matchExpressions)) return `${path}.matchExpressions: expected a list of {key, operator, values}, found ${shape(matchExpressions)}`;
  for (const [i, req] of (matchExpressions as unknown[]).entries()) {
    const at = `${path}.matchExpressions[${i}]`;
    if (!isMap(req)) return `${at}: expected a map {key, operator, values}, found ${shape(req)}`;
    if (req.key !== undefined && req.key !== null && typeof req.key !== 'string') return `${at}.key: expected a string, found ${shape(req.key)}`;
    const values = req.values;
    if (values !== undefined && values !== null && (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))) {
      return `${at}.values: expected a list of strings, found ${Array.isArray(values) ? `a list holding ${shape(values.find((v) => typeof v !== 'string'))}` : shape(values)}`;
    }
    // ValidateLabelSelectorRequirement, in the server's order: operator and values, key, each value
    const count = Array.isArray(values) ? values.length : 0;
    if (req.operator === 'In' || req.operator === 'NotIn') {
      if (count === 0) return required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'");
    } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
      if (count > 0) return forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    } else {
      return invalid(`${at}.operator`, req.operator ?? '', 'not a valid selector operator');
    }
    const key = (req.key ?? '') as string;
    const [keyError] = labelKeyErrors(key);
    if (keyError) return invalid(`${at}.key`, key, keyError);
    for (const [j, value] of ((values ?? []) as string[]).entries()) {
      const [valueError] = labelValueErrors(value);
      if (valueError) return invalid(`${at}.values[${j}]`, value, valueError);
    }
  }
  return undefined;
}

/** kubectl's selector notation: `app=web,tier in (a,b),!legacy,debug`. Empty string for `{}`. */
export function formatSelector(selector: LabelSelector | undefined): string {
  if (!selector) return '';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    switch (req.operator) {
      case 'In':
        parts.push(req.values?.length === 1 ? `${req.key}=${values}` : `${req.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(req.values?.length === 1 ? `${req.key}!=${values}` : `${req.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(req.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${req.key}`);
        break;
    }
  }
  return parts.join(',');
}

/** A stable text key for a label set, for grouping objects that carry the same labels. */
export function labelsKey(labels: Labels | undefined): string {
  if (!labels) return '';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0001');
}

/**
 * kubectl's -l/--selector text (`app=web,tier!=db,env in (prod,qa),!canary,team`) as a LabelSelector, so
 * one matcher (compileSelector) serves flags and manifests alike. `=`/`==` is In [v], `!=` NotIn [v]
 * (matching pods without the key, as kubectl's does), `k` Exists, `!k` DoesNotExist. Throws a one-line
 * reason when the text is not a selector or names an invalid key or value.
 */
export function parseSelectorText(text: string): LabelSelector {
  const matchExpressions: LabelSelectorRequirement[] = [];
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  if (depth !== 0) throw new Error(`unbalanced parentheses in selector "${text}"`);
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') {
      if (parts.length === 1) break;
      throw new Error(`empty requirement in selector "${text}"`);
    }
    let m: RegExpExecArray | null;
    if ((m = /^!\s*([^\s=!(),]+)$/.exec(part))) matchExpressions.push({ key: m[1], operator: 'DoesNotExist' });
    else if ((m = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(part))) matchExpressions.push({ key: m[1], operator: m[2] === '!=' ? 'NotIn' : 'In', values: [m[3]] });
    else if ((m = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part))) {
      const values = m[3].split(',').map((v) => v.trim());
      matchExpressions.push({ key: m[1], operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = /^([^\s=!(),]+)$/.exec(part))) matchExpressions.push({ key: m[1], operator: 'Exists' });
    else throw new Error(`"${part}" is not a selector requirement (key=value, key!=value, key in (a,b), key notin (a,b), key or !key)`);
  }
  const selector: LabelSelector = { matchExpressions };
  const problem = selectorProblem(selector, `selector "${text}"`);
  if (problem) throw new Error(problem);
  return selector;
}
