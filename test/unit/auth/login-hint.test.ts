import { describe, expect, it } from 'vitest';
import { loginCommandFor } from '../../../src/auth/get-token.js';
import { resolveTokenOptions, type RawTokenOptions } from '../../../src/auth/token-options.js';

const noKubeconfig = { HOME: '/nonexistent', KUBECONFIG: '/nonexistent/kubeconfig' };
const hint = (raw: RawTokenOptions) => loginCommandFor(resolveTokenOptions(raw), raw, noKubeconfig);

describe('the "run kubectl np login …" hint without a kubeconfig context', () => {
  it('quotes arguments a shell would split, so the line can be pasted', () => {
    const line = hint({ 'tenant-id': 'contoso.onmicrosoft.com', login: 'interactive', 'browser-command': "node /opt/my browser's/open.mjs" });
    expect(line).toBe(`kubectl np login --login interactive --tenant-id contoso.onmicrosoft.com --browser-command 'node /opt/my browser'\\''s/open.mjs'`);
  });

  it('never repeats a secret given as a flag', () => {
    const line = hint({ 'tenant-id': 't1', login: 'ropc', username: 'bot@contoso.example', password: 'hunter2-very-secret', 'client-secret': 's3cr3t-value' });
    expect(line).not.toContain('hunter2-very-secret');
    expect(line).not.toContain('s3cr3t-value');
    expect(line).toContain('--username bot@contoso.example');
  });
});
