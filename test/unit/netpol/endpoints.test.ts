// Resolving endpoints when the reader could not list some kinds: absence is then unknown, not "not found".
import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeOf } from '../../../src/errors.js';
import { emptySnapshot, type ClusterSnapshot } from '../../../src/model/k8s.js';
import { parseEndpoint, resolveEndpoint } from '../../../src/netpol/endpoints.js';

function snapshot(extra: Partial<ClusterSnapshot>): ClusterSnapshot {
  return { ...emptySnapshot('prod'), namespaces: [{ metadata: { name: 'default' } }], ...extra };
}

function failure(s: ClusterSnapshot, endpoint: string): { code: number; message: string } {
  try {
    resolveEndpoint(s, parseEndpoint(endpoint), 'default');
  } catch (err) {
    return { code: exitCodeOf(err), message: (err as Error).message };
  }
  throw new Error(`${endpoint} resolved`);
}

describe('resolveEndpoint when a list was forbidden', () => {
  it('says it cannot tell (exit 3) when deployments could not be listed in that namespace (structured record)', () => {
    const s = snapshot({ unreadable: [{ resource: 'deployments', namespace: 'default' }], warnings: ['not allowed to list deployments in namespace default: forbidden'] });
    expect(failure(s, 'default/deploy/frontend')).toEqual({ code: ExitCode.Unreachable, message: 'cannot tell whether deployment "frontend" exists: you may not list deployments in namespace default (prod)' });
  });

  it('reads the same from the warning text alone, per namespace and for all namespaces', () => {
    const inDefault = snapshot({ warnings: ['not allowed to list statefulsets in namespace default: statefulsets.apps is forbidden'] });
    expect(failure(inDefault, 'sts/db')).toMatchObject({ code: ExitCode.Unreachable, message: expect.stringMatching(/^cannot tell whether statefulset "db" exists: you may not list statefulsets in namespace default/) });
    const everywhere = snapshot({ warnings: ['not allowed to list services in all namespaces: forbidden'] });
    expect(failure(everywhere, 'payments/svc/payments')).toMatchObject({ code: ExitCode.Unreachable, message: expect.stringContaining('you may not list services in all namespaces') });
  });

  it('still reports a genuine absence as not found (exit 2): the kind was read, or another namespace was refused', () => {
    expect(failure(snapshot({}), 'default/deploy/frontend')).toMatchObject({ code: ExitCode.BadInput, message: expect.stringMatching(/^deployment "frontend" not found in namespace default/) });
    const elsewhere = snapshot({ unreadable: [{ resource: 'deployments', namespace: 'payments' }] });
    expect(failure(elsewhere, 'default/deploy/frontend')).toMatchObject({ code: ExitCode.BadInput });
    const otherKind = snapshot({ unreadable: [{ resource: 'jobs', namespace: 'default' }] });
    expect(failure(otherKind, 'default/deploy/frontend')).toMatchObject({ code: ExitCode.BadInput });
  });

  it('cannot tell which pods a Service selects when none runs and the workloads could not be listed', () => {
    const s = snapshot({
      services: [{ metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }],
      unreadable: [{ resource: 'deployments', namespace: 'default' }],
    });
    expect(failure(s, 'svc/web')).toMatchObject({ code: ExitCode.Unreachable, message: expect.stringContaining('you may not list deployments in namespace default') });
  });
});
