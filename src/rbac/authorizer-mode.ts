// Is RBAC the whole story? On AKS with Azure RBAC (and any cluster with --authorization-mode
// including Webhook) a webhook answers alongside RBAC, so bindings alone under-report access. The API
// server never says which authorizers it runs; these heuristics read the traces it leaves.
import type { AccessRequest } from './types.js';

export interface ReviewComparison {
  request: AccessRequest;
  /** the SelfSubjectAccessReview answer */
  review: { allowed: boolean; denied?: boolean; reason?: string };
  /** what the RBAC objects alone say */
  rbacAllowed: boolean;
}

export interface AuthorizerEvidenceInput {
  /** SelfSubjectRulesReview: RBAC can enumerate its rules, a webhook cannot and marks the answer incomplete */
  rulesReview?: { incomplete: boolean; evaluationError?: string };
  comparisons?: ReviewComparison[];
  /** false when some RBAC objects could not be read (then "no binding grants it" proves little) */
  rbacComplete: boolean;
  serverUrl?: string;
}

export interface AuthorizerMode {
  /** 'rbac': bindings are the whole story; 'webhook': another authorizer answers too; 'unknown': no evidence either way */
  mode: 'rbac' | 'webhook' | 'unknown';
  /** the API server looks like AKS (*.azmk8s.io) */
  aks: boolean;
  evidence: string[];
}

const describe = (r: AccessRequest) =>
  r.kind === 'nonResource' ? `${r.verb} ${r.path}` : `${r.verb} ${r.subresource ? `${r.resource}/${r.subresource}` : r.resource}${r.namespace ? ` in ${r.namespace}` : ''}`;

export function isAksServer(serverUrl: string | undefined): boolean {
  if (!serverUrl) return false;
  try {
    return /\.azmk8s\.io$/i.test(new URL(serverUrl).hostname);
  } catch {
    return false;
  }
}

export function detectAuthorizerMode(input: AuthorizerEvidenceInput): AuthorizerMode {
  const webhook: string[] = [];
  const rbacOnly: string[] = [];
  const aks = isAksServer(input.serverUrl);

  if (input.rulesReview) {
    if (input.rulesReview.incomplete) {
      const why = input.rulesReview.evaluationError ? `: "${input.rulesReview.evaluationError}"` : '';
      webhook.push(`SelfSubjectRulesReview is incomplete${why} — an authorizer besides RBAC cannot list its rules`);
    } else {
      rbacOnly.push('SelfSubjectRulesReview is complete — every authorizer could list its rules');
    }
  }
  for (const c of input.comparisons ?? []) {
    const what = describe(c.request);
    if (c.review.allowed && c.review.reason && !c.review.reason.startsWith('RBAC:')) {
      webhook.push(`the API server allowed "${what}" for a reason that is not RBAC's: "${c.review.reason}"`);
    } else if (c.review.allowed && !c.rbacAllowed && input.rbacComplete) {
      webhook.push(`the API server allowed "${what}" although no RBAC binding grants it`);
    }
    if (c.review.denied) {
      webhook.push(`an authorizer explicitly denied "${what}" (RBAC only ever allows)`);
    } else if (!c.review.allowed && c.rbacAllowed) {
      webhook.push(`RBAC bindings grant "${what}" but the API server refused it — an authorizer ahead of RBAC said no`);
    }
  }
  if (aks) {
    const note = 'the API server is AKS (*.azmk8s.io)';
    if (webhook.length > 0) webhook.push(`${note}: this is Azure RBAC for Kubernetes authorization`);
    else rbacOnly.push(`${note}; no sign of Azure RBAC`);
  }
  if (webhook.length > 0) return { mode: 'webhook', aks, evidence: webhook };
  return { mode: input.rulesReview && !input.rulesReview.incomplete ? 'rbac' : 'unknown', aks, evidence: rbacOnly };
}
