import { describe, expect, it } from 'vitest';
import { detectAuthorizerMode, isAksServer } from '../../../src/rbac/authorizer-mode.js';
import type { AccessRequest } from '../../../src/rbac/types.js';

const listPods: AccessRequest = { kind: 'resource', verb: 'list', group: '', resource: 'pods', namespace: 'shop' };

describe('detectAuthorizerMode', () => {
  it('a complete rules review and agreeing answers mean RBAC only', () => {
    const mode = detectAuthorizerMode({
      rulesReview: { incomplete: false },
      comparisons: [{ request: listPods, review: { allowed: true, reason: 'RBAC: allowed by RoleBinding "x/shop" of ClusterRole "view" to User "a"' }, rbacAllowed: true }],
      rbacComplete: true,
    });
    expect(mode.mode).toBe('rbac');
  });

  it('an incomplete rules review reveals a webhook', () => {
    const mode = detectAuthorizerMode({ rulesReview: { incomplete: true, evaluationError: 'webhook authorizer does not support user rule resolution' }, rbacComplete: true });
    expect(mode.mode).toBe('webhook');
    expect(mode.evidence[0]).toContain('webhook authorizer does not support user rule resolution');
  });

  it('an allow with a non-RBAC reason reveals a webhook', () => {
    const mode = detectAuthorizerMode({ comparisons: [{ request: listPods, review: { allowed: true, reason: 'allowed by webhook' }, rbacAllowed: false }], rbacComplete: false });
    expect(mode.mode).toBe('webhook');
    expect(mode.evidence[0]).toContain('"list pods in shop"');
  });

  it('an allow no binding explains reveals a webhook, but only when all bindings were readable', () => {
    const comparisons = [{ request: listPods, review: { allowed: true }, rbacAllowed: false }];
    expect(detectAuthorizerMode({ comparisons, rbacComplete: true }).mode).toBe('webhook');
    expect(detectAuthorizerMode({ comparisons, rbacComplete: false }).mode).toBe('unknown');
  });

  it('a refusal despite a granting binding means something ahead of RBAC said no', () => {
    const mode = detectAuthorizerMode({ comparisons: [{ request: listPods, review: { allowed: false }, rbacAllowed: true }], rbacComplete: true });
    expect(mode.mode).toBe('webhook');
    expect(mode.evidence[0]).toContain('ahead of RBAC');
  });

  it('names Azure RBAC on AKS', () => {
    const mode = detectAuthorizerMode({ rulesReview: { incomplete: true }, rbacComplete: true, serverUrl: 'https://my-aks-dns-1a2b3c.hcp.westeurope.azmk8s.io:443' });
    expect(mode).toMatchObject({ mode: 'webhook', aks: true });
    expect(mode.evidence.at(-1)).toContain('Azure RBAC');
  });

  it('without evidence says unknown', () => {
    expect(detectAuthorizerMode({ rbacComplete: true }).mode).toBe('unknown');
  });

  it('recognises AKS servers', () => {
    expect(isAksServer('https://x.hcp.eastus.azmk8s.io:443')).toBe(true);
    expect(isAksServer('https://x.privatelink.eastus.azmk8s.io')).toBe(true);
    expect(isAksServer('https://127.0.0.1:6443')).toBe(false);
    expect(isAksServer('not a url')).toBe(false);
  });
});
