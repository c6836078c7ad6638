// The Graph half of `whoami --resolve-groups`, against the Entra emulator's Graph slice with tokens it signs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { GRAPH_RESOURCE, startEntraEmulator, trustCaInProcess, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { GraphError, getMemberObjects, resolveGroups } from '../../../src/identity/graph.js';
import { UnreachableError } from '../../../src/errors.js';

const groups = Array.from({ length: 250 }, () => randomUUID());
let emu: EntraEmulator & { addGroup(g: { id: string; displayName: string }): void; failNext(f: Record<string, unknown>): void };
let oid: string;

function graphToken(overrides: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return emu.mintToken({ iss: emu.issuer(), aud: GRAPH_RESOURCE, tid: emu.tenantId, oid, iat: now, nbf: now, exp: now + 600, scp: 'User.Read', ...overrides });
}

beforeAll(async () => {
  oid = randomUUID();
  emu = (await startEntraEmulator({ users: [{ username: 'many@contoso.example', oid, groups }] })) as typeof emu;
  emu.addGroup({ id: groups[0], displayName: 'aks-admins' });
  emu.addGroup({ id: groups[1], displayName: 'payments-devs' });
  await trustCaInProcess(emu.caPem);
});
afterAll(() => emu?.close());

describe('Microsoft Graph group lookup', () => {
  it('lists every group of a user past the overage limit, with display names', async () => {
    let calls = 0;
    const resolved = await resolveGroups({ baseUrl: emu.graphUrl, token: async () => (calls++, graphToken()) });
    expect(resolved.namesResolved).toBe(true);
    expect(resolved.groups).toHaveLength(250);
    expect(resolved.groups.map((g) => g.id).sort()).toEqual([...groups].sort());
    expect(resolved.groups.find((g) => g.id === groups[0])).toEqual({ id: groups[0], displayName: 'aks-admins', type: 'group' });
    expect(resolved.groups.find((g) => g.id === groups[1])?.displayName).toBe('payments-devs');
    expect(calls).toBe(2); // getMemberObjects + one getByIds batch
  });

  it('keeps the IDs and says why when Graph will not show names', async () => {
    let calls = 0;
    const resolved = await resolveGroups({
      baseUrl: emu.graphUrl,
      token: async () => {
        // the second call is getByIds: make Graph refuse it the way it does without a directory-read permission
        if (++calls === 2) emu.failNext({ endpoint: 'graph', status: 403, error: 'Authorization_RequestDenied', description: 'Insufficient privileges to complete the operation.' });
        return graphToken();
      },
    });
    expect(resolved.namesResolved).toBe(false);
    expect(resolved.groups).toHaveLength(250);
    expect(resolved.groups.every((g) => g.displayName === undefined)).toBe(true);
    expect(resolved.note).toContain('GroupMember.Read.All');
  });

  it('fails with a clear error when the token is not for Graph, without echoing the token', async () => {
    const token = graphToken({ aud: '6dae42f8-4368-4678-94ff-3960e28e3630' });
    const err = await getMemberObjects({ baseUrl: emu.graphUrl, token: async () => token }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).status).toBe(401);
    expect((err as Error).message).toContain('Invalid audience');
    expect((err as Error).message).not.toContain(token);
  });

  it('reports an unreachable Graph endpoint as exit-3 material', async () => {
    const err = await getMemberObjects({ baseUrl: 'https://127.0.0.1:9', token: async () => graphToken() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toMatch(/cannot reach Microsoft Graph/);
  });
});
