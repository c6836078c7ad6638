import { describe, it, expect } from 'vitest';
import { AKS_CLIENT_ID, AKS_SERVER_ID, parseDuration, resolveTokenOptions } from '../../../src/auth/token-options.js';
import { formatExecArgs, parseExecArgs } from '../../../src/auth/exec-args.js';

const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('token options', () => {
  it('defaults to the AKS server and client ids, device code, the public cloud and the keychain', () => {
    const spec = resolveTokenOptions({ 'tenant-id': tenant });
    expect(spec).toMatchObject({
      loginMode: 'devicecode',
      serverId: AKS_SERVER_ID,
      clientId: AKS_CLIENT_ID,
      authority: `https://login.microsoftonline.com/${tenant}`,
      knownAuthorities: [],
      scopes: [`${AKS_SERVER_ID}/.default`],
      tokenType: 'access',
      storage: 'keychain',
      timeoutMs: 300_000,
    });
  });

  it('maps the sovereign clouds by their kubelogin names', () => {
    expect(resolveTokenOptions({ 'tenant-id': tenant, environment: 'AzureUSGovernment' }).authorityHost).toBe('https://login.microsoftonline.us');
    expect(resolveTokenOptions({ 'tenant-id': tenant, environment: 'azurechinacloud' }).authorityHost).toBe('https://login.chinacloudapi.cn');
  });

  it('accepts the other names go-autorest and the legacy azure auth-provider use for a cloud, with the same cache', () => {
    const gov = resolveTokenOptions({ 'tenant-id': tenant, environment: 'AzureUSGovernment' });
    for (const alias of ['AzureUSGovernmentCloud', 'azureusgovernmentcloud', 'AZUREUSGOVERNMENT']) {
      const spec = resolveTokenOptions({ 'tenant-id': tenant, environment: alias });
      expect(spec.authorityHost).toBe('https://login.microsoftonline.us');
      expect(spec.cacheKey).toBe(gov.cacheKey);
    }
    const pub = resolveTokenOptions({ 'tenant-id': tenant });
    expect(resolveTokenOptions({ 'tenant-id': tenant, environment: 'AzureCloud' }).cacheKey).toBe(pub.cacheKey);
    expect(() => resolveTokenOptions({ 'tenant-id': tenant, environment: 'Mars' })).toThrow(
      'unknown --environment "Mars" (known: AzurePublicCloud, AzureUSGovernment, AzureChinaCloud, AzureCloud, AzureUSGovernmentCloud)',
    );
  });

  it('refuses a --timeout over 24h instead of overflowing Node\'s timers into an instant timeout', () => {
    expect(resolveTokenOptions({ 'tenant-id': tenant, timeout: '24h' }).timeoutMs).toBe(86_400_000);
    expect(() => resolveTokenOptions({ 'tenant-id': tenant, timeout: '600h' })).toThrow('--timeout must be at most 24h (got "600h")');
    expect(() => resolveTokenOptions({ 'tenant-id': tenant, timeout: '86401' })).toThrow('--timeout must be at most 24h (got "86401")');
    expect(() => resolveTokenOptions({ 'tenant-id': tenant, login: 'azurecli' }, { AZURE_CLI_TIMEOUT: '1000h' })).toThrow('AZURE_CLI_TIMEOUT must be at most 24h (got "1000h")');
  });

  it('refuses an unknown environment instead of silently using the public cloud', () => {
    expect(() => resolveTokenOptions({ 'tenant-id': tenant, environment: 'AzureGermanCloud' })).toThrow(/unknown --environment "AzureGermanCloud"/);
  });

  it('trusts a non-Microsoft authority host explicitly so msal-node does no instance discovery', () => {
    const spec = resolveTokenOptions({ 'tenant-id': tenant, 'authority-host': 'https://127.0.0.1:8443/' });
    expect(spec.authority).toBe(`https://127.0.0.1:8443/${tenant}`);
    expect(spec.knownAuthorities).toEqual(['127.0.0.1:8443']);
  });

  it('requires a tenant and valid enumerations', () => {
    expect(() => resolveTokenOptions({})).toThrow(/--tenant-id is required/);
    expect(() => resolveTokenOptions({ 'tenant-id': tenant, login: 'magic' })).toThrow(/--login must be one of devicecode/);
    expect(() => resolveTokenOptions({ 'tenant-id': tenant, 'token-cache-storage': 'cloud' })).toThrow(/--token-cache-storage/);
    expect(() => resolveTokenOptions({ 'tenant-id': tenant, 'authority-host': 'http://insecure' })).toThrow(/https/);
  });

  it('gives different clusters, tenants and clients different cache keys, and the same call the same key', () => {
    const base = { 'tenant-id': tenant };
    const key = (o: object) => resolveTokenOptions({ ...base, ...o }).cacheKey;
    const keys = new Set([key({}), key({ 'server-id': 'other' }), key({ 'client-id': 'other' }), key({ 'tenant-id': 'other' }), key({ environment: 'AzureChinaCloud' })]);
    expect(keys.size).toBe(5);
    expect(key({})).toBe(key({ 'server-id': AKS_SERVER_ID.toUpperCase() }));
    // access and ID tokens come from the same sign-in: same cache
    expect(key({ 'token-type': 'id' })).toBe(key({}));
  });

  it('parses kubelogin-style durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2')).toBe(2000);
    expect(() => parseDuration('soon')).toThrow(/invalid duration/);
    expect(() => parseDuration('5m later')).toThrow(/invalid duration/);
  });
});

describe('exec args', () => {
  it('parses long, inline and short forms', () => {
    const parsed = parseExecArgs(['--tenant-id', 'T', '--server-id=S', '-l', 'devicecode', '--token-cache-dir', '/c', '--debug']);
    expect(parsed).toEqual({ ok: true, debug: true, options: { 'tenant-id': 'T', 'server-id': 'S', login: 'devicecode', 'cache-dir': '/c' } });
  });

  it('reports what it does not understand instead of guessing', () => {
    expect(parseExecArgs(['--tenant-id'])).toMatchObject({ ok: false, reason: '--tenant-id needs a value' });
    expect(parseExecArgs(['--legacy'])).toMatchObject({ ok: false, reason: 'unknown flag --legacy' });
    expect(parseExecArgs(['--pop-enabled=true'])).toMatchObject({ ok: false, reason: '--pop-enabled takes no value (got "--pop-enabled=true")' });
    expect(parseExecArgs(['stray'])).toMatchObject({ ok: false });
  });

  it('round-trips the argument list setup writes', () => {
    const options = { 'tenant-id': 'T', 'server-id': 'S', 'client-id': 'C', environment: 'AzureUSGovernment' };
    const args = formatExecArgs(options);
    expect(args[0]).toBe('get-token');
    expect(parseExecArgs(args.slice(1))).toEqual({ ok: true, debug: false, options });
  });
});

describe('non-interactive modes read Azure/kubelogin environment variables', () => {
  const SP = '0b0c6f1e-1111-4222-8333-444455556666';
  const resolve = (raw: object, env: NodeJS.ProcessEnv) => resolveTokenOptions(raw, env);

  it('AAD_LOGIN_METHOD wins over --login (one kubeconfig for people and pipelines)', () => {
    const env = { AAD_LOGIN_METHOD: 'spn', AZURE_CLIENT_ID: SP, AZURE_CLIENT_SECRET: 's3cret-value', AZURE_TENANT_ID: tenant };
    const spec = resolve({ login: 'devicecode', 'tenant-id': tenant, 'client-id': AKS_CLIENT_ID }, env);
    expect(spec).toMatchObject({ loginMode: 'spn', clientId: SP, tenantId: tenant });
    expect(() => resolve({ 'tenant-id': tenant }, { AAD_LOGIN_METHOD: 'magic' })).toThrow(/^AAD_LOGIN_METHOD must be one of devicecode, .* \(got "magic"\)$/);
  });

  it('spn: AZURE_* over AAD_SERVICE_PRINCIPAL_* over flags; Terraform ARM_* with --use-azurerm-env-vars', () => {
    const env = { AAD_SERVICE_PRINCIPAL_CLIENT_ID: 'from-aad', AZURE_CLIENT_ID: 'from-azure', AAD_SERVICE_PRINCIPAL_CLIENT_SECRET: 'aad-secret', ARM_CLIENT_ID: 'from-arm', ARM_TENANT_ID: 'arm-tenant', ARM_CLIENT_SECRET: 'arm-secret' };
    expect(resolve({ login: 'spn', 'tenant-id': tenant, 'client-id': 'flag' }, env).clientId).toBe('from-azure');
    expect(resolve({ login: 'spn', 'tenant-id': tenant, 'client-id': 'flag' }, { AAD_SERVICE_PRINCIPAL_CLIENT_ID: 'from-aad' }).clientId).toBe('from-aad');
    expect(resolve({ login: 'spn', 'tenant-id': tenant, 'client-id': 'flag' }, {}).clientId).toBe('flag');
    expect(resolve({ login: 'spn', 'tenant-id': tenant }, env).secrets.clientSecret()).toBe('aad-secret');
    const terraform = resolve({ login: 'spn', 'use-azurerm-env-vars': 'true' }, env);
    expect(terraform).toMatchObject({ clientId: 'from-arm', tenantId: 'arm-tenant' });
    expect(terraform.secrets.clientSecret()).toBe('arm-secret');
    expect(resolve({ login: 'spn', 'tenant-id': tenant, 'client-id': SP, 'client-certificate': '/flag.pem' }, { AZURE_CLIENT_CERTIFICATE_PATH: '/env.pfx' }).app.clientCertificate).toBe('/env.pfx');
  });

  it('the environment does not change the user modes (unlike kubelogin, AZURE_CLIENT_ID does not hijack a device code sign-in)', () => {
    const env = { AZURE_CLIENT_ID: SP, AZURE_TENANT_ID: 'other-tenant' };
    expect(resolve({ 'tenant-id': tenant }, env)).toMatchObject({ clientId: AKS_CLIENT_ID, tenantId: tenant });
  });

  it('workloadidentity: the webhook variables, or GitHub Actions OIDC', () => {
    const env = { AZURE_CLIENT_ID: SP, AZURE_TENANT_ID: tenant, AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token', AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/' };
    const spec = resolve({ login: 'workloadidentity', 'federated-token-file': '/flag' }, env);
    expect(spec).toMatchObject({ clientId: SP, tenantId: tenant, authorityHost: 'https://login.microsoftonline.us', app: { federatedTokenFile: env.AZURE_FEDERATED_TOKEN_FILE } });
    const gha = resolve({ login: 'workloadidentity' }, { AZURE_CLIENT_ID: SP, AZURE_TENANT_ID: tenant, ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/x?a=1', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req' });
    expect(gha.app).toEqual({ githubActions: { requestUrl: 'https://token.actions.example/x?a=1' } });
    expect(() => resolve({ login: 'workloadidentity' }, { AZURE_CLIENT_ID: SP, AZURE_TENANT_ID: tenant })).toThrow(/needs a federated token: set AZURE_FEDERATED_TOKEN_FILE/);
  });

  it('Azure Pipelines OIDC (workload identity service connection), with its client and tenant', () => {
    const env = { SYSTEM_OIDCREQUESTURI: 'https://dev.azure.com/contoso/p/_apis/distributedtask/hubs/build/plans/x/jobs/y/oidctoken', SYSTEM_ACCESSTOKEN: 'job-token',
      AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: 'sc-1', AZURESUBSCRIPTION_CLIENT_ID: SP, AZURESUBSCRIPTION_TENANT_ID: tenant };
    const spec = resolve({ login: 'workloadidentity' }, env);
    expect(spec).toMatchObject({ clientId: SP, tenantId: tenant, app: { azurePipelines: { requestUri: env.SYSTEM_OIDCREQUESTURI, serviceConnectionId: 'sc-1' } } });
    expect(JSON.stringify(spec)).not.toContain('job-token');
    // without SYSTEM_ACCESSTOKEN mapped into the step there is no token source
    const { SYSTEM_ACCESSTOKEN: _t, ...unmapped } = env;
    expect(() => resolve({ login: 'workloadidentity' }, unmapped)).toThrow(/Azure Pipelines with a workload identity service connection/);
  });

  it('AZURE_ENVIRONMENT and AZURE_CLI_TIMEOUT apply to the non-interactive modes; --disable-environment-override ignores every variable', () => {
    const env = { AZURE_ENVIRONMENT: 'AzureUSGovernment', AZURE_CLI_TIMEOUT: '45s', AAD_LOGIN_METHOD: 'azurecli' };
    expect(resolve({ 'tenant-id': tenant }, env)).toMatchObject({ loginMode: 'azurecli', authorityHost: 'https://login.microsoftonline.us', timeoutMs: 45_000 });
    expect(resolve({ 'tenant-id': tenant }, { AZURE_ENVIRONMENT: 'AzureUSGovernment' }).authorityHost).toBe('https://login.microsoftonline.com');
    const off = resolve({ 'tenant-id': tenant, 'client-id': 'flag', login: 'msi', 'disable-environment-override': 'true' }, { ...env, AZURE_CLIENT_ID: SP });
    expect(off).toMatchObject({ loginMode: 'msi', clientId: 'flag', authorityHost: 'https://login.microsoftonline.com', timeoutMs: 300_000 });
    expect(resolve({ login: 'spn', 'tenant-id': tenant, 'client-id': SP, 'client-secret': 'flag-secret', 'disable-environment-override': 'true' }, { AZURE_CLIENT_SECRET: 'env-secret' }).secrets.clientSecret()).toBe('flag-secret');
  });

  it('needs what each mode needs, and only that', () => {
    expect(() => resolve({ login: 'spn', 'tenant-id': tenant }, {})).toThrow(/--client-id or AAD_SERVICE_PRINCIPAL_CLIENT_ID\/AZURE_CLIENT_ID/);
    expect(() => resolve({ login: 'spn', 'client-id': SP }, {})).toThrow(/--tenant-id or AZURE_TENANT_ID is required/);
    expect(() => resolve({ login: 'ropc', 'tenant-id': tenant }, {})).toThrow(/--username or AAD_USER_PRINCIPAL_NAME/);
    expect(resolve({ login: 'msi' }, {})).toMatchObject({ tenantId: '', clientId: '', app: {} });
    expect(resolve({ login: 'azurecli' }, {})).toMatchObject({ tenantId: '', clientId: '' });
    expect(() => resolve({ login: 'msi', 'client-id': SP, 'identity-resource-id': '/x' }, {})).toThrow(/either a client ID or --identity-resource-id/);
    expect(() => resolve({ login: 'spn', 'tenant-id': tenant, 'client-id': SP, 'token-type': 'id' }, {})).toThrow(/--token-type id needs a user sign-in/);
  });

  it('--disable-instance-discovery trusts even a Microsoft host as given', () => {
    expect(resolve({ 'tenant-id': tenant }, {}).knownAuthorities).toEqual([]);
    expect(resolve({ 'tenant-id': tenant, 'disable-instance-discovery': 'true' }, {}).knownAuthorities).toEqual(['login.microsoftonline.com']);
    expect(resolve({ 'tenant-id': 'adfs', 'authority-host': 'https://adfs.contoso.example', 'disable-instance-discovery': 'true' }, {}).authority).toBe('https://adfs.contoso.example/adfs');
  });

  it('cache keys: one per principal, env-derived like flag-derived, never from a secret', () => {
    const spn = (env: NodeJS.ProcessEnv, raw: object = {}) => resolve({ login: 'spn', 'tenant-id': tenant, ...raw }, env).cacheKey;
    expect(spn({ AZURE_CLIENT_ID: SP, AZURE_CLIENT_SECRET: 'one' })).toBe(spn({ AZURE_CLIENT_ID: SP, AZURE_CLIENT_SECRET: 'two' }));
    expect(spn({ AZURE_CLIENT_ID: SP })).toBe(spn({}, { 'client-id': SP }));
    expect(spn({ AZURE_CLIENT_ID: SP })).not.toBe(spn({ AZURE_CLIENT_ID: 'another-sp' }));
    // the same application through a federated token gets the same tokens
    expect(resolve({ login: 'workloadidentity', 'tenant-id': tenant, 'client-id': SP, 'federated-token-file': '/t' }, {}).cacheKey).toBe(spn({}, { 'client-id': SP }));
    const msi = (raw: object) => resolve({ login: 'msi', ...raw }, {}).cacheKey;
    const keys = new Set([
      msi({}), msi({ 'client-id': SP }), msi({ 'identity-resource-id': '/ids/ci' }), msi({ 'server-id': 'other' }),
      resolve({ login: 'azurecli' }, {}).cacheKey, resolve({ login: 'azurecli' }, { AZURE_CONFIG_DIR: '/ci/.azure' }).cacheKey,
      resolve({ 'tenant-id': tenant, 'client-id': SP }, {}).cacheKey, spn({}, { 'client-id': SP }),
      resolve({ login: 'ropc', 'tenant-id': tenant, username: 'a@x' }, {}).cacheKey, resolve({ login: 'ropc', 'tenant-id': tenant, username: 'b@x' }, {}).cacheKey,
    ]);
    expect(keys.size).toBe(10);
  });

  it('secrets are read on demand and never show when the spec is printed or serialised', async () => {
    const { inspect } = await import('node:util');
    const env = { AZURE_CLIENT_ID: SP, AZURE_CLIENT_SECRET: 'env-secret-value' };
    const spec = resolve({ login: 'spn', 'tenant-id': tenant, 'client-certificate-password': 'flag-pfx-pass', password: 'flag-password' }, env);
    expect(spec.secrets.clientSecret()).toBe('env-secret-value');
    expect(spec.secrets.clientCertificatePassword()).toBe('flag-pfx-pass');
    for (const text of [JSON.stringify(spec), inspect(spec, { depth: 10, showHidden: true }), String(spec.secrets)]) {
      expect(text).not.toMatch(/env-secret-value|flag-pfx-pass|flag-password/);
    }
  });
});

describe('proof-of-possession options (--pop-enabled, --pop-claims)', () => {
  const ARC = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/arc';
  const pop = { 'tenant-id': tenant, 'pop-enabled': 'true', 'pop-claims': `u=${ARC}` };

  it('takes u and further claims, for interactive, devicecode and spn, cached apart from bearer tokens', () => {
    expect(resolveTokenOptions({ ...pop, 'pop-claims': ` u = ${ARC} ,x=1` }).pop).toEqual({ claims: { u: ARC, x: '1' } });
    for (const login of ['interactive', 'devicecode']) expect(resolveTokenOptions({ ...pop, login }).pop?.claims.u).toBe(ARC);
    expect(resolveTokenOptions({ ...pop, login: 'spn', 'client-id': 'sp' }, {}).pop?.claims.u).toBe(ARC);
    const bearer = resolveTokenOptions({ 'tenant-id': tenant });
    expect(resolveTokenOptions(pop).cacheKey).not.toBe(bearer.cacheKey);
    // the cluster named by u does not change which token is cached: one token serves every Arc cluster
    expect(resolveTokenOptions({ ...pop, 'pop-claims': 'u=/other/cluster' }).cacheKey).toBe(resolveTokenOptions(pop).cacheKey);
    expect(bearer.pop).toBeUndefined();
  });

  it('refuses claims it cannot use, one flag without the other, and modes without PoP, each in one line', () => {
    const bad: [Record<string, string>, string][] = [
      [{ ...pop, 'pop-claims': '' }, '--pop-claims is empty; write it as u=<ARM ID of the cluster>[,key=value…]'],
      [{ ...pop, 'pop-claims': ARC }, `--pop-claims "${ARC}" is not a list of key=value pairs; write it as u=<ARM ID of the cluster>[,key=value…]`],
      [{ ...pop, 'pop-claims': 'u=' }, '--pop-claims "u=" is not a list of key=value pairs; write it as u=<ARM ID of the cluster>[,key=value…]'],
      [{ ...pop, 'pop-claims': 'x=1' }, '--pop-claims has no u claim, the ARM ID of the cluster; write it as u=<ARM ID of the cluster>[,key=value…]'],
      [{ ...pop, 'pop-claims': 'u=a\u001b[2Jb' }, '--pop-claims "u" has spaces or control characters in it; write it as u=<ARM ID of the cluster>[,key=value…]'],
      [{ 'tenant-id': tenant, 'pop-enabled': 'true' }, '--pop-enabled needs --pop-claims u=<ARM ID of the cluster>'],
      [{ 'tenant-id': tenant, 'pop-claims': `u=${ARC}` }, '--pop-claims needs --pop-enabled (proof-of-possession tokens take both)'],
      [{ ...pop, login: 'msi' }, '--pop-enabled works with --login interactive, devicecode, spn; --login msi cannot get proof-of-possession tokens'],
      [{ ...pop, 'token-type': 'id' }, '--pop-enabled binds access tokens; it does not combine with --token-type id'],
    ];
    for (const [raw, message] of bad) expect(() => resolveTokenOptions(raw, {}), JSON.stringify(raw)).toThrow(message);
  });

  it('round-trips through the argument list setup writes', () => {
    const args = formatExecArgs(pop);
    expect(args.slice(-3)).toEqual(['--pop-enabled', '--pop-claims', `u=${ARC}`]);
    expect(parseExecArgs(args.slice(1))).toEqual({ ok: true, debug: false, options: pop });
  });
});
