// audit -A on the NetworkPolicy benchmark cluster (bench/netpol.ts: 10,000 pods, 2,000 policies, 300
// namespaces as YAML manifests) against what every -f command pays to load it, and against a matrix of
// 1,000 pods. Target (issue 12): audit within 3× of the load time. Figures go to docs/benchmarks.md.
// Run: npx tsx bench/audit.ts
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readManifestSnapshot } from '../src/cluster/manifests.js';
import { auditSnapshot } from '../src/netpol/audit.js';
import { clusterPods } from '../src/netpol/endpoints.js';
import { PolicyEngine } from '../src/netpol/engine.js';
import { computeMatrix } from '../src/netpol/matrix.js';
import { generate } from './netpol.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-audit-'));
  const mixedDir = mkdtempSync(join(tmpdir(), 'np-bench-audit-mixed-'));
  try {
    generate(dir);
    // issue 11's mixed cluster: the same plus Cilium, Calico and AdminNetworkPolicies, which every rule now judges
    generate(mixedDir, { mixed: true });
    const mixedLoads: number[] = [];
    const mixedAudits: number[] = [];
    let mixedFindings = 0;
    // interleaved rounds, so a busy neighbour on the machine weighs on every measurement alike
    const loads: number[] = [];
    const audits: number[] = [];
    const matrices: number[] = [];
    let findings = 0;
    let pods = 0;
    for (let round = 0; round < 3; round++) {
      let t0 = performance.now();
      const snapshot = await readManifestSnapshot([dir]);
      loads.push(performance.now() - t0);
      pods = snapshot.pods.length;
      t0 = performance.now();
      findings = auditSnapshot(snapshot).findings.length;
      audits.push(performance.now() - t0);
      const some = clusterPods(snapshot).slice(0, 1000);
      t0 = performance.now();
      computeMatrix(new PolicyEngine(snapshot), { pods: some, externals: [], queries: [{ port: 8080, protocol: 'TCP' }] });
      matrices.push(performance.now() - t0);
      t0 = performance.now();
      const mixed = await readManifestSnapshot([mixedDir]);
      mixedLoads.push(performance.now() - t0);
      t0 = performance.now();
      mixedFindings = auditSnapshot(mixed).findings.length;
      mixedAudits.push(performance.now() - t0);
    }
    const r = { load: median(loads), audit: median(audits), matrix: median(matrices), findings, pods, mixedLoad: median(mixedLoads), mixedAudit: median(mixedAudits), mixedFindings };
    console.log(`load ${r.load.toFixed(0)} ms, audit -A ${r.audit.toFixed(0)} ms (${findings} findings), matrix of 1,000 pods ${r.matrix.toFixed(0)} ms; mixed: load ${r.mixedLoad.toFixed(0)} ms, audit -A ${r.mixedAudit.toFixed(0)} ms (${mixedFindings} findings)`);
    writeSection(r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(mixedDir, { recursive: true, force: true });
  }
}

function writeSection(r: { load: number; audit: number; matrix: number; findings: number; pods: number; mixedLoad: number; mixedAudit: number; mixedFindings: number }) {
  const file = join(import.meta.dirname, '..', 'docs', 'benchmarks.md');
  const start = '<!-- bench:audit:start -->';
  const end = '<!-- bench:audit:end -->';
  const total = r.load + r.audit;
  const section = [
    start,
    '## `audit -A` (`npx tsx bench/audit.ts`)',
    '',
    `The NetworkPolicy benchmark cluster (${r.pods.toLocaleString('en')} pods, 2,000 policies, 300 namespaces, as manifests). Median of 3 interleaved rounds, measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version}. Target: \`audit -A\` within 3× of the load time that \`matrix\` (every \`-f\` command) pays.`,
    '',
    '| measurement | time | vs load |',
    '|---|---|---|',
    `| load the manifests (what \`matrix -f\` pays before its first cell) | ${r.load.toFixed(0)} ms | 1.00× |`,
    `| \`auditSnapshot\` over every namespace (${r.findings.toLocaleString('en')} findings) | ${r.audit.toFixed(0)} ms | ${(r.audit / r.load).toFixed(2)}× |`,
    `| \`audit -A -f\` as a whole: load + audit | ${total.toFixed(0)} ms | **${(total / r.load).toFixed(2)}×** (target ≤ 3×: ${total / r.load <= 3 ? 'met' : 'missed'}) |`,
    `| for scale: \`matrix\` of 1,000 pods for one port, after loading | ${r.matrix.toFixed(0)} ms | ${(r.matrix / r.load).toFixed(2)}× |`,
    `| mixed cluster (plus 200 Cilium, 200 Calico, 20 AdminNetworkPolicies): load | ${r.mixedLoad.toFixed(0)} ms | 1.00× |`,
    `| mixed cluster: \`auditSnapshot\` over every namespace, every kind judged (${r.mixedFindings.toLocaleString('en')} findings) | ${r.mixedAudit.toFixed(0)} ms | ${(r.mixedAudit / r.mixedLoad).toFixed(2)}× |`,
    `| mixed cluster: \`audit -A -f\` as a whole | ${(r.mixedLoad + r.mixedAudit).toFixed(0)} ms | **${((r.mixedLoad + r.mixedAudit) / r.mixedLoad).toFixed(2)}×** (target ≤ 3×: ${(r.mixedLoad + r.mixedAudit) / r.mixedLoad <= 3 ? 'met' : 'missed'}) |`,
    '',
    'Pod-level rules (DNS, metadata service) are judged once per class of pods that no policy can tell apart, and selector rules once per distinct label set per namespace. In the mixed cluster, isolation asks the evaluator once per class and direction; the other kinds\' subjects and peers are tested against the pods they may select.',
    end,
  ].join('\n');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  if (text.includes(start) && text.includes(end)) text = text.slice(0, text.indexOf(start)) + section + text.slice(text.indexOf(end) + end.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}

await main();
