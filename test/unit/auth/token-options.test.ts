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
    expect(parseExecArgs(['--pop-enabled'])).toMatchObject({ ok: false, reason: 'unknown flag --pop-enabled' });
    expect(parseExecArgs(['stray'])).toMatchObject({ ok: false });
  });

  it('round-trips the argument list setup writes', () => {
    const options = { 'tenant-id': 'T', 'server-id': 'S', 'client-id': 'C', environment: 'AzureUSGovernment' };
    const args = formatExecArgs(options);
    expect(args[0]).toBe('get-token');
    expect(parseExecArgs(args.slice(1))).toEqual({ ok: true, debug: false, options });
  });
});
