import { describe, it, expect } from 'vitest';
import { formatExecArgs, parseExecArgs } from '../../../src/auth/exec-args.js';

describe('exec args of the non-interactive modes', () => {
  it('reads an Azure/kubelogin argument list unchanged (switching `command:` is enough)', () => {
    const kubelogin = ['--login', 'spn', '--server-id', 'S', '-t', 'T', '--client-id', 'C', '--client-certificate', '/c.pfx', '--environment', 'AzurePublicCloud',
      '--use-azurerm-env-vars', '--disable-environment-override', '--disable-instance-discovery', '--token-cache-dir', '/cache', '--timeout', '60s'];
    expect(parseExecArgs(kubelogin)).toEqual({
      ok: true, debug: false,
      options: {
        login: 'spn', 'server-id': 'S', 'tenant-id': 'T', 'client-id': 'C', 'client-certificate': '/c.pfx', environment: 'AzurePublicCloud',
        'use-azurerm-env-vars': 'true', 'disable-environment-override': 'true', 'disable-instance-discovery': 'true', 'cache-dir': '/cache', timeout: '60s',
      },
    });
    expect(parseExecArgs(['--login', 'msi', '--identity-resource-id', '/ids/x', '--federated-token-file=/t'])).toMatchObject({ ok: true, options: { 'identity-resource-id': '/ids/x', 'federated-token-file': '/t' } });
    // kubelogin features kubectl-np does not have are reported, not ignored
    expect(parseExecArgs(['--legacy'])).toEqual({ ok: false, reason: 'unknown flag --legacy' });
  });

  it('switches take no value, or an explicit true/false', () => {
    expect(parseExecArgs(['--disable-environment-override=false'])).toEqual({ ok: true, debug: false, options: {} });
    expect(parseExecArgs(['--use-azurerm-env-vars=yes'])).toMatchObject({ ok: false, reason: '--use-azurerm-env-vars=yes takes no value' });
  });

  it('round-trips what setup writes, switches included', () => {
    const options = { login: 'workloadidentity', 'server-id': 'S', 'federated-token-file': '/var/run/token', 'disable-instance-discovery': 'true', 'disable-environment-override': 'true' };
    const args = formatExecArgs(options);
    expect(args).toEqual(['get-token', '--login', 'workloadidentity', '--server-id', 'S', '--federated-token-file', '/var/run/token', '--disable-instance-discovery', '--disable-environment-override']);
    expect(parseExecArgs(args.slice(1))).toEqual({ ok: true, debug: false, options });
  });
});
