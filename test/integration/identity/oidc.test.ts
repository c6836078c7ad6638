// whoami with Entra-style OIDC tokens signed by the Entra emulator and validated by the API server
// double with kube-apiserver's OIDC semantics: username/groups prefixes, groups overage, and
// --resolve-groups through the emulator's Microsoft Graph.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { AKS_SERVER_ID, GRAPH_RESOURCE, startEntraEmulator, trustCaInProcess, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { startTestApiServer, type OidcOptions, type TestApiServer } from '../../support/apiserver/index.js';
import { whoami } from '../../../src/identity/whoami.js';
import { canI } from '../../../src/identity/can-i.js';
import { parseAccessRequest } from '../../../src/rbac/resources.js';
import { renderCanI } from '../../../src/render/rbac.js';
import { renderWhoami } from '../../../src/render/whoami.js';
import { ADMINS, DEVS, rbacReaderObjects, shopObjects } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'np-oidc-'));
const manyGroups = [DEVS, ...Array.from({ length: 240 }, () => randomUUID())];
const aliceOid = randomUUID();
const manyOid = randomUUID();
let emu: EntraEmulator & { addGroup(g: { id: string; displayName: string }): void };
const servers: TestApiServer[] = [];

function userToken(claims: Record<string, unknown>, aud = AKS_SERVER_ID): string {
  const now = Math.floor(Date.now() / 1000);
  return emu.mintToken({ iss: emu.issuer(), aud, tid: emu.tenantId, iat: now, nbf: now, exp: now + 3600, ver: '2.0', ...claims });
}

const overageClaims = (oid: string) => ({
  _claim_names: { groups: 'src1' },
  _claim_sources: { src1: { endpoint: `${emu.graphUrl}/v1.0/users/${oid}/getMemberObjects` } },
});

async function contextFor(oidc: Partial<OidcOptions>, token: string): Promise<KubeConfig> {
  const server = await startTestApiServer({
    oidc: { issuerUrl: emu.issuer(), audience: AKS_SERVER_ID, caPem: emu.caPem, ...oidc },
    objects: [...shopObjects('aad:'), ...rbacReaderObjects('system:authenticated')],
  });
  servers.push(server);
  const file = join(dir, `kubeconfig-${servers.length}`);
  server.writeKubeconfig(file, { context: 'aks', namespace: 'shop', user: { token } });
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

beforeAll(async () => {
  emu = (await startEntraEmulator({
    users: [
      { username: 'alice@contoso.example', oid: aliceOid, groups: [DEVS, ADMINS] },
      { username: 'many@contoso.example', oid: manyOid, groups: manyGroups },
    ],
  })) as typeof emu;
  emu.addGroup({ id: DEVS, displayName: 'shop-developers' });
  await trustCaInProcess(emu.caPem);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await emu?.close();
});

describe('whoami with Entra OIDC tokens', () => {
  it('shows prefixed username and groups as the API server maps them, and the token claims beside them', async () => {
    const token = userToken({ upn: 'alice@contoso.example', oid: aliceOid, groups: [DEVS, ADMINS] });
    const kc = await contextFor({ usernameClaim: 'upn', usernamePrefix: 'aad:', groupsClaim: 'groups', groupsPrefix: 'aad:' }, token);
    const report = await whoami(kc, { namespace: 'shop' });
    expect(report.apiServer.user).toEqual({ username: 'aad:alice@contoso.example', groups: [`aad:${DEVS}`, `aad:${ADMINS}`, 'system:authenticated'] });
    expect(report.token).toMatchObject({ displayUser: 'alice@contoso.example', oid: aliceOid, tid: emu.tenantId, issuer: emu.issuer(), audience: [AKS_SERVER_ID], groups: [DEVS, ADMINS] });
    expect(report.token!.expiresInSeconds).toBeGreaterThan(3500);
    expect(report.groups?.items.every((g) => g.seenByApiServer)).toBe(true);
    expect(report.bindings.map((b) => b.binding.name)).toEqual(expect.arrayContaining(['devs-view', 'admins-monitoring', 'devs-debug', 'admins-debug']));
    const monitoring = report.bindings.find((b) => b.binding.name === 'admins-monitoring')!;
    expect(monitoring.rules.map((r) => r.aggregatedFrom)).toEqual(['monitoring-endpoints', 'monitoring-endpoints']);
    const text = renderWhoami(report);
    expect(text).toContain('Your token says (decoded locally, not verified)');
    // counted once, by the list of groups
    expect(text).not.toContain('2 in the token');
    expect(text).toContain('Groups from the token (2)');
    expect(text).not.toContain(token);
  });

  it('an overage token is rejected by an OIDC API server that maps groups, and whoami says why', async () => {
    const token = userToken({ upn: 'many@contoso.example', oid: manyOid, ...overageClaims(manyOid) });
    const kc = await contextFor({ usernameClaim: 'upn', usernamePrefix: 'aad:', groupsClaim: 'groups', groupsPrefix: 'aad:' }, token);
    const err = await whoami(kc, { namespace: 'shop' }).catch((e: unknown) => e);
    expect((err as { exitCode?: number }).exitCode).toBe(3);
    expect((err as Error).message).toContain('group overage');
  });

  it('detects overage, and --resolve-groups fetches the groups from Graph and shows the API server does not see them', async () => {
    const token = userToken({ upn: 'many@contoso.example', oid: manyOid, ...overageClaims(manyOid) });
    const kc = await contextFor({ usernameClaim: 'upn', usernamePrefix: 'aad:' }, token);

    const plain = await whoami(kc, { namespace: 'shop' });
    expect(plain.token?.overage).toEqual({ kind: 'claim-sources', endpoint: `${emu.graphUrl}/v1.0/users/${manyOid}/getMemberObjects` });
    expect(plain.groups).toBeUndefined();
    expect(plain.notes.join('\n')).toContain('--resolve-groups');
    expect(renderWhoami(plain)).toContain('not in the token: more than fit (overage)');

    const graphToken = userToken({ upn: 'many@contoso.example', oid: manyOid, scp: 'User.Read' }, GRAPH_RESOURCE);
    const resolved = await whoami(kc, { namespace: 'shop', graph: { baseUrl: emu.graphUrl, token: async () => graphToken } });
    expect(resolved.groups?.source).toBe('graph');
    expect(resolved.groups?.items).toHaveLength(241);
    expect(resolved.groups?.items.find((g) => g.id === DEVS)).toEqual({ id: DEVS, displayName: 'shop-developers', type: 'group', seenByApiServer: false });
    expect(resolved.notes.join('\n')).toContain('241 of your 241 groups are not in the API server');
    // the API server sees no Entra groups, so the group bindings do not apply
    expect(resolved.bindings.map((b) => b.binding.name)).not.toContain('devs-view');
    const text = renderWhoami(resolved);
    expect(text).toContain('Groups from Microsoft Graph (241)');
    expect(text).toContain(`${DEVS}  shop-developers   (not seen by the API server)`);
  });
});

describe('explain can-i with groups the API server does not see', () => {
  const portForward = parseAccessRequest({ verb: 'create', target: 'pods/web', namespace: 'shop', subresource: 'portforward' }).request;

  it('groups claim not mapped: the near miss says your token has the group, not that you are not in it', async () => {
    const token = userToken({ upn: 'alice@contoso.example', oid: aliceOid, groups: [DEVS, ADMINS] });
    const kc = await contextFor({ usernameClaim: 'upn', usernamePrefix: 'aad:' }, token);
    const r = await canI(kc, portForward);
    expect(r.allowed).toBe(false);
    const miss = r.rbac!.nearMisses.find((m) => m.binding.name === 'devs-debug')!;
    expect(miss.reasons).toEqual([{ dimension: 'subject', detail: `it is bound to Group "aad:${DEVS}": your token has this group but the API server does not map it (check --oidc-groups-claim / prefix)` }]);
    const text = renderCanI(r);
    expect(text).toContain(`✗ it is bound to Group "aad:${DEVS}": your token has this group but the API server does not map it (check --oidc-groups-claim / prefix)`);
    expect(text).not.toContain(`"aad:${DEVS}", which you are not in`);
  });

  it('another groups prefix: the near miss names the group as the API server sees it', async () => {
    const token = userToken({ upn: 'alice@contoso.example', oid: aliceOid, groups: [DEVS] });
    const kc = await contextFor({ usernameClaim: 'upn', usernamePrefix: 'aad:', groupsClaim: 'groups', groupsPrefix: 'oidc:' }, token);
    const r = await canI(kc, portForward);
    expect(r.allowed).toBe(false);
    expect(renderCanI(r)).toContain(`✗ it is bound to Group "aad:${DEVS}": your token has this group, but the API server sees it as "oidc:${DEVS}" (another groups prefix): the binding must name "oidc:${DEVS}"`);
  });

  it('a group that is in neither the token nor the API server view stays "not in"', async () => {
    const token = userToken({ upn: 'alice@contoso.example', oid: aliceOid, groups: [ADMINS] });
    const kc = await contextFor({ usernameClaim: 'upn', usernamePrefix: 'aad:', groupsClaim: 'groups', groupsPrefix: 'aad:' }, token);
    const r = await canI(kc, portForward);
    expect(renderCanI(r)).toContain(`✗ it is bound to Group "aad:${DEVS}", which you are not in`);
  });
});
