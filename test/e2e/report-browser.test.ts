// kubectl np report -o html, opened as a user would: the built CLI writes the page, headless Chromium
// opens it from file:// with nothing else reachable, and the heatmap, filters and traces work there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot, requireFreshBuild } from '../integration/auth/dist.js';
import { isolatedEnv, runCli } from '../integration/auth/cli.js';
import { generateCluster, WORKLOADS_PER_NAMESPACE, writeCluster } from '../support/generated-cluster.js';

const CHROMIUM = '/usr/bin/chromium';
// the page is plain DOM work; a loaded CI box can be ten times slower than a laptop
const PAGE_TIMEOUT_MS = 120_000;

let browser: Browser;
const dir = mkdtempSync(join(tmpdir(), 'kubectl-np-report-'));
const screenshots = process.env.REPORT_SCREENSHOTS_DIR ?? join(dir, 'screenshots');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the report browser tests need Chromium (installed by .ci/run)`);
  requireFreshBuild();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}, PAGE_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
});

async function writeReport(name: string, args: string[]): Promise<string> {
  const r = await runCli(['report', ...args, '-o', 'html'], { env: isolatedEnv(), timeoutMs: 300_000 });
  expect(r.code, r.stderr).toBe(0);
  const file = join(dir, `${name}.html`);
  writeFileSync(file, r.stdout);
  return file;
}

/** Opens the report, collecting console errors and every request the page makes. */
async function open(file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('#heatmap td.c');
  return { page, errors, requests };
}

/** The heatmap cell of a workload pair, found by the column headers' order. */
async function cellOf(page: Page, from: string, to: string) {
  const ids = await page.locator('#heatmap thead th[data-col]').allTextContents();
  const i = ids.indexOf(from) * ids.length + ids.indexOf(to);
  return page.locator(`#heatmap td[data-i="${i}"]`);
}

const visibleCells = (page: Page) => page.locator('#heatmap tr:not(.hide) > td.c:not(.hide)').count();

describe('report -o html in Chromium', () => {
  it('examples/shop: every workload pair is a cell, a denied cell shows the trace naming the deciding policy, no request leaves the file', async () => {
    const file = await writeReport('shop', ['-f', join(repoRoot, 'examples/shop')]);
    const { page, errors, requests } = await open(file);
    const workloads = await page.locator('#heatmap tbody tr[data-row]').count();
    expect(workloads).toBe(5);
    expect(await page.locator('#heatmap td.c').count()).toBe(workloads * workloads);

    const cell = await cellOf(page, 'default/deploy/frontend', 'payments/deploy/payments');
    expect(await cell.getAttribute('class')).toContain('d');
    await cell.hover();
    expect(await cell.getAttribute('title')).toMatch(/^default\/deploy\/frontend → payments\/deploy\/payments\ndenied: .*TCP 8443/);
    expect(await cell.textContent()).toBe('✗');
    await cell.click();
    const trace = await page.locator('#trace-text').textContent();
    expect(trace).toContain('DENIED  default/deploy/frontend → payments/deploy/payments');
    expect(trace).toContain('payments/default-deny');
    expect(await page.locator('#trace-cmd').textContent()).toContain('kubectl np explain default/deploy/frontend payments/deploy/payments');
    await page.screenshot({ path: join(screenshots, 'report-shop.png'), fullPage: true });
    // the policy list: each policy with the workloads it selects, audit findings below
    expect(await page.locator('#policies tbody tr').count()).toBe(8);
    expect(await page.locator('#policies tbody tr', { hasText: 'payments/default-deny' }).textContent()).toContain('payments/deploy/payments');
    expect(await page.locator('#policies').textContent()).toContain('169.254.169.254');

    // one port: the trace of that port only, and the command with --port
    await page.selectOption('#f-port', { label: 'TCP 8443' });
    const portTrace = await page.locator('#trace-text').textContent();
    expect(portTrace).toContain('DENIED  default/deploy/frontend → payments/deploy/payments  TCP 8443');
    expect(portTrace).not.toContain('TCP 53\n');
    expect(await page.locator('#trace-cmd').textContent()).toContain('payments/deploy/payments --port 8443');
    // frontend may reach cart on 8080 (its http port)
    await page.selectOption('#f-port', { label: 'TCP 8080' });
    expect(await (await cellOf(page, 'default/deploy/frontend', 'default/deploy/cart')).textContent()).toBe('✓');
    // a namespace: only its workloads' rows and columns
    await page.selectOption('#f-port', { label: 'all ports' });
    await page.selectOption('#f-ns', 'default');
    expect(await visibleCells(page)).toBe(4);
    // folding the namespace hides its rows
    await page.locator('#heatmap tr.ns[data-ns="default"] th').click();
    expect(await page.locator('#heatmap tbody tr[data-row]:not(.hide)').count()).toBe(0);

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });

  it('a generated cluster of 30 workloads: the heatmap, the workload search and "only denied"', async () => {
    const namespaces = 5;
    const manifests = writeCluster(join(dir, 'generated'), generateCluster({ namespaces }));
    const file = await writeReport('generated', ['-f', manifests]);
    const { page, errors, requests } = await open(file);
    const workloads = namespaces * WORKLOADS_PER_NAMESPACE + 1; // and monitoring's prometheus
    expect(await page.locator('#heatmap tbody tr[data-row]').count()).toBe(workloads);
    expect(await page.locator('#heatmap td.c').count()).toBe(workloads * workloads);
    expect(await page.locator('#heatmap td.c.p').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(screenshots, 'report-generated.png'), fullPage: true });

    await page.fill('#f-q', 'team-001/deploy/');
    expect(await visibleCells(page)).toBe(4); // api and web, both ways
    await page.fill('#f-q', '');
    await page.check('#f-denied');
    const shown = await page.locator('#heatmap tr:not(.hide) > td.c:not(.hide)').evaluateAll((tds) => tds.map((td) => td.className));
    expect(shown.length).toBeGreaterThan(0);
    // allowed cells are blanked, only denied and partly keep their colour
    expect(shown.every((c) => /\b(d|p|off)\b/.test(c))).toBe(true);
    expect(shown.some((c) => /\bd\b/.test(c))).toBe(true);

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });
});
