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
import { diffReachability, overlaySnapshot } from '../../../src/netpol/diff.js';
import { pairTraces, policyWorkloads } from '../../../src/netpol/report.js';
import { groupEndpoints, pairState, workloadMatrix } from '../../../src/netpol/workloads.js';
import { renderCanReach } from '../../../src/render/netpol-text.js';
import { pairLetters, pairTrace, readReportData, renderReportHtml, reportData, type ReportData } from '../../../src/render/report-html.js';
import { generateCluster, WORKLOADS_PER_NAMESPACE, writeCluster } from '../../support/generated-cluster.js';

const META = { source: 'manifests', generated: '2026-01-01T00:00:00.000Z', version: '0.0.0-test', pods: 0, policies: 0 };

async function report(snapshot: ClusterSnapshot, traceLimit?: number) {
  const pods = clusterPods(snapshot);
  const engine = new PolicyEngine(snapshot);
  const w = workloadMatrix(computeMatrix(engine, { pods, externals: [], queries: matrixQueries(pods, [], []) }), groupEndpoints(snapshot, pods, []));
  const finding = { severity: 'warning', namespace: 'payments', object: 'networkpolicy/allow-cart', message: 'a <finding>' };
  const traceOf = (from: number, to: number) => pairTraces(engine, w, pods, from, to);
  const data: ReportData = reportData(META, w, traceOf, traceLimit, { policies: policyWorkloads(engine, w, pods), findings: [finding] });
  return { html: renderReportHtml(data), data, w, traceOf };
}

const embedded = readReportData;

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
    expect(pairLetters(parsed)).toHaveLength(parsed.workloads.length ** 2);
    expect(pairLetters(parsed).every((c) => c.length === parsed.ports.length)).toBe(true);
  });

  it('carries the explain trace of a denied pair, naming the policy that decides it', async () => {
    const { data } = await report(await readManifestSnapshot(['examples/shop']));
    const at = (from: string, to: string) => data.workloads.findIndex((w) => w.id === from) * data.workloads.length + data.workloads.findIndex((w) => w.id === to);
    const i = at('default/deploy/frontend', 'payments/deploy/payments');
    const port = data.ports.indexOf('TCP 8443');
    expect(pairLetters(data)[i][port]).toBe('d');
    const trace = pairTrace(data, i, port)!;
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
    expect(pairLetters(data).some((c) => c.includes('p'))).toBe(true);
    const hostile = renderReportHtml({ ...data, meta: { ...data.meta, source: '</script><script>alert(1)</script>' } });
    expect(hostile.match(/<script/g)).toHaveLength(html.match(/<script/g)!.length);
    expect(embedded(hostile).meta.source).toBe('</script><script>alert(1)</script>');
  });

  it('precomputes traces up to the limit only, counting them in the header', async () => {
    const { html, data } = await report(await generated(2), 10);
    expect(data.traces).toHaveLength(10);
    expect(html).toContain('traces precomputed for 10 pairs');
  });

  it('packs the data without losing any of it: every pair\'s verdict per port and every trace read back from the page as computed', async () => {
    const { html, w, traceOf } = await report(await generated(2));
    const data = readReportData(html);
    const g = w.groups.length;
    const letters = pairLetters(data);
    expect(letters).toHaveLength(g * g);
    const word = { allowed: 'a', denied: 'd', partly: 'p', unknown: 'u' } as const;
    let traced = 0;
    for (let from = 0; from < g; from++) {
      for (let to = 0; to < g; to++) {
        const k = from * g + to;
        expect(letters[k]).toBe(w.queries.map((_, q) => word[pairState(w, q, from, to)!] ?? '-').join(''));
        traceOf(from, to).forEach((r, q) => {
          const text = r === undefined ? '' : typeof r === 'string' ? r : renderCanReach({ colour: false }, r, true).replace(/\n$/, '');
          expect(pairTrace(data, k, q), `${data.workloads[from].id} → ${data.workloads[to].id} ${data.ports[q]}`).toBe(text);
          if (text !== '') traced++;
        });
      }
    }
    expect(traced).toBeGreaterThan(g * g);
    // packed: the page carries a fraction of the JSON it unpacks to
    expect(html.length).toBeLessThan(JSON.stringify(data).length / 2);
  });

  it('with a change (diff --with): the pairs diff says flip, on their port, and the summary; the heatmap is the changed cluster', async () => {
    const base = await readManifestSnapshot(['examples/shop']);
    const after = overlaySnapshot(base, undefined, [{ kind: 'NetworkPolicy', namespace: 'payments', name: 'allow-cart', input: 'networkpolicy/payments/allow-cart' }]);
    const pods = clusterPods(after);
    const engine = new PolicyEngine(after);
    const w = workloadMatrix(computeMatrix(engine, { pods, externals: [], queries: matrixQueries(pods, [], []) }), groupEndpoints(after, pods, []));
    const result = diffReachability(base, after);
    expect(result.changes.length).toBeGreaterThan(0);
    const data = reportData(META, w, () => [], 0, undefined, { change: '--delete networkpolicy/payments/allow-cart', result });
    const ids = data.workloads.map((x) => x.id);
    const cart = ids.indexOf('default/deploy/cart') * ids.length + ids.indexOf('payments/deploy/payments');
    const pair = data.changes!.pairs.find(([k]) => k === cart);
    expect(pair?.[1]).toEqual([expect.objectContaining({ q: data.ports.indexOf('TCP 8443'), before: true, after: false })]);
    expect(pairLetters(data)[cart][data.ports.indexOf('TCP 8443')]).toBe('d');
    // every change diff lists is on the heatmap, none is left out or counted twice
    expect(data.changes!.pairs.reduce((n, [, c]) => n + c.length, 0)).toBe(result.changes.length);
    expect(data.changes!.summary).toMatch(/^\d+ connections? changes?: 0 opened, \d+ closed$/);
    const html = renderReportHtml(data);
    expect(html).toContain('<b>with --delete networkpolicy/payments/allow-cart</b>');
    expect(html).toContain('id="f-changed"');
    expect(renderReportHtml({ ...data, changes: undefined })).not.toContain('id="f-changed"');
  });

  it('cell colours stay apart for colour-blind readers and in grey, and their symbols stay readable', async () => {
    const { html } = await report(await readManifestSnapshot(['examples/shop']));
    const style = (state: string) => {
      const m = new RegExp(`\\.c\\.${state}\\{background:(#[0-9A-Fa-f]{6})([^;]*);color:(#[0-9A-Fa-f]{3,6})`).exec(html);
      expect(m, `.c.${state} has a background and a colour`).not.toBeNull();
      return { fill: m![1], pattern: m![2].includes('gradient'), text: m![3] };
    };
    const states = { a: style('a'), d: style('d'), p: style('p'), u: style('u') };
    const lin = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    const rgb = (hex: string) => {
      const h = hex.length === 4 ? `#${hex[1]}${hex[1]}${hex[2]}${hex[2]}${hex[3]}${hex[3]}` : hex;
      return [1, 3, 5].map((i) => lin(parseInt(h.slice(i, i + 2), 16) / 255));
    };
    // Machado, Oliveira and Fernandes (2009), severity 1, on linear RGB
    const simulations: Record<string, number[][]> = {
      normal: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
      protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
      deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
      tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
    };
    const lab = ([r, g, b]: number[]) => {
      const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
      const [x, y, z] = [(0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883];
      return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
    };
    const seen = (m: number[][], hex: string) => lab(m.map((row) => Math.min(1, Math.max(0, row[0] * rgb(hex)[0] + row[1] * rgb(hex)[1] + row[2] * rgb(hex)[2]))));
    const pairs = [['a', 'd'], ['a', 'p'], ['a', 'u'], ['d', 'p'], ['d', 'u'], ['p', 'u']] as const;
    for (const [name, m] of Object.entries(simulations)) {
      for (const [x, y] of pairs) {
        const [p, q] = [seen(m, states[x].fill), seen(m, states[y].fill)];
        // CIE76 ΔE: about 2 is just noticeable, 15 plainly different
        expect(Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]), `${x} and ${y} under ${name}`).toBeGreaterThan(15);
      }
    }
    // in grey (lightness only) allowed and denied differ; partly and cannot tell carry a pattern besides
    const lightness = (hex: string) => lab(rgb(hex))[0];
    expect(Math.abs(lightness(states.a.fill) - lightness(states.d.fill))).toBeGreaterThan(12);
    expect(states.p.pattern && states.u.pattern).toBe(true);
    expect(states.a.pattern || states.d.pattern).toBe(false);
    // each state's symbol against its fill: WCAG contrast of at least 4.5
    const luminance = (hex: string) => rgb(hex).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    for (const [state, s] of Object.entries(states)) {
      const [hi, lo] = [luminance(s.fill), luminance(s.text)].sort((x, y) => y - x);
      expect((hi + 0.05) / (lo + 0.05), `symbol on ${state}`).toBeGreaterThan(4.5);
    }
    expect(html).toMatch(/print-color-adjust:exact/);
  });
});
