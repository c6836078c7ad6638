// Kubernetes label selectors (metav1.LabelSelector), shared by NetworkPolicy evaluation and
// ClusterRole aggregation. Pure: no I/O, no client-node.
import type { LabelSelector, LabelSelectorRequirement } from './k8s.js';

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

/** Why a selector is invalid, the way the API server would reject it; undefined when valid. */
export function selectorProblem(selector: LabelSelector | undefined): string | undefined {
  if (selector === undefined || selector === null) return undefined;
  if (typeof selector !== 'object' || Array.isArray(selector)) return 'a label selector must be an object';
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (typeof value !== 'string') return `matchLabels.${key} must be a string`;
  }
  for (const [i, req] of (selector.matchExpressions ?? []).entries()) {
    if (!req || typeof req.key !== 'string') return `matchExpressions[${i}] needs a key`;
    if (req.operator === 'In' || req.operator === 'NotIn') {
      if (!Array.isArray(req.values) || req.values.length === 0) return `matchExpressions[${i}]: operator ${req.operator} needs values`;
    } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
      if (req.values && req.values.length > 0) return `matchExpressions[${i}]: operator ${req.operator} takes no values`;
    } else {
      return `matchExpressions[${i}]: unknown operator ${JSON.stringify(req.operator)}`;
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
