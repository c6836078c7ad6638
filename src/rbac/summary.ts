// One-line English for RBAC rules, so `whoami` can say what a binding gives without dumping YAML.
import type { PolicyRule } from '../model/k8s.js';
import type { ObjectRef } from './types.js';

const joinList = (items: string[]) => items.join(', ');

function groupsPart(groups: string[]): string {
  if (groups.includes('*')) return ' in all API groups';
  const named = groups.filter((g) => g !== '');
  if (named.length === 0) return ''; // the core group is what people assume
  return ` (${joinList(groups.map((g) => (g === '' ? 'core' : g)))})`;
}

export function summarizeRule(rule: PolicyRule): string {
  const allVerbs = rule.verbs.includes('*');
  if (rule.nonResourceURLs?.length && !rule.resources?.length) {
    const urls = rule.nonResourceURLs.includes('*') ? 'all non-resource URLs' : `URLs ${joinList(rule.nonResourceURLs)}`;
    return `${allVerbs ? 'all verbs on' : joinList(rule.verbs)} ${urls}`;
  }
  const resources = rule.resources ?? [];
  const groups = rule.apiGroups ?? [];
  if (allVerbs && resources.includes('*') && groups.includes('*') && !rule.resourceNames?.length) {
    return 'everything: all verbs on all resources in all API groups';
  }
  const verbs = allVerbs ? 'all verbs on' : joinList(rule.verbs);
  const what = resources.includes('*') ? 'all resources' : resources.length ? joinList(resources) : 'no resources';
  const named = rule.resourceNames?.length ? ` named ${joinList(rule.resourceNames)}` : '';
  return `${verbs} ${what}${named}${groupsPart(groups)}`;
}

/** Up to `max` rule summaries joined with "; ", then how many more there are. */
export function summarizeRules(rules: PolicyRule[], max = 3): string {
  if (rules.length === 0) return 'no rules';
  const shown = rules.slice(0, max).map(summarizeRule).join('; ');
  const rest = rules.length - max;
  return rest > 0 ? `${shown}; +${rest} more rule${rest === 1 ? '' : 's'}` : shown;
}

export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}
