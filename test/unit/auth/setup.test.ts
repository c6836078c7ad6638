import { describe, it, expect } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, statSync, chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, isMap, isSeq, stringify } from 'yaml';
import { readKubeconfig, tokenOptionsOfContext, type KubeconfigFile } from '../../../src/auth/kubeconfig.js';
import { INSTALL_HINT, planSetup, renderSetup, setupEdits, writeSetup } from '../../../src/auth/setup.js';

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

  it('converts an azure auth-provider of Azure Government written with go-autorest\'s name AzureUSGovernmentCloud', () => {
    const path = copyOf('azure-legacy.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('environment: AzurePublicCloud', 'environment: AzureUSGovernmentCloud'));
    const result = planSetup([readKubeconfig(path)], { context: 'aks-prod', overrides: {} });
    expect(result.changes[0].args).toEqual(['get-token', '--login', 'devicecode', '--tenant-id', TENANT, '--client-id', AKS_CLIENT, '--server-id', AKS_SERVER, '--environment', 'AzureUSGovernment']);
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
    expect(result.changes.map((c) => c.user)).toEqual(['clusterUser_rg-dev_aks-dev', 'clusterUser_rg-gov_aks-gov', 'ci-spn']);
    expect(result.skipped).toEqual([]);
    // the service principal keeps its mode; its client ID and secret come from the environment where it runs
    expect(userOf(renderSetup(file, result), 'ci-spn')).toMatchObject({
      exec: { command: 'kubectl-np', args: ['get-token', '--login', 'spn', '--tenant-id', TENANT, '--server-id', AKS_SERVER] },
    });
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

/** a kubeconfig with one context whose user is an Azure/kubelogin exec entry with these arguments */
function kubeloginConfig(args: string[]): KubeconfigFile {
  const path = join(mkdtempSync(join(tmpdir(), 'kubectl-np-setup-')), 'config');
  writeFileSync(path, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'aks',
    clusters: [{ name: 'aks', cluster: { server: 'https://aks.example:443' } }],
    contexts: [{ name: 'aks', context: { cluster: 'aks', user: 'u' } }],
    users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'kubelogin', args: ['get-token', ...args] } } }],
  }), { mode: 0o600 });
  return readKubeconfig(path);
}
const converted = (args: string[], overrides = {}) => planSetup([kubeloginConfig(args)], { context: 'aks', overrides });
const S = ['--server-id', AKS_SERVER];
const ARC = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/arc';

describe('setup converts every Azure/kubelogin login mode, keeping its arguments', () => {
  const SP = '0b0c6f1e-1111-4222-8333-444455556666';
  it.each([
    ['spn with a certificate', ['-l', 'spn', ...S, '-t', TENANT, '--client-id', SP, '--client-certificate', '/etc/sp/cert.pfx'],
      ['--login', 'spn', '--tenant-id', TENANT, '--client-id', SP, ...S, '--client-certificate', '/etc/sp/cert.pfx']],
    ['spn reading Terraform variables', ['-l', 'spn', ...S, '--use-azurerm-env-vars'], ['--login', 'spn', ...S, '--use-azurerm-env-vars']],
    ['workload identity', ['--login', 'workloadidentity', ...S], ['--login', 'workloadidentity', ...S]],
    ['workload identity with its file and authority', ['--login', 'workloadidentity', ...S, '--federated-token-file', '/var/run/token', '--authority-host', 'https://login.microsoftonline.us/'],
      ['--login', 'workloadidentity', ...S, '--authority-host', 'https://login.microsoftonline.us/', '--federated-token-file', '/var/run/token']],
    ['system-assigned managed identity', ['--login', 'msi', ...S], ['--login', 'msi', ...S]],
    ['user-assigned managed identity by client ID', ['--login', 'msi', ...S, '--client-id', SP], ['--login', 'msi', '--client-id', SP, ...S]],
    ['user-assigned managed identity by resource ID', ['--login', 'msi', ...S, '--identity-resource-id', '/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci'],
      ['--login', 'msi', ...S, '--identity-resource-id', '/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci']],
    ['Azure CLI, with its timeout', ['--login', 'azurecli', ...S, '--timeout', '1m'], ['--login', 'azurecli', ...S, '--timeout', '1m']],
    ['kubelogin\'s switches', ['-l', 'spn', ...S, '--disable-environment-override', '--disable-instance-discovery', '--authority-host', 'https://adfs.contoso.example', '-t', 'adfs', '--client-id', SP],
      ['--login', 'spn', '--tenant-id', 'adfs', '--client-id', SP, ...S, '--authority-host', 'https://adfs.contoso.example', '--disable-instance-discovery', '--disable-environment-override']],
    ['interactive with its redirect URL and login hint', ['-l', 'interactive', ...S, '-t', TENANT, '--redirect-url', 'http://localhost:8400', '--login-hint', 'a@contoso.example', '--cache-dir', '/home/a/.kube/cache/kubelogin'],
      ['--login', 'interactive', '--tenant-id', TENANT, '--client-id', AKS_CLIENT, ...S, '--redirect-url', 'http://localhost:8400', '--login-hint', 'a@contoso.example']],
    ['ropc', ['--login', 'ropc', ...S, '-t', TENANT, '--username', 'bot@contoso.example'],
      ['--login', 'ropc', '--tenant-id', TENANT, '--client-id', AKS_CLIENT, ...S, '--username', 'bot@contoso.example']],
    ['interactive with proof-of-possession tokens (Azure Arc)', ['-l', 'interactive', ...S, '-t', TENANT, '--pop-enabled', '--pop-claims', `u=${ARC}`],
      ['--login', 'interactive', '--tenant-id', TENANT, '--client-id', AKS_CLIENT, ...S, '--pop-enabled', '--pop-claims', `u=${ARC}`]],
    ['spn with proof-of-possession tokens', ['-l', 'spn', ...S, '-t', TENANT, '--client-id', SP, '--pop-enabled=true', '--pop-claims', `u=${ARC}`],
      ['--login', 'spn', '--tenant-id', TENANT, '--client-id', SP, ...S, '--pop-enabled', '--pop-claims', `u=${ARC}`]],
  ])('%s', (_name, args, expected) => {
    const result = converted(args);
    expect(result.changes[0]).toMatchObject({ from: 'kubelogin', args: ['get-token', ...expected] });
    expect(result.warnings).toEqual([]);
  });

  it('leaves secrets out of the kubeconfig, warning without showing them', () => {
    const result = converted(['-l', 'spn', ...S, '-t', TENANT, '--client-id', 'sp', '--client-secret', 'kubelogin-entry-secret-value']);
    expect(result.changes[0].args).toEqual(['get-token', '--login', 'spn', '--tenant-id', TENANT, '--client-id', 'sp', ...S]);
    expect(result.warnings).toEqual(['user u: the entry had --client-secret, but secrets are not written into kubeconfigs; set AAD_SERVICE_PRINCIPAL_CLIENT_SECRET or AZURE_CLIENT_SECRET where kubectl runs instead']);

    const file = kubeloginConfig(['--login', 'ropc', ...S, '-t', TENANT, '--username', 'bot@contoso.example']);
    const flagged = planSetup([file], { context: 'aks', overrides: { password: 'flag-password-value', 'client-certificate-password': 'flag-pfx-password' } });
    expect(flagged.warnings).toEqual([
      'user u: --client-certificate-password was given, but secrets are not written into kubeconfigs; set AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD or AZURE_CLIENT_CERTIFICATE_PASSWORD where kubectl runs instead',
      'user u: --password was given, but secrets are not written into kubeconfigs; set AAD_USER_PRINCIPAL_PASSWORD or AZURE_PASSWORD where kubectl runs instead',
    ]);
    const text = renderSetup(file, flagged);
    for (const secret of ['flag-password-value', 'flag-pfx-password']) expect(text).not.toContain(secret);
    expect(JSON.stringify(flagged)).not.toMatch(/flag-password-value|flag-pfx-password|kubelogin-entry-secret-value/);
  });

  it('still refuses what kubectl-np cannot do, and user modes still need a tenant', () => {
    expect(() => converted(['-l', 'spn', ...S, '--legacy'])).toThrow(/--legacy .* not supported/);
    expect(() => converted(['-l', 'msi', ...S, '--pop-enabled', '--pop-claims', 'u=/arm/id'])).toThrow('--pop-enabled works with --login interactive, devicecode, spn; --login msi cannot get proof-of-possession tokens');
    expect(() => converted(['-l', 'spn', ...S, '-t', TENANT, '--pop-enabled'])).toThrow('--pop-enabled needs --pop-claims u=<ARM ID of the cluster>');
    expect(() => converted(['-l', 'devicecode', ...S])).toThrow(/--tenant-id is required/);
    expect(() => converted(['-l', 'magic', ...S])).toThrow(/--login must be one of devicecode, interactive, spn, workloadidentity, msi, azurecli, azd, ropc/);
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

describe("setup reads a kubelogin entry's exec.env (issue 17 item 12)", () => {
  const SP = '0b0c6f1e-1111-4222-8333-444455556666';
  /** like kubeloginConfig, with an env list as `kubelogin convert-kubeconfig -l spn` writes it */
  function withEnv(args: string[], env: { name: string; value: string }[]): KubeconfigFile {
    const path = join(mkdtempSync(join(tmpdir(), 'kubectl-np-setup-')), 'config');
    writeFileSync(path, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'aks',
      clusters: [{ name: 'aks', cluster: { server: 'https://aks.example:443' } }],
      contexts: [{ name: 'aks', context: { cluster: 'aks', user: 'u' } }],
      users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'kubelogin', args: ['get-token', ...args], env } } }],
    }), { mode: 0o600 });
    return readKubeconfig(path);
  }

  it('keeps the service principal\'s client id as --client-id and names the secret it leaves out, without its value', () => {
    const file = withEnv(['--login', 'spn', ...S, '--tenant-id', TENANT], [
      { name: 'AAD_SERVICE_PRINCIPAL_CLIENT_ID', value: SP },
      { name: 'AAD_SERVICE_PRINCIPAL_CLIENT_SECRET', value: 'env-secret-value-123' },
    ]);
    const result = planSetup([file], { context: 'aks', overrides: {} });
    expect(result.changes[0].args).toEqual(['get-token', '--login', 'spn', '--tenant-id', TENANT, '--client-id', SP, ...S]);
    expect(result.warnings).toEqual([
      "user u: AAD_SERVICE_PRINCIPAL_CLIENT_SECRET in the entry's env dropped: secrets are not written into kubeconfigs; set it where kubectl runs instead",
    ]);
    expect(JSON.stringify(result) + renderSetup(file, result)).not.toContain('env-secret-value-123');
  });

  it('the env wins over an argument in the modes that read it (as in kubelogin); other variables are named as dropped', () => {
    const file = withEnv(['--login', 'workloadidentity', ...S, '--client-id', 'from-args'], [
      { name: 'AZURE_CLIENT_ID', value: SP },
      { name: 'AZURE_TENANT_ID', value: TENANT },
      { name: 'AZURE_FEDERATED_TOKEN_FILE', value: '/var/run/secrets/azure/tokens/azure-identity-token' },
      { name: 'HTTPS_PROXY', value: 'http://proxy:3128' },
    ]);
    const result = planSetup([file], { context: 'aks', overrides: {} });
    expect(result.changes[0].args).toEqual(['get-token', '--login', 'workloadidentity', '--tenant-id', TENANT, '--client-id', SP, ...S, '--federated-token-file', '/var/run/secrets/azure/tokens/azure-identity-token']);
    expect(result.warnings).toEqual(["user u: HTTPS_PROXY in the entry's env dropped: --login workloadidentity does not read it from a kubeconfig; set it where kubectl runs if needed"]);
  });

  it('a variable the mode does not read is not turned into a flag, but named', () => {
    const result = planSetup([withEnv(['--login', 'devicecode', ...S, '-t', TENANT], [{ name: 'AZURE_CLIENT_ID', value: SP }])], { context: 'aks', overrides: {} });
    expect(result.changes[0].args).toEqual(['get-token', '--login', 'devicecode', '--tenant-id', TENANT, '--client-id', AKS_CLIENT, ...S]);
    expect(result.warnings).toEqual(["user u: AZURE_CLIENT_ID in the entry's env dropped: --login devicecode does not read it from a kubeconfig; set it where kubectl runs if needed"]);
  });
});

describe('setup --dry-run texts (setupEdits)', () => {
  it('masks every credential the replaced entries held, in block and flow style, and writes nothing', () => {
    const path = copyOf('azure-legacy.yaml');
    const file = readKubeconfig(path);
    const [edit] = setupEdits(planSetup([file], { context: 'aks-prod', overrides: {} }));
    expect(edit.path).toBe(path);
    expect(file.original).toContain('refresh-token: 0.ARoAv4j5');
    expect(edit.before).toMatch(/access-token: <redacted>/);
    expect(edit.before).toMatch(/refresh-token: <redacted>/);
    expect(edit.after).toContain('command: kubectl-np');
    expect(edit.before + edit.after).not.toMatch(/eyJ0eXAi|secret-refresh-token/);
    expect(readFileSync(path, 'utf8')).toBe(file.original);

    const flow = join(mkdtempSync(join(tmpdir(), 'kubectl-np-setup-')), 'config');
    writeFileSync(
      flow,
      'apiVersion: v1\nkind: Config\ncurrent-context: x\ncontexts: [{name: x, context: {cluster: c, user: kl}}]\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\n' +
        'users:\n- name: kl\n  user:\n    exec:\n      command: kubelogin\n      args: [get-token, -l, spn, --client-id, sp, "--client-secret", kubelogin-secret-value, -t, ' + TENANT + ', --password=pw-value-123]\n' +
        '      env: [{name: AAD_SERVICE_PRINCIPAL_CLIENT_SECRET, value: env-secret-value}]\n',
      { mode: 0o600 },
    );
    const [masked] = setupEdits(planSetup([readKubeconfig(flow)], { context: 'x', overrides: {} }));
    expect(masked.before).toContain('"--client-secret", <redacted>');
    expect(masked.before).toMatch(/--password=\S*redacted/);
    expect(masked.before).toContain('value: <redacted>');
    expect(masked.before + masked.after).not.toMatch(/kubelogin-secret-value|pw-value-123|env-secret-value/);
  });
});
