import { describe, it, expect } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, statSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, isMap, isSeq } from 'yaml';
import { readKubeconfig, tokenOptionsOfContext, type KubeconfigFile } from '../../../src/auth/kubeconfig.js';
import { INSTALL_HINT, planSetup, renderSetup, writeSetup } from '../../../src/auth/setup.js';

const fixture = (name: string) => join(new URL('.', import.meta.url).pathname, 'fixtures', name);
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const AKS_SERVER = '6dae42f8-4368-4678-94ff-3960e28e3630';
const AKS_CLIENT = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';

function copyOf(name: string, mode = 0o600): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kubectl-np-setup-')), 'config');
  copyFileSync(fixture(name), path);
  chmodSync(path, mode);
  return path;
}

/** the original text around one user entry, which must survive byte for byte */
function surroundings(file: KubeconfigFile, user: string): { before: string; after: string } {
  const users = file.doc.get('users', true);
  if (!isSeq(users)) throw new Error('no users');
  const entry = users.items.find((i) => isMap(i) && i.get('name') === user) as { range: [number, number, number] };
  return { before: file.original.slice(0, entry.range[0]), after: file.original.slice(entry.range[2]) };
}

const userOf = (text: string, name: string) => (parse(text).users as { name: string; user: Record<string, unknown> }[]).find((u) => u.name === name)!.user;

describe('setup on a context', () => {
  it('converts the legacy azure auth-provider in place, dropping its cached tokens, and changes nothing else', () => {
    const path = copyOf('azure-legacy.yaml');
    const file = readKubeconfig(path);
    const around = surroundings(file, 'clusterUser_rg-prod_aks-prod');
    const result = planSetup([file], { context: 'aks-prod', overrides: {} });
    expect(result.changes).toEqual([{
      user: 'clusterUser_rg-prod_aks-prod', contexts: ['aks-prod'], from: 'azure auth-provider', file: path,
      args: ['get-token', '--login', 'devicecode', '--tenant-id', TENANT, '--client-id', AKS_CLIENT, '--server-id', AKS_SERVER],
    }]);
    const text = renderSetup(file, result);
    expect(text.startsWith(around.before)).toBe(true);
    expect(text.endsWith(around.after)).toBe(true);
    expect(userOf(text, 'clusterUser_rg-prod_aks-prod')).toEqual({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1', command: 'kubectl-np', args: result.changes[0].args,
        interactiveMode: 'IfAvailable', provideClusterInfo: false, installHint: INSTALL_HINT,
      },
    });
    expect(text).not.toContain('secret-refresh-token');
    expect(text).toContain('user: kind-admin # client certificate user, must stay untouched');
  });

  it('writes any other user as a new exec entry when given a tenant, and flags override the defaults', () => {
    const file = readKubeconfig(copyOf('azure-legacy.yaml'));
    const result = planSetup([file], { context: 'kind', overrides: { 'tenant-id': 'T', 'server-id': 'S', 'client-id': 'C', environment: 'AzureChinaCloud' } });
    expect(result.changes[0]).toMatchObject({ user: 'kind-admin', from: 'other', args: ['get-token', '--login', 'devicecode', '--tenant-id', 'T', '--client-id', 'C', '--server-id', 'S', '--environment', 'AzureChinaCloud'] });
    const user = userOf(renderSetup(file, result), 'kind-admin');
    expect(Object.keys(user)).toEqual(['exec']); // the client certificate no longer competes with the exec entry
  });

  it('refuses a user without a tenant, naming what is missing', () => {
    const file = readKubeconfig(copyOf('azure-legacy.yaml'));
    expect(() => planSetup([file], { context: 'kind', overrides: {} })).toThrow('cannot set up user "kind-admin": --tenant-id is required (the Entra tenant of the cluster)');
    expect(() => planSetup([file], { context: 'nope', overrides: {} })).toThrow(/context "nope" not found/);
  });

  it('converts an Azure kubelogin exec entry keeping its ids and cloud, in the file\'s own indentation style', () => {
    const path = copyOf('kubelogin.yaml');
    const file = readKubeconfig(path);
    const around = surroundings(file, 'clusterUser_rg-gov_aks-gov');
    const result = planSetup([file], { context: 'aks-gov', overrides: {} });
    expect(result.changes[0]).toMatchObject({
      from: 'kubelogin',
      args: ['get-token', '--login', 'devicecode', '--tenant-id', '8a09f2d7-8415-4296-92b2-80bb4666c5fc', '--client-id', AKS_CLIENT, '--server-id', AKS_SERVER, '--environment', 'AzureUSGovernment'],
    });
    const text = renderSetup(file, result);
    expect(text.startsWith(around.before)).toBe(true);
    expect(text.endsWith(around.after)).toBe(true);
  });

  it('is idempotent: a second run changes nothing', () => {
    const file = readKubeconfig(copyOf('kubelogin.yaml'));
    planSetup([file], { context: 'aks-dev', overrides: {} });
    const again = readKubeconfig(copyOf('kubelogin.yaml'));
    again.doc = file.doc;
    const second = planSetup([again], { context: 'aks-dev', overrides: {} });
    expect(second.changes).toEqual([]);
    expect(second.unchanged).toEqual(['clusterUser_rg-dev_aks-dev']);
  });
});

describe('setup --all', () => {
  it('converts every kubelogin user it can and reports the ones it cannot', () => {
    const file = readKubeconfig(copyOf('kubelogin.yaml'));
    const result = planSetup([file], { all: true, overrides: {} });
    expect(result.changes.map((c) => c.user)).toEqual(['clusterUser_rg-dev_aks-dev', 'clusterUser_rg-gov_aks-gov']);
    expect(result.skipped).toEqual([{ user: 'ci-spn', reason: '--login must be one of devicecode, interactive (got "spn")' }]);
    expect(userOf(renderSetup(file, result), 'ci-spn')).toMatchObject({ exec: { command: 'kubelogin' } });
    // the converted context reads back through the same parser login/logout use
    expect(tokenOptionsOfContext([file], 'aks-dev').options).toEqual({ login: 'devicecode', 'tenant-id': TENANT, 'client-id': AKS_CLIENT, 'server-id': AKS_SERVER });
  });

  it('says so when there is nothing to convert', () => {
    const file = readKubeconfig(copyOf('azure-legacy.yaml'));
    planSetup([file], { all: true, overrides: {} });
    const plain = readKubeconfig(copyOf('azure-legacy.yaml'));
    expect(() => planSetup([plain], { context: 'aks-prod', all: true, overrides: {} })).toThrow(/either --context or --all/);
  });
});

describe('writing', () => {
  it('backs the file up next to itself, keeps its mode and writes only when something changed', () => {
    const path = copyOf('azure-legacy.yaml', 0o640);
    const original = readFileSync(path, 'utf8');
    const file = readKubeconfig(path);
    const result = planSetup([file], { context: 'aks-prod', overrides: {} });
    writeSetup(result, new Date('2030-01-02T03:04:05Z'));
    expect(result.backups).toEqual([{ file: path, backup: `${path}.kubectl-np-backup-20300102T030405Z` }]);
    expect(readFileSync(result.backups[0].backup, 'utf8')).toBe(original);
    expect(statSync(result.backups[0].backup).mode & 0o777).toBe(0o600);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readFileSync(path, 'utf8')).toBe(renderSetup(file, result));

    const rerun = readKubeconfig(path);
    const second = planSetup([rerun], { context: 'aks-prod', overrides: {} });
    writeSetup(second);
    expect(second.backups).toEqual([]);
    expect(readdirSync(join(path, '..')).filter((f) => f.includes('backup'))).toHaveLength(1);
  });
});
