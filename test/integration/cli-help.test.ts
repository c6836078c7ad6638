// The root help lists every command and subcommand (explain can-i included), and can-reach --help
// tells about `can-reach me`: what a new user scans first must not hide a command.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireFreshBuild, repoRoot } from './auth/dist.js';
import { isolatedEnv, runCli } from './auth/cli.js';

describe('help', () => {
  it('the root help lists every command in the manifest', async () => {
    requireFreshBuild();
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { hidden?: boolean }> };
    const r = await runCli(['--help'], { env: { ...isolatedEnv(), NO_COLOR: '1', COLUMNS: '200' } });
    expect(r.code).toBe(0);
    const listed = r.stdout.slice(r.stdout.indexOf('COMMANDS')).split('\n').map((l) => /^ {2}(\S+(?: \S+)?) {2,}/.exec(l)?.[1]).filter(Boolean);
    const ids = Object.keys(manifest.commands).map((id) => id.replace(/:/g, ' '));
    expect(ids).toContain('explain can-i');
    for (const id of ids) expect(listed).toContain(id);
  });

  it('can-reach --help shows can-reach me', async () => {
    const r = await runCli(['can-reach', '--help'], { env: { ...isolatedEnv(), NO_COLOR: '1' } });
    expect(r.stdout).toContain('kubectl np can-reach me payments/svc/payments --port 443');
    expect(r.stdout).toContain('SOURCE "me" asks whether YOU can reach DESTINATION through the API server');
  });
});
