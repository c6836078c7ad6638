// NetworkPolicy engine benchmark: a generated cluster of 10,000 pods, 2,000 policies and 300
// namespaces written as YAML manifests, then (1) loading them, (2) one can-reach verdict as the CLI
// computes it, (3) a 1,000-pod matrix for one port. Figures go to docs/benchmarks.md (bench:netpol).
// Run: npm run bench:netpol; `npx tsx bench/netpol.ts --mixed` for issue 11's mixed cluster (Cilium, Calico, ANPs) against the plain one;
// `--all-json` for the all-pairs 10,000-pod matrix as JSON (issue 14).
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { readManifestSnapshot } from '../src/cluster/manifests.js';
import { canReach } from '../src/netpol/can-reach.js';
import { clusterPods, parseEndpoint, resolveEndpoint } from '../src/netpol/endpoints.js';
import { PolicyEngine } from '../src/netpol/engine.js';
import { policyObjectProblem } from '../src/netpol/kinds/compile.js';
import { computeMatrix } from '../src/netpol/matrix.js';
import { renderMatrixJson, renderMatrixJsonByClass } from '../src/render/netpol-matrix.js';
import type { Peer } from '../src/netpol/types.js';

const NAMESPACES = 300;
const PODS = 10_000;
const POLICIES = 2_000;
const APPS_PER_NAMESPACE = 8;

// deterministic pseudo-random numbers, so every run measures the same cluster
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];

/** Writes the benchmark cluster as one YAML file per namespace (also used by bench/audit.ts). */
/** uniqueLabels: each pod also carries labels of its own that no policy reads, as real pods do (pod-template-hash, statefulset pod-name). */
/** mixed: also 200 CiliumNetworkPolicies, 200 Calico NetworkPolicies and 20 AdminNetworkPolicies (issue 11's mixed cluster). */
export function generate(dir: string, opts: { uniqueLabels?: boolean; mixed?: boolean } = {}): void {
  const podsPerNamespace = Math.ceil(PODS / NAMESPACES);
  const policiesPerNamespace = Math.ceil(POLICIES / NAMESPACES);
  let podCount = 0;
  let policyCount = 0;
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `team-${String(n).padStart(3, '0')}`;
    const docs: unknown[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: `t${n % 40}`, env: n % 3 === 0 ? 'staging' : 'prod' } } }];
    const apps = Array.from({ length: APPS_PER_NAMESPACE }, (_, a) => `app${a}`);
    for (let i = 0; i < podsPerNamespace && podCount < PODS; i++, podCount++) {
      const app = apps[i % apps.length];
      docs.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${app}-${i}`, namespace: ns, labels: { app, tier: i % 2 ? 'web' : 'backend', 'pod-template-hash': opts.uniqueLabels ? `h${podCount}` : 'abc12', ...(opts.uniqueLabels ? { 'statefulset.kubernetes.io/pod-name': `${app}-${i}` } : {}) } },
        spec: { containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }, { name: 'grpc', containerPort: 50051 }] }] },
        status: { phase: 'Running', podIP: `10.${64 + (podCount >> 16)}.${(podCount >> 8) & 255}.${podCount & 255}` },
      });
    }
    for (let p = 0; p < policiesPerNamespace && policyCount < POLICIES; p++, policyCount++) {
      const app = pick(apps);
      const kinds = [
        // default deny: ingress everywhere, egress in a third of the namespaces
        { podSelector: {}, policyTypes: n % 3 === 0 ? ['Ingress', 'Egress'] : ['Ingress'] },
        // locked-down namespaces allow DNS out; the others allow anything inside the cluster
        n % 3 === 0
          ? { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }] }
          : { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }] }] },
        // same-namespace app-to-app on a named port
        { podSelector: { matchLabels: { app } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: pick(apps) } } }, { podSelector: { matchLabels: { tier: 'web' } } }], ports: [{ port: 'http' }] }] },
        // cross-namespace by team label, both selectors in one peer
        { podSelector: { matchLabels: { app } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `t${Math.floor(rand() * 40)}` } }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] } }], ports: [{ port: 8080 }, { port: 9000, endPort: 9100 }] }] },
        // monitoring from a namespace set
        { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['staging'] }] } }], ports: [{ port: 'metrics' }] }] },
        // egress to the internet but not the cluster
        { podSelector: { matchLabels: { app } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.169.254/32'] } }], ports: [{ port: 443 }] }] },
        // locked-down web pods may reach a pod range; elsewhere the namespace talks to itself
        n % 3 === 0
          ? { podSelector: { matchLabels: { tier: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `10.64.${Math.floor(rand() * 40)}.0/22` } }] }] }
          : { podSelector: {}, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 8080 }] }] },
      ];
      docs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `np-${p}`, namespace: ns }, spec: kinds[p % kinds.length] });
    }
    if (opts.mixed && n < MIXED_PER_KIND) docs.push(...mixedPolicies(ns, n, apps));
    writeFileSync(join(dir, `${ns}.yaml`), docs.map((d) => stringify(d)).join('---\n'));
  }
  if (opts.mixed) writeFileSync(join(dir, 'admin.yaml'), adminPolicies().map((d) => stringify(d)).join('---\n'));
}

const MIXED_PER_KIND = 200;
const ADMIN_POLICIES = 20;

/** One Cilium and one Calico policy in each of the first 200 namespaces, shaped like the common uses of each. */
function mixedPolicies(ns: string, n: number, apps: string[]): unknown[] {
  const app = apps[n % apps.length];
  const cilium = n % 2 === 0
    // deny beats allow: the app takes web pods of its namespace, never the staging namespaces' pods (a
    // namespaced policy's peer stays in its own namespace unless it names the pod-namespace key, as here)
    ? { endpointSelector: { matchLabels: { app } }, ingress: [{ fromEndpoints: [{ matchLabels: { tier: 'web' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }], ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'io.cilium.k8s.namespace.labels.env': 'staging' }, matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists' }] }] }] }
    // egress to the world on 443 and the cluster, with a deny to the metadata service
    : { endpointSelector: { matchLabels: { tier: 'backend' } }, egress: [{ toEntities: ['cluster'] }, { toCIDRSet: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }], egressDeny: [{ toCIDR: ['169.254.169.254/32'] }] };
  const calico = n % 2 === 0
    ? { order: 100 + n, selector: `app == '${app}'`, types: ['Ingress'], ingress: [{ action: 'Deny', source: { namespaceSelector: `team == 't${(n + 7) % 40}'` } }, { action: 'Pass' }] }
    : { order: 500, selector: "tier == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: `app in {'${app}', '${apps[(n + 1) % apps.length]}'}` }, destination: { ports: [8080, '9000:9100'] } }] };
  return [
    { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: `cnp-${n}`, namespace: ns }, spec: cilium },
    { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: `calico-${n}`, namespace: ns }, spec: calico },
  ];
}

/** 20 AdminNetworkPolicies at distinct priorities: per-team guardrails, the metadata service denied everywhere. */
function adminPolicies(): unknown[] {
  return Array.from({ length: ADMIN_POLICIES }, (_, i) => ({
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'AdminNetworkPolicy',
    metadata: { name: `anp-${i}` },
    spec: i === 0
      ? { priority: 1, subject: { namespaces: {} }, egress: [{ name: 'no-imds', action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] }
      : { priority: 10 + i, subject: { namespaces: { matchLabels: { team: `t${i}` } } }, ingress: [{ name: 'monitoring', action: 'Allow', from: [{ namespaces: { matchLabels: { team: `t${(i * 3) % 40}` } } }], ports: [{ portNumber: { port: 9090, protocol: 'TCP' } }] }, { name: 'staging', action: i % 2 ? 'Deny' : 'Pass', from: [{ namespaces: { matchLabels: { env: 'staging' } } }] }] },
  }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time<T>(fn: () => T): [number, T] {
  const t0 = performance.now();
  const value = fn();
  return [performance.now() - t0, value];
}

/** wall time, the value, and this process's CPU time (user + system): on a shared machine the CPU time is what other jobs do not inflate */
function timeWithCpu<T>(fn: () => T): [number, T, number] {
  const c0 = process.cpuUsage();
  const [ms, value] = time(fn);
  const c = process.cpuUsage(c0);
  return [ms, value, (c.user + c.system) / 1000];
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-'));
  try {
    generate(dir);
    // load: what every -f invocation pays (median of 3)
    const loads: number[] = [];
    let snapshot = await readManifestSnapshot([dir]);
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      snapshot = await readManifestSnapshot([dir]);
      loads.push(performance.now() - t0);
    }
    const load = median(loads);
    console.log(`loaded ${snapshot.pods.length} pods, ${snapshot.networkPolicies.length} policies, ${snapshot.namespaces.length} namespaces in ${load.toFixed(0)} ms`);

    // one can-reach verdict as the command computes it after loading: engine, endpoints, verdict with trace
    const verdictOnce = () => {
      const engine = new PolicyEngine(snapshot);
      const src = resolveEndpoint(snapshot, parseEndpoint('team-010/app3-3'), 'default');
      const dst = resolveEndpoint(snapshot, parseEndpoint('team-011/app1-1'), 'default');
      return canReach(engine, src, dst, { port: 8080 });
    };
    for (let i = 0; i < 5; i++) verdictOnce(); // warm-up
    const verdictTimes = Array.from({ length: 21 }, () => time(verdictOnce)[0]);
    const verdict = median(verdictTimes);
    console.log(`one can-reach verdict: ${verdict.toFixed(2)} ms (${((verdict / load) * 100).toFixed(2)}% of load)`);

    // a 1,000-pod matrix for one port: pick whole namespaces until 1,000 pods
    const all = clusterPods(snapshot);
    const namespaces: string[] = [];
    let count = 0;
    for (const ns of [...new Set(all.map((p) => p.namespace))]) {
      if (count >= 1000) break;
      namespaces.push(ns);
      count += all.filter((p) => p.namespace === ns).length;
    }
    const pods = clusterPods(snapshot, namespaces).slice(0, 1000);
    const matrixOnce = () => computeMatrix(new PolicyEngine(snapshot), { pods, externals: ['169.254.169.254'], queries: [{ port: 8080, protocol: 'TCP' }] });
    matrixOnce();
    const matrixTimes = Array.from({ length: 3 }, () => time(matrixOnce)[0]);
    const [jsonTime, jsonBytes] = time(() => {
      let bytes = 0;
      for (const chunk of renderMatrixJson(matrixOnce())) bytes += chunk.length;
      return bytes;
    });
    const m = matrixOnce();
    const allowed = m.cells[0].reduce((a, v) => a + (v === 1 ? 1 : 0), 0);
    console.log(`matrix ${pods.length}+1 endpoints × 1 port: ${median(matrixTimes).toFixed(0)} ms over ${m.classes} classes, ${allowed} allowed; with JSON ${jsonTime.toFixed(0)} ms (${(jsonBytes / 1e6).toFixed(0)} MB)`);

    // the same matrix without class sharing, pair by pair, for comparison
    const engine = new PolicyEngine(snapshot);
    const peers: Peer[] = pods.map((pod) => ({ kind: 'pod', pod }));
    const [naive] = time(() => {
      let n = 0;
      for (const s of peers) for (const d of peers) if (engine.allows(s, d, { port: 8080, protocol: 'TCP' })) n++;
      return n;
    });
    console.log(`same matrix pair by pair (no class sharing): ${naive.toFixed(0)} ms`);

    writeSection({
      load,
      verdict,
      matrix: median(matrixTimes),
      json: jsonTime,
      jsonMb: jsonBytes / 1e6,
      naive,
      classes: m.classes,
      endpoints: pods.length + 1,
      allowedShare: allowed / m.cells[0].length,
      ...(await wholeCluster(snapshot)),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The all-pods matrix for one port, as generated (labels shared by the replicas of an app) and with a
 * label unique to each pod that no policy reads: classes are keyed by the labels selectors read, so
 * the unique labels must not split them (target: within 1.5× of the shared cluster).
 */
async function wholeCluster(shared: Awaited<ReturnType<typeof readManifestSnapshot>>) {
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-unique-'));
  try {
    generate(dir, { uniqueLabels: true });
    const unique = await readManifestSnapshot([dir]);
    const run = (snapshot: typeof shared) => {
      const pods = clusterPods(snapshot);
      return time(() => computeMatrix(new PolicyEngine(snapshot), { pods, externals: [], queries: [{ port: 8080, protocol: 'TCP' }] }));
    };
    // interleaved, best of two each: the machine is shared, and a ratio of two runs minutes apart is noise
    const [sharedA, sharedMatrix] = run(shared);
    const [uniqueA, uniqueMatrix] = run(unique);
    const sharedTime = Math.min(sharedA, run(shared)[0]);
    const uniqueTime = Math.min(uniqueA, run(unique)[0]);
    console.log(`all ${sharedMatrix.endpoints.length} pods × 1 port: shared labels ${sharedTime.toFixed(0)} ms (${sharedMatrix.classes} classes), unique labels ${uniqueTime.toFixed(0)} ms (${uniqueMatrix.classes} classes)`);
    return { all: { pods: sharedMatrix.endpoints.length, shared: sharedTime, sharedClasses: sharedMatrix.classes, unique: uniqueTime, uniqueClasses: uniqueMatrix.classes } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeSection(r: { load: number; verdict: number; matrix: number; json: number; jsonMb: number; naive: number; classes: number; endpoints: number; allowedShare: number; all: { pods: number; shared: number; sharedClasses: number; unique: number; uniqueClasses: number } }) {
  const file = join(import.meta.dirname, '..', 'docs', 'benchmarks.md');
  const start = '<!-- bench:netpol:start -->';
  const end = '<!-- bench:netpol:end -->';
  const section = [
    start,
    '## NetworkPolicy engine (`npm run bench:netpol`)',
    '',
    `Generated cluster: ${PODS.toLocaleString('en')} pods, ${POLICIES.toLocaleString('en')} policies, ${NAMESPACES} namespaces, as YAML manifests (one file per namespace). Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version}.`,
    '',
    '| measurement | time | target |',
    '|---|---|---|',
    `| load the manifests (\`-f\`, median of 3) | ${r.load.toFixed(0)} ms | — |`,
    `| one \`can-reach\` verdict after loading (engine + endpoints + traced verdict, median of 21) | ${r.verdict.toFixed(2)} ms = **${((r.verdict / r.load) * 100).toFixed(2)}% of load** | < 5% of load |`,
    `| \`matrix\` of ${r.endpoints} endpoints (1,000 pods + 1 external) for one port, ${r.classes} label classes | **${r.matrix.toFixed(0)} ms** | a few seconds |`,
    `| the same, rendered as \`-o json\` (${r.jsonMb.toFixed(0)} MB, ${(r.endpoints * r.endpoints - 1).toLocaleString('en')} verdicts; external to external has none) | ${r.json.toFixed(0)} ms | — |`,
    `| the same matrix pair by pair, without class sharing | ${r.naive.toFixed(0)} ms (${(r.naive / r.matrix).toFixed(0)}× slower) | — |`,
    `| \`matrix\` of all ${r.all.pods.toLocaleString('en')} pods for one port, ${r.all.sharedClasses} classes (best of 2, interleaved with the next row) | ${r.all.shared.toFixed(0)} ms | — |`,
    `| the same with a label unique to each pod that no policy reads (pod-template-hash, statefulset pod-name), ${r.all.uniqueClasses} classes | ${r.all.unique.toFixed(0)} ms = **${(r.all.unique / r.all.shared).toFixed(2)}× the shared labels** | ≤ 1.5× |`,
    '',
    `Pods that agree on namespace, the labels some policy selector reads, declared ports and ipBlock membership share verdicts, so the matrix is computed per pair of classes and spread over the pods. ${(r.allowedShare * 100).toFixed(1)}% of the matrix cells were allowed.`,
    end,
  ].join('\n');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nFigures measured by the scripts in `bench/`; each benchmark owns the section between its markers.\n';
  if (text.includes(start) && text.includes(end)) text = text.slice(0, text.indexOf(start)) + section + text.slice(text.indexOf(end) + end.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}

/**
 * Issue 11's mixed cluster against the plain one, in one interleaved run: loads, one verdict as a share of
 * the mixed load, and the same 1,000 pods' matrix with and without the other policy kinds (target ≤ 2×).
 */
async function mixed() {
  const plainDir = mkdtempSync(join(tmpdir(), 'np-bench-plain-'));
  const mixedDir = mkdtempSync(join(tmpdir(), 'np-bench-mixed-'));
  try {
    generate(plainDir);
    generate(mixedDir, { mixed: true });
    type Snapshot = Awaited<ReturnType<typeof readManifestSnapshot>>;
    const load = async (dir: string): Promise<[number, Snapshot]> => {
      const t0 = performance.now();
      const snapshot = await readManifestSnapshot([dir]);
      return [performance.now() - t0, snapshot];
    };
    // interleaved, best of two each: the machine is shared
    const [plainA, plain] = await load(plainDir);
    const [mixedA, mix] = await load(mixedDir);
    const plainLoad = Math.min(plainA, (await load(plainDir))[0]);
    const mixedLoad = Math.min(mixedA, (await load(mixedDir))[0]);
    const objects = mix.policyObjects ?? [];
    const problems = objects.filter((o) => policyObjectProblem(o) !== undefined).length;
    const count = (kind: string, group: string) => objects.filter((o) => o.kind === kind && o.apiVersion.startsWith(group)).length;
    const kinds = { cilium: count('CiliumNetworkPolicy', 'cilium.io'), calico: count('NetworkPolicy', 'projectcalico.org'), anp: count('AdminNetworkPolicy', 'policy.networking.k8s.io') };
    console.log(`loaded plain in ${plainLoad.toFixed(0)} ms, mixed (${kinds.cilium} Cilium, ${kinds.calico} Calico, ${kinds.anp} ANP; ${problems} not evaluated) in ${mixedLoad.toFixed(0)} ms`);

    const verdictOnce = (snapshot: Snapshot) => {
      const engine = new PolicyEngine(snapshot);
      const src = resolveEndpoint(snapshot, parseEndpoint('team-010/app3-3'), 'default');
      const dst = resolveEndpoint(snapshot, parseEndpoint('team-011/app1-1'), 'default');
      return canReach(engine, src, dst, { port: 8080 });
    };
    for (let i = 0; i < 3; i++) verdictOnce(mix);
    const verdict = median(Array.from({ length: 21 }, () => time(() => verdictOnce(mix))[0]));
    console.log(`one can-reach verdict in the mixed cluster: ${verdict.toFixed(2)} ms (${((verdict / mixedLoad) * 100).toFixed(2)}% of its load)`);

    // the same namespaces' first 1,000 pods in both clusters (the pods are generated identically)
    const matrixOf = (snapshot: Snapshot) => {
      const all = clusterPods(snapshot);
      const namespaces = [...new Set(all.map((p) => p.namespace))].slice(0, Math.ceil(1000 / Math.ceil(PODS / NAMESPACES)) + 1);
      const pods = clusterPods(snapshot, namespaces).slice(0, 1000);
      return () => computeMatrix(new PolicyEngine(snapshot), { pods, externals: ['169.254.169.254'], queries: [{ port: 8080, protocol: 'TCP' }] });
    };
    const plainMatrix = matrixOf(plain);
    const mixedMatrix = matrixOf(mix);
    plainMatrix();
    mixedMatrix();
    const plainTimes: number[] = [];
    const mixedTimes: number[] = [];
    const plainCpu: number[] = [];
    const mixedCpu: number[] = [];
    let plainClasses = 0;
    let mixedClasses = 0;
    for (let i = 0; i < 7; i++) {
      const [p, pm, pc] = timeWithCpu(plainMatrix);
      const [m, mm, mc] = timeWithCpu(mixedMatrix);
      plainTimes.push(p);
      mixedTimes.push(m);
      plainCpu.push(pc);
      mixedCpu.push(mc);
      plainClasses = pm.classes;
      mixedClasses = mm.classes;
    }
    const r = { plainLoad, mixedLoad, verdict, plainMatrix: median(plainTimes), mixedMatrix: median(mixedTimes), plainCpu: median(plainCpu), mixedCpu: median(mixedCpu), plainClasses, mixedClasses, problems, kinds };
    console.log(`1,000-pod matrix: plain ${r.plainMatrix.toFixed(0)} ms (${plainClasses} classes), mixed ${r.mixedMatrix.toFixed(0)} ms (${mixedClasses} classes) = ${(r.mixedMatrix / r.plainMatrix).toFixed(2)}×; CPU ${r.plainCpu.toFixed(0)} ms against ${r.mixedCpu.toFixed(0)} ms = ${(r.mixedCpu / r.plainCpu).toFixed(2)}×`);
    writeMixedSection(r);
  } finally {
    rmSync(plainDir, { recursive: true, force: true });
    rmSync(mixedDir, { recursive: true, force: true });
  }
}

function writeMixedSection(r: { plainLoad: number; mixedLoad: number; verdict: number; plainMatrix: number; mixedMatrix: number; plainCpu: number; mixedCpu: number; plainClasses: number; mixedClasses: number; problems: number; kinds: { cilium: number; calico: number; anp: number } }) {
  const ratio = r.mixedMatrix / r.plainMatrix;
  const cpuRatio = r.mixedCpu / r.plainCpu;
  const share = (r.verdict / r.mixedLoad) * 100;
  replaceSection('bench:netpol-mixed', [
    '## Mixed policy kinds (`npx tsx bench/netpol.ts --mixed`)',
    '',
    `The NetworkPolicy benchmark cluster (${PODS.toLocaleString('en')} pods, ${POLICIES.toLocaleString('en')} NetworkPolicies, ${NAMESPACES} namespaces) plus ${r.kinds.cilium} CiliumNetworkPolicies, ${r.kinds.calico} Calico NetworkPolicies and ${r.kinds.anp} AdminNetworkPolicies (${r.problems} of them not evaluated), against the same cluster without them. One interleaved run, measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version}.`,
    '',
    '| measurement | time | ratio | target |',
    '|---|---|---|---|',
    `| load the plain manifests (best of 2) | ${r.plainLoad.toFixed(0)} ms | 1.00× | — |`,
    `| load the mixed manifests (best of 2, interleaved) | ${r.mixedLoad.toFixed(0)} ms | ${(r.mixedLoad / r.plainLoad).toFixed(2)}× the plain load | — |`,
    `| one \`can-reach\` verdict in the mixed cluster (engine + endpoints + traced verdict, median of 21) | ${r.verdict.toFixed(2)} ms | **${share.toFixed(2)}% of the mixed load** | < 5% of load: ${share < 5 ? 'met' : 'missed'} |`,
    `| \`matrix\` of the same 1,000 pods + 1 external for one port (engine + matrix), plain (${r.plainClasses} classes, median of 7) | ${r.plainMatrix.toFixed(0)} ms wall, ${r.plainCpu.toFixed(0)} ms CPU | 1.00× | — |`,
    `| the same in the mixed cluster (${r.mixedClasses} classes, interleaved) | ${r.mixedMatrix.toFixed(0)} ms wall, ${r.mixedCpu.toFixed(0)} ms CPU | **${cpuRatio.toFixed(2)}× the plain matrix in CPU time** (${ratio.toFixed(2)}× wall) | ≤ 2×: ${cpuRatio <= 2 ? 'met' : 'missed'} |`,
    '',
    `The mixed matrix resolves each pod class's policies once per step (admin tier, Cilium deny, Calico tiers with the NetworkPolicies in tier default, Cilium allow, baseline) and decides each side without building reasons, sharing the answer among the classes the same policies treat alike; only where a rule cannot be decided statically (toFQDNs, node peers, L7) does a cell go through the traced evaluation. Classes: ${r.plainClasses} plain, ${r.mixedClasses} mixed. The ratio is judged on CPU time (user + system of this process, medians of interleaved runs): the machine is shared, and other jobs inflate wall time by several times, unevenly between runs. Before this (earlier on 2026-12-07) the mixed matrix took 7.90× the plain one's wall time, and 307× before the selection memo.`,
  ]);
}

function replaceSection(name: string, lines: string[]) {
  const file = join(import.meta.dirname, '..', 'docs', 'benchmarks.md');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = [start, ...lines, end].join('\n');
  let text = readFileSync(file, 'utf8');
  if (text.includes(start) && text.includes(end)) text = text.slice(0, text.indexOf(start)) + section + text.slice(text.indexOf(end) + end.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}

/**
 * Issue 14's all-pairs figure: the matrix of all 10,000 pods for one port, then its JSON as \`-o json\` gives it
 * (every verdict, 100 M) and as \`-o json --by-class\` (one verdict per class pair), generated and counted
 * (not written: the pipe's speed is the reader's).
 */
async function allJson() {
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-all-'));
  try {
    generate(dir);
    const [loadMs, snapshot] = await timeAsync(() => readManifestSnapshot([dir]));
    const pods = clusterPods(snapshot);
    const [matrixMs, m, matrixCpu] = timeWithCpu(() => computeMatrix(new PolicyEngine(snapshot), { pods, externals: [], queries: [{ port: 8080, protocol: 'TCP' }] }));
    console.log(`all ${pods.length} pods × 1 port: ${matrixMs.toFixed(0)} ms (${matrixCpu.toFixed(0)} ms CPU), ${m.classes} classes`);
    const count = (chunks: Iterable<string>) => {
      let bytes = 0;
      let verdicts = 0;
      for (const chunk of chunks) {
        bytes += chunk.length; // ASCII: characters are bytes
        for (let i = chunk.indexOf('"allowed"'); i >= 0; i = chunk.indexOf('"allowed"', i + 9)) verdicts++;
      }
      return { bytes, verdicts };
    };
    const [jsonMs, json, jsonCpu] = timeWithCpu(() => count(renderMatrixJson(m)));
    console.log(`-o json: ${jsonMs.toFixed(0)} ms (${jsonCpu.toFixed(0)} ms CPU), ${(json.bytes / 1e9).toFixed(2)} GB, ${json.verdicts} verdicts`);
    const [classMs, byClass, classCpu] = timeWithCpu(() => count(renderMatrixJsonByClass(m)));
    console.log(`-o json --by-class: ${classMs.toFixed(0)} ms (${classCpu.toFixed(0)} ms CPU), ${(byClass.bytes / 1e6).toFixed(1)} MB, ${byClass.verdicts} verdicts`);
    replaceSection('bench:netpol-all-json', [
      '## All pairs of 10,000 pods as JSON (`npx tsx bench/netpol.ts --all-json`)',
      '',
      `The NetworkPolicy benchmark cluster (${PODS.toLocaleString('en')} pods, ${POLICIES.toLocaleString('en')} policies), every pod against every pod for TCP 8080, measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version}; one run each. The JSON is generated and counted, not written (a pipe runs at its reader's speed).`,
      '',
      '| step | wall | CPU | output |',
      '|---|---|---|---|',
      `| load the manifests | ${loadMs.toFixed(0)} ms | — | — |`,
      `| \`matrix\` of all ${pods.length.toLocaleString('en')} pods (engine + matrix, ${m.classes} classes) | ${matrixMs.toFixed(0)} ms | ${matrixCpu.toFixed(0)} ms | — |`,
      `| \`-o json\`: every verdict | ${jsonMs.toFixed(0)} ms | ${jsonCpu.toFixed(0)} ms | ${(json.bytes / 1e9).toFixed(2)} GB, ${json.verdicts.toLocaleString('en')} verdicts |`,
      `| \`-o json --by-class\`: one verdict per class pair | ${classMs.toFixed(0)} ms | ${classCpu.toFixed(0)} ms | ${(byClass.bytes / 1e6).toFixed(1)} MB, ${byClass.verdicts.toLocaleString('en')} verdicts (**${(jsonCpu / Math.max(classCpu, 0.001)).toFixed(0)}× less CPU** than every verdict) |`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

// run when executed, not when bench/audit.ts imports generate()
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await (process.argv.includes('--mixed') ? mixed() : process.argv.includes('--all-json') ? allJson() : main());
