// A live command on a cluster of 20,000 pods (issue 16 item 7): how long kubectl-np takes to list them page by
// page (limit=500, like kubectl) from the test API server double, and the peak memory (RSS) of its process,
// against `kubectl get pods -A -o name` listing the same pods in the same run, and against kubectl-np on a 1,000-pod
// cluster (what the 19,000 extra pods cost). Rounds are interleaved; medians compared.
// The command is `can-reach -A`: it reads every list of every namespace, then judges one connection.
// Needs GNU time (/usr/bin/time) for the peak RSS. Writes docs/benchmarks.md (bench:pods-20k).
// NP_BEFORE=DIR adds a built checkout of an earlier kubectl-np (DIR/bin/run.js) on the same cluster, interleaved,
// to compare a change before/after in one run.
// NP_NODE_OPTIONS (e.g. --max-old-space-size=120) is passed to the measured kubectl-np processes as NODE_OPTIONS:
// a capped heap shows what must be live, where the default heap's peak RSS also counts garbage not yet collected.
// Run: npm run build && [NP_BEFORE=DIR] npx tsx bench/pods-20k.ts [pods] [rounds]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBECTL, startTestApiServer, type RecordedRequest } from '../test/support/apiserver/index.js';
import { generateCluster, namespacesFor } from '../test/support/generated-cluster.js';

const root = new URL('..', import.meta.url).pathname;
const PODS = Number(process.argv[2] ?? 20_000);
const SMALL = 1_000;
const rounds = Number(process.argv[3] ?? 3);
const TIME = '/usr/bin/time';
if (!existsSync(join(root, 'dist/commands/can-reach.js'))) throw new Error('build first: npm run build');
if (!existsSync(KUBECTL)) throw new Error(`${KUBECTL} is needed for the comparison`);
if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for the peak RSS`);

const TOKEN = 'bench-admin-token';
const cluster = (pods: number) => generateCluster({ namespaces: namespacesFor(pods) });
const big = cluster(PODS);
const small = cluster(SMALL);
const podCount = (objs: Array<Record<string, unknown>>) => objs.filter((o) => o.kind === 'Pod').length;

const server = await startTestApiServer({ staticTokens: { [TOKEN]: { username: 'admin', groups: ['system:masters'] } } });
const dir = mkdtempSync(join(tmpdir(), 'np-bench-pods-'));
const kubeconfig = join(dir, 'config');
server.writeKubeconfig(kubeconfig, { context: 'bench', namespace: 'default', user: { token: TOKEN } });
const env = { PATH: process.env.PATH, HOME: dir, ...(process.env.NP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.NP_NODE_OPTIONS } : {}) };

/** When each request was answered (the server records a request as it answers it). */
const answeredAt = new Map<RecordedRequest, number>();
const record = server.requests.push.bind(server.requests);
server.requests.push = (...items) => {
  for (const item of items) answeredAt.set(item, Date.now());
  return record(...items);
};

interface Run {
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
  /** first pod list request received → last pod page answered */
  podListMs: number;
  podPages: number;
  podPageLimits: string[];
}

const isPodList = (r: RecordedRequest) => r.method === 'GET' && /\/pods(\?|$)/.test(r.path);

function run(command: string, args: string[], okCodes: number[]): Promise<Run> {
  const before = server.requests.length;
  const stats = join(dir, 'time.txt');
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    // asynchronous: the API server answers from this process
    const child = spawn(TIME, ['-f', '%M %U %S', '-o', stats, command, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (!okCodes.includes(code ?? -1)) return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      const [maxRssKiB, user, system] = readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      const pages = server.requests.slice(before).filter(isPodList);
      if (pages.length === 0) return reject(new Error(`${command} listed no pods`));
      const last = Math.max(...pages.map((p) => answeredAt.get(p) ?? p.receivedAt));
      resolve({
        wallMs,
        cpuMs: (user + system) * 1000,
        peakRssMiB: maxRssKiB / 1024,
        podListMs: last - pages[0].receivedAt,
        podPages: pages.length,
        podPageLimits: [...new Set(pages.map((p) => new URLSearchParams(p.path.split('?')[1] ?? '').get('limit') ?? 'none'))],
      });
    });
  });
}

const earlier = process.env.NP_BEFORE;
if (earlier && !existsSync(join(earlier, 'dist/commands/can-reach.js'))) throw new Error(`NP_BEFORE=${earlier} is not a built kubectl-np checkout`);
// api → db on 5432 is allowed by the generated policies (exit 0)
const np = (checkout = root) => run(process.execPath, [join(checkout, 'bin/run.js'), 'can-reach', '-A', 'team-000/deploy/api', 'team-000/statefulset/db', '--port', '5432', '--kubeconfig', kubeconfig], [0]);
// -o name: the pods' names only, the least kubectl can print
const kubectl = () => run(KUBECTL, ['--kubeconfig', kubeconfig, 'get', 'pods', '-A', '-o', 'name'], [0]);

const runs = { npBig: [] as Run[], kubectlBig: [] as Run[], npSmall: [] as Run[], npBefore: [] as Run[] };
for (let i = 0; i < rounds; i++) {
  server.setObjects(big);
  runs.npBig.push(await np());
  runs.kubectlBig.push(await kubectl());
  if (earlier) runs.npBefore.push(await np(earlier));
  server.setObjects(small);
  runs.npSmall.push(await np());
}
await server.close();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const m = (name: keyof typeof runs, key: 'wallMs' | 'cpuMs' | 'peakRssMiB' | 'podListMs') => median(runs[name].map((r) => r[key]));
const pages = (name: keyof typeof runs) => `${runs[name][0].podPages} (limit=${runs[name][0].podPageLimits.join(', ')})`;
const bigPods = podCount(big);
const smallPods = podCount(small);
const perPodKiB = ((m('npBig', 'peakRssMiB') - m('npSmall', 'peakRssMiB')) * 1024) / (bigPods - smallPods);
const podJsonKiB = JSON.stringify(big.filter((o) => o.kind === 'Pod')).length / 1024 / bigPods;
const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
const row = (label: string, name: keyof typeof runs) =>
  `| ${label} | ${pages(name)} | ${m(name, 'podListMs').toFixed(0)} ms | ${m(name, 'wallMs').toFixed(0)} ms | ${m(name, 'cpuMs').toFixed(0)} ms | ${m(name, 'peakRssMiB').toFixed(0)} MiB |`;
const section = `<!-- bench:pods-20k:start -->
## Listing ${bigPods.toLocaleString('en')} pods (\`npx tsx bench/pods-20k.ts\`)

A generated cluster (test/support/generated-cluster.ts: ${namespacesFor(PODS).toLocaleString('en')} namespaces of Deployments,
ReplicaSets, a StatefulSet, a DaemonSet, a Job, their running pods and six NetworkPolicies each) served by the
test API server double, which pages lists like kube-apiserver (\`limit\`/\`continue\`). \`kubectl np can-reach -A\`
reads every list of every namespace page by page, then judges one connection; \`kubectl get pods -A -o name\` lists the
same pods with kubectl's default \`--chunk-size=500\`. ${rounds} interleaved rounds, medians, measured
${new Date().toISOString().slice(0, 10)} on ${cpu} (${cpus().length} cores), Node ${process.version}. "Pod list" is from the first pod
list request reaching the server to the last page answered; peak RSS is the process's maximum resident set
(GNU time).

| command | pod pages | pod list | whole command | CPU | peak RSS |
|---|---|---|---|---|---|
${row(`\`kubectl get pods -A -o name\`, ${bigPods.toLocaleString('en')} pods`, 'kubectlBig')}
${row(`\`kubectl np can-reach -A\`, ${bigPods.toLocaleString('en')} pods`, 'npBig')}
${row(`\`kubectl np can-reach -A\`, ${smallPods.toLocaleString('en')} pods`, 'npSmall')}${earlier ? `\n${row(`earlier (\`${process.env.NP_BEFORE_LABEL ?? earlier}\`), ${bigPods.toLocaleString('en')} pods`, 'npBefore')}` : ''}

kubectl-np's pod list takes **${(m('npBig', 'podListMs') / m('kubectlBig', 'podListMs')).toFixed(2)}×** kubectl's, and its peak RSS is
**${(m('npBig', 'peakRssMiB') / m('kubectlBig', 'peakRssMiB')).toFixed(2)}×** kubectl's.
The ${(bigPods - smallPods).toLocaleString('en')} extra pods cost kubectl-np ${perPodKiB.toFixed(1)} KiB of peak RSS each; one pod of this cluster is
${podJsonKiB.toFixed(1)} KiB of JSON.${
  earlier
    ? `\nAgainst the earlier build, in the same rounds: pod list **${(m('npBig', 'podListMs') / m('npBefore', 'podListMs')).toFixed(2)}×**, peak RSS **${(m('npBig', 'peakRssMiB') / m('npBefore', 'peakRssMiB')).toFixed(2)}×**, whole command **${(m('npBig', 'wallMs') / m('npBefore', 'wallMs')).toFixed(2)}×** its figures.`
    : ''
}
<!-- bench:pods-20k:end -->`;

const docPath = join(root, 'docs/benchmarks.md');
const doc = readFileSync(docPath, 'utf8');
const marked = /<!-- bench:pods-20k:start -->[\s\S]*?<!-- bench:pods-20k:end -->/;
writeFileSync(docPath, marked.test(doc) ? doc.replace(marked, section) : `${doc.trimEnd()}\n\n${section}\n`);
console.log(section);
