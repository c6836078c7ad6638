import fc from 'fast-check';
import { Parser } from '@oclif/core';
import { describe, it, expect } from 'vitest';
import { debugFlag } from '../../../src/cli/base.js';
import { rawTokenOptions, tokenFlags } from '../../../src/auth/token-flags.js';
import { resolveTokenOptions } from '../../../src/auth/token-options.js';
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

  it('switches take no value, as in oclif: --flag=true and --flag=false are refused', () => {
    expect(parseExecArgs(['--disable-environment-override=false'])).toMatchObject({ ok: false, reason: expect.stringMatching(/^--disable-environment-override takes no value/) });
    expect(parseExecArgs(['--skip-open-browser=true'])).toMatchObject({ ok: false });
    expect(parseExecArgs(['--debug=true'])).toMatchObject({ ok: false });
    expect(parseExecArgs(['--use-azurerm-env-vars=yes'])).toMatchObject({ ok: false });
    expect(parseExecArgs(['--skip-open-browser', '--skip-open-browser', '--debug'])).toEqual({ ok: true, debug: true, options: { 'skip-open-browser': 'true' } });
  });

  it('a value flag is given once, under any of its names', () => {
    expect(parseExecArgs(['--tenant-id', 'a', '--tenant-id', 'b'])).toEqual({ ok: false, reason: '--tenant-id can only be given once' });
    expect(parseExecArgs(['-t', 'a', '--tenant-id=b'])).toMatchObject({ ok: false });
    expect(parseExecArgs(['--cache-dir', '/a', '--token-cache-dir', '/b'])).toMatchObject({ ok: false });
  });

  it('round-trips what setup writes, switches included', () => {
    const options = { login: 'workloadidentity', 'server-id': 'S', 'federated-token-file': '/var/run/token', 'disable-instance-discovery': 'true', 'disable-environment-override': 'true' };
    const args = formatExecArgs(options);
    expect(args).toEqual(['get-token', '--login', 'workloadidentity', '--server-id', 'S', '--federated-token-file', '/var/run/token', '--disable-instance-discovery', '--disable-environment-override']);
    expect(parseExecArgs(args.slice(1))).toEqual({ ok: true, debug: false, options });
  });
});

// One grammar on both paths (issue 17 item 11): whatever the fast path accepts (and answers from the
// cache, before oclif loads), `kubectl-np get-token` under oclif accepts too, with the same values.
describe('the fast path parser against oclif', () => {
  const flags = { ...tokenFlags, ...debugFlag };
  async function oclif(argv: string[]): Promise<{ ok: true; options: ReturnType<typeof rawTokenOptions>; debug: boolean } | { ok: false; reason: string }> {
    try {
      const { flags: parsed } = await Parser.parse(argv, { flags, strict: true, args: {} });
      return { ok: true, options: rawTokenOptions(parsed), debug: parsed.debug === true };
    } catch (err) {
      return { ok: false, reason: (err as Error).message.split('\n')[0] };
    }
  }

  /**
   * The fast path's verdict: its parser, then resolveTokenOptions (which checks the values with a fixed
   * list, as oclif does while parsing) before any cache is read. A tenant is supplied when none is given:
   * the fast path refusing for its absence would only hide the parser from the comparison.
   */
  function fastPath(argv: string[]): ReturnType<typeof parseExecArgs> {
    const parsed = parseExecArgs(argv);
    if (!parsed.ok) return parsed;
    try {
      resolveTokenOptions({ 'tenant-id': 'T', ...parsed.options }, {});
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
    return parsed;
  }

  const OPTION_VALUES: Record<string, readonly string[]> = { login: ['devicecode', 'interactive', 'spn'], 'token-cache-storage': ['file', 'none'], 'token-type': ['access', 'id'] };
  const longValueFlags = ['login', 'tenant-id', 'client-id', 'server-id', 'environment', 'cache-dir', 'token-cache-dir', 'timeout', 'token-type', 'token-cache-storage', 'listen-address', 'login-hint', 'username'];
  const shortOf: Record<string, string> = { l: 'login', t: 'tenant-id', e: 'environment' };
  const switches = ['skip-open-browser', 'disable-instance-discovery', 'use-azurerm-env-vars', 'debug'];
  /** values, some of which look like flags (known and unknown) or are empty */
  const valueFor = (flag: string) =>
    OPTION_VALUES[flag] ? fc.constantFrom(...OPTION_VALUES[flag]) : fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9./:_-]{1,12}$/),
      fc.constantFrom('', '-', '--', '-x', '--nonexistent', '--login', '-t', '-tx', '--debug', '--tenant-id=x', '-5', 'true'),
    );
  const token = fc.oneof<fc.Arbitrary<string[]>[]>(
    fc.constantFrom(...longValueFlags).chain((f) => valueFor(f === 'token-cache-dir' ? 'cache-dir' : f).chain((v) => fc.constantFrom<string[]>([`--${f}`, v], [`--${f}=${v}`]))),
    fc.constantFrom(...Object.keys(shortOf)).chain((c) => valueFor(shortOf[c]).chain((v) => fc.constantFrom<string[]>([`-${c}`, v], [`-${c}${v}`], [`-${c}=${v}`]))),
    fc.constantFrom(...longValueFlags).map((f) => [`--${f}`]),
    fc.constantFrom(...switches).chain((f) => fc.constantFrom<string[]>([`--${f}`], [`--${f}=true`], [`--${f}=false`], [`--${f}=`])),
    fc.constantFrom<string[]>(['--'], ['stray'], ['--pop-enabled'], ['--l', 'x'], ['-d'], ['--Tenant-id', 'x'], ['-'], ['--no-skip-open-browser']),
  );
  const argLists = fc.array(token, { maxLength: 6 }).map((parts) => parts.flat());

  it('what the fast path accepts, oclif accepts with the same values; what oclif refuses, the fast path refuses', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(argLists, async (argv) => {
        const fast = fastPath(argv);
        const full = await oclif(argv);
        if (fast.ok) {
          accepted++;
          expect(full, JSON.stringify(argv)).toEqual({ ok: true, options: fast.options, debug: fast.debug });
        }
        if (!full.ok) expect(fast.ok, `${JSON.stringify(argv)}: oclif says ${full.reason}`).toBe(false);
      }),
      { numRuns: 1500 },
    );
    // the generator reaches the accepted side too, not only errors
    expect(accepted).toBeGreaterThan(100);
  });

  it('the forms the review found accepted by the fast path only are refused by both', async () => {
    for (const argv of [['--tenant-id', 'a', '--tenant-id', 'b'], ['--skip-open-browser=true'], ['--disable-environment-override=false'], ['--debug=true'], ['-t', 'a', '-t', 'b']]) {
      expect(parseExecArgs(argv).ok, JSON.stringify(argv)).toBe(false);
      expect((await oclif(argv)).ok, JSON.stringify(argv)).toBe(false);
    }
  });
});
