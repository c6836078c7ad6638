// kubectl np report -o html: one self-contained page whose data a browser script turns into the heatmap.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import type { ClusterSnapshot } from '../../../src/model/k8s.js';
import { clusterPods } from '../../../src/netpol/endpoints.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { computeMatrix, matrixQueries } from '../../../src/netpol/matrix.js';
import { pairTraces, policyWorkloads } from '../../../src/netpol/report.js';
import { groupEndpoints, workloadMatrix } from '../../../src/netpol/workloads.js';
import { renderReportHtml, reportData, type ReportData } from '../../../src/render/report-html.js';
import { generateCluster, WORKLOADS_PER_NAMESPACE, writeCluster } from '../../support/generated-cluster.js';

const META = { source: 'manifests', generated: '2026-01-01T00:00:00.000Z', version: '0.0.0-test', pods: 0, policies: 0 };

async function report(snapshot: ClusterSnapshot, traceLimit?: number): Promise<{ html: string; data: ReportData }> {
  const pods = clusterPods(snapshot);
  const engine = new PolicyEngine(snapshot);
  const w = workloadMatrix(computeMatrix(engine, { pods, externals: [], queries: matrixQueries(pods, [], []) }), groupEndpoints(snapshot, pods, []));
  const finding = { severity: 'warning', namespace: 'payments', object: 'networkpolicy/allow-cart', message: 'a <finding>' };
  const data = reportData(META, w, (from, to) => pairTraces(engine, w, pods, from, to), traceLimit, { policies: policyWorkloads(engine, w, pods), findings: [finding] });
  return { html: renderReportHtml(data), data };
}

function embedded(html: string): ReportData {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]);
}

async function generated(namespaces: number): Promise<ClusterSnapshot> {
  const dir = mkdtempSync(join(tmpdir(), 'np-report-'));
  try {
    return await readManifestSnapshot([writeCluster(dir, generateCluster({ namespaces }))]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('report -o html', () => {
  it('is self-contained: no external src or href, the data parses back, one cell per workload pair', async () => {
    const { html, data } = await report(await readManifestSnapshot(['examples/shop']));
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/@import|url\(/);
    const parsed = embedded(html);
    expect(parsed).toEqual(data);
    expect(parsed.workloads.map((w) => w.id)).toContain('payments/deploy/payments');
    expect(parsed.cells).toHaveLength(parsed.workloads.length ** 2);
    expect(parsed.cells.every((c) => c.length === parsed.ports.length)).toBe(true);
  });

  it('carries the explain trace of a denied pair, naming the policy that decides it', async () => {
    const { data } = await report(await readManifestSnapshot(['examples/shop']));
    const at = (from: string, to: string) => data.workloads.findIndex((w) => w.id === from) * data.workloads.length + data.workloads.findIndex((w) => w.id === to);
    const i = at('default/deploy/frontend', 'payments/deploy/payments');
    const port = data.ports.indexOf('TCP 8443');
    expect(data.cells[i][port]).toBe('d');
    const trace = data.traces[i]![port].map((k) => data.lines[k]).join('\n');
    expect(trace).toContain('DENIED  default/deploy/frontend → payments/deploy/payments  TCP 8443');
    expect(trace).toContain('payments/default-deny');
  });

  it('lists each policy with the workloads it selects and its audit findings', async () => {
    const { html, data } = await report(await readManifestSnapshot(['examples/shop']));
    expect(data.policies.find((p) => p.name === 'default-deny-ingress')?.workloads).toEqual(['default/deploy/cart', 'default/deploy/frontend']);
    expect(data.policies.find((p) => p.name === 'allow-cart')?.findings.map((f) => f.message)).toEqual(['a <finding>']);
    expect(data.findings).toEqual([]);
    expect(html).toContain('payments/networkpolicy/allow-cart: a &#60;finding&#62;');
  });

  it('keeps partly and data that would close the script tag apart from the markup', async () => {
    const snapshot = await generated(2);
    const { html, data } = await report(snapshot);
    expect(data.workloads).toHaveLength(2 * WORKLOADS_PER_NAMESPACE + 1);
    expect(data.cells.some((c) => c.includes('p'))).toBe(true);
    const hostile = renderReportHtml({ ...data, meta: { ...data.meta, source: '</script><script>alert(1)</script>' } });
    expect(hostile.match(/<script/g)).toHaveLength(html.match(/<script/g)!.length);
    expect(embedded(hostile).meta.source).toBe('</script><script>alert(1)</script>');
  });

  it('precomputes traces up to the limit only, counting them in the header', async () => {
    const { html, data } = await report(await generated(2), 10);
    expect(data.traces.filter((t) => t !== null)).toHaveLength(10);
    expect(html).toContain('traces precomputed for 10 pairs');
  });
});
