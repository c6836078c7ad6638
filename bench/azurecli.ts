// What not caching `--login azurecli`/`azd` costs (issue 17 item 5): every get-token starts the tool.
// Measured in one run on one machine, interleaved round after round, against bare Node start-up and a
// cached get-token. The az here is the test fake (a Node script); the real az is a Python program
// whose own start-up comes on top. Writes docs/benchmarks.md (bench:azurecli).
// Run: npm run build && npx tsx bench/azurecli.ts [rounds]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AKS_SERVER_ID, startEntraEmulator } from '../test/support/entra-emulator/index.js';
import { createFakeAz } from '../test/support/fake-az/index.js';

const root = new URL('..', import.meta.url).pathname;
const rounds = Number(process.argv[2] ?? 20);
if (!existsSync(join(root, 'dist/fast-path.cjs'))) throw new Error('build first: npm run build (makes dist/fast-path.cjs)');

const emu = await startEntraEmulator({ autoApprove: 'bench@contoso.example', deviceCodeIntervalSeconds: 0.05 });
const now = Math.floor(Date.now() / 1000);
const az = createFakeAz({
  signedIn: true,
  tenant: emu.tenantId,
  tokens: { [AKS_SERVER_ID]: { accessToken: emu.mintToken({ aud: AKS_SERVER_ID, iss: emu.issuer(), oid: 'bench-cli-user', iat: now, exp: now + 3600 }), expiresOn: now + 3600 } },
});
const execInfo = (interactive: boolean) => JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1', spec: { interactive } });
const home = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-np-bench-'));
  mkdirSync(join(dir, '.kube'), { mode: 0o700 });
  return dir;
};
const base = { PATH: `${az.binDir}:${process.env.PATH}`, ...az.env };

// the cached comparison: a device-code user signed in once
const cachedArgs = [join(root, 'bin/run.js'), 'get-token', '--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost];
const cachedEnv: NodeJS.ProcessEnv = { ...base, HOME: home(), KUBERNETES_EXEC_INFO: execInfo(true) };
const signIn = spawn(process.execPath, cachedArgs, { env: { ...cachedEnv, NODE_EXTRA_CA_CERTS: emu.caFile }, stdio: 'ignore' });
if ((await new Promise((resolve) => signIn.on('close', resolve))) !== 0) throw new Error('sign-in for the cached row failed');
cachedEnv.KUBERNETES_EXEC_INFO = execInfo(false);

const rows: Array<{ what: string; command: string[]; env: NodeJS.ProcessEnv; samples: number[] }> = [
  { what: 'bare `node -e 0`', command: [process.execPath, '-e', '0'], env: base, samples: [] },
  { what: 'cached `get-token` (device code user, file cache)', command: [process.execPath, ...cachedArgs], env: cachedEnv, samples: [] },
  { what: 'the fake `az account get-access-token` alone', command: [join(az.binDir, 'az'), 'account', 'get-access-token', '--resource', AKS_SERVER_ID, '--output', 'json'], env: base, samples: [] },
  { what: '`get-token --login azurecli` (never cached: starts az each time)', command: [process.execPath, join(root, 'bin/run.js'), 'get-token', '--login', 'azurecli'], env: { ...base, HOME: home(), KUBERNETES_EXEC_INFO: execInfo(false) }, samples: [] },
];

function time(command: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(command[0], command.slice(1), { env, encoding: 'utf8', timeout: 30_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed (${r.signal ?? r.status}): ${r.stderr}`);
  return ms;
}
for (let i = 0; i < rounds + 3; i++) {
  for (const row of rows) {
    const ms = time(row.command, row.env);
    if (i >= 3) row.samples.push(ms);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const bare = median(rows[0].samples);
const cached = median(rows[1].samples);
const table = rows.map((r) => `| ${r.what} | ${median(r.samples).toFixed(1)} ms | ${(median(r.samples) / bare).toFixed(2)}× | ${(median(r.samples) / cached).toFixed(2)}× |`);
const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
const section = `<!-- bench:azurecli:start -->
## \`--login azurecli\` and \`azd\`: not cached (\`npx tsx bench/azurecli.ts\`)

A token cache keyed without the account served the previous account's token after \`az logout\` or a switch
to another account (issue 17). kubectl-np therefore caches nothing for \`--login azurecli\` and \`azd\`, as
Azure/kubelogin does for azurecli: every \`get-token\` asks the tool, which keeps and renews its own tokens.
The alternative, keying the cache on the account the tool reports, would still have to ask the tool (or read
its private files) on every call to notice a switch, so it saves little and adds a way to be wrong.
${rounds} interleaved rounds per row (after 3 warm-up rounds), wall time of the whole process, measured
${new Date().toISOString().slice(0, 10)} on ${cpu} (${cpus().length} cores), Node ${process.version}.

| what | median | vs \`node -e 0\` | vs cached \`get-token\` |
|---|---|---|---|
${table.join('\n')}

The az measured is the test fake, a Node script; the real \`az\` is a Python program, so each kubectl run with
\`--login azurecli\` costs kubectl-np's own start plus az's start-up and token lookup (real az was not installed
on the benchmark machine: not measured here). kubectl keeps the credential in memory for the rest of its own
run, so the cost is paid once per kubectl command, not per request. Most of the gap between the fake az alone
and the uncached \`get-token\` is kubectl-np's full command path (oclif and the modules behind it), which an
uncached mode always takes; answering these modes from the fast path would remove that part.
<!-- bench:azurecli:end -->`;

const docPath = join(root, 'docs/benchmarks.md');
const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
const marked = /<!-- bench:azurecli:start -->[\s\S]*?<!-- bench:azurecli:end -->/;
writeFileSync(docPath, marked.test(doc) ? doc.replace(marked, section) : `${doc.trimEnd()}\n\n${section}\n`);
console.log(section);
await emu.close();
