// kubectl np report -o html, opened as a user would: the built CLI writes the page, headless Chromium
// opens it from file:// with nothing else reachable, and the heatmap, filters and traces work there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pairTrace, readReportData } from '../../src/render/report-html.js';
import { repoRoot, requireFreshBuild } from '../integration/auth/dist.js';
import { isolatedEnv, runCli } from '../integration/auth/cli.js';
import { generateCluster, WORKLOADS_PER_NAMESPACE, writeCluster } from '../support/generated-cluster.js';
import { CART_FROM_PROMETHEUS } from '../support/shop-changes.js';

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
});
afterAll(async () => {
  await browser?.close();
});

/**
 * Writes a report with the built CLI run in `cwd` (the test's directory unless said), paths given relative as
 * a user types them: the page's header names its source as given, and the screenshots in docs/ show it.
 */
async function writeReport(name: string, args: string[], cwd = dir): Promise<string> {
  const r = await runCli(['report', ...args, '-o', 'html'], { env: isolatedEnv(), timeoutMs: 300_000, cwd });
  expect(r.code, r.stderr).toBe(0);
  const file = join(dir, `${name}.html`);
  writeFileSync(file, r.stdout);
  return file;
}

/** Opens the report, collecting console errors and every request the page makes. */
async function open(file: string, viewport = { width: 1400, height: 900 }): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('#heatmap .c[data-i]');
  return { page, errors, requests };
}

/** The workload ids in the page's data, in row (and column) order. */
const workloadIds = async (page: Page) => readReportData(await page.content()).workloads.map((w) => w.id);

/** The heatmap cell of a workload pair (drawn only while in view). */
async function cellOf(page: Page, from: string, to: string) {
  const ids = await workloadIds(page);
  expect(ids).toContain(from);
  expect(ids).toContain(to);
  return page.locator(`#heatmap .c[data-i="${ids.indexOf(from) * ids.length + ids.indexOf(to)}"]`);
}

/** Rows and columns shown (filters and folds applied), as the grid tells assistive technology. */
async function gridSize(page: Page): Promise<{ rows: number; cols: number }> {
  const grid = page.locator('#heatmap');
  return { rows: Number(await grid.getAttribute('aria-rowcount')), cols: Number(await grid.getAttribute('aria-colcount')) };
}

const drawnCells = (page: Page) => page.locator('#heatmap .c[data-i]').count();
const drawnRows = (page: Page) => page.locator('#heatmap .rh[data-row]').count();
/** The namespace bands over the columns, by name. */
const columnBands = (page: Page) => page.locator('#heatmap .cb').allTextContents();

describe('report -o html in Chromium', () => {
  it('examples/shop: every workload pair is a cell, a denied cell shows the trace naming the deciding policy, no request leaves the file', async () => {
    const file = await writeReport('shop', ['-f', 'examples/shop'], repoRoot);
    const { page, errors, requests } = await open(file);
    expect(await page.locator('#meta b').first().textContent()).toBe('examples/shop');
    expect(await drawnRows(page)).toBe(5);
    // 5 workloads in 4 namespaces: a band per namespace, then its workloads
    expect(await gridSize(page)).toEqual({ rows: 5 + 4, cols: 5 });
    expect(await drawnCells(page)).toBe(25);
    // the columns are banded by namespace too: a band over each namespace's columns, a rule where one begins
    expect(await columnBands(page)).toEqual(['default', 'kube-system', 'monitoring', 'payments']);
    const [defaultBand, firstColumn] = [await page.locator('#heatmap .cb[data-ns="default"]').boundingBox(), await page.locator('#heatmap .ch').first().boundingBox()];
    expect(defaultBand!.x).toBeCloseTo(firstColumn!.x, 0);
    expect(defaultBand!.width).toBeCloseTo(2 * firstColumn!.width, 0);
    expect(await page.locator('#heatmap .ch.nb').count()).toBe(3);
    expect(await page.locator('#heatmap .c.nb').count()).toBe(3 * 5);
    // folding from a column band folds the namespace's rows with it, and unfolding from the row band brings both back
    // (its name, at the top: under it the band is the columns' labels' background)
    await page.locator('#heatmap .cb[data-ns="payments"]').click({ position: { x: 4, y: 10 } });
    expect(await columnBands(page)).toEqual(['default', 'kube-system', 'monitoring']);
    expect(await page.locator('#heatmap .rh.ns[data-ns="payments"]').getAttribute('class')).toContain('closed');
    expect(await gridSize(page)).toEqual({ rows: 4 + 4, cols: 4 });
    await page.locator('#heatmap .rh.ns[data-ns="payments"]').click();
    expect(await columnBands(page)).toEqual(['default', 'kube-system', 'monitoring', 'payments']);
    expect(await drawnCells(page)).toBe(25);

    const cell = await cellOf(page, 'default/deploy/frontend', 'payments/deploy/payments');
    expect(await cell.getAttribute('class')).toContain('d');
    await cell.hover();
    expect(await cell.getAttribute('title')).toMatch(/^default\/deploy\/frontend → payments\/deploy\/payments\ndenied: .*TCP 8443/);
    expect(await page.locator('#hm-status').textContent()).toMatch(/^default\/deploy\/frontend → payments\/deploy\/payments\ndenied: /);
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
    expect(await gridSize(page)).toEqual({ rows: 1 + 2, cols: 2 });
    expect(await drawnCells(page)).toBe(4);
    expect(await columnBands(page)).toEqual(['default']);
    // folding the namespace hides its rows, and its columns with their band
    await page.locator('#heatmap .rh.ns[data-ns="default"]').click();
    expect(await drawnRows(page)).toBe(0);
    expect(await gridSize(page)).toEqual({ rows: 1, cols: 0 });
    expect(await columnBands(page)).toEqual([]);

    // printed: every cell, in colours kept for print, and without the filters
    await page.selectOption('#f-ns', '');
    await page.locator('#heatmap .rh.ns[data-ns="default"]').click();
    await page.emulateMedia({ media: 'print' });
    expect(await drawnCells(page)).toBe(25);
    expect(await page.locator('#filters').isVisible()).toBe(false);
    expect(await columnBands(page)).toEqual(['default', 'kube-system', 'monitoring', 'payments']);
    expect(await page.evaluate(`getComputedStyle(document.querySelector('#heatmap .cb')).printColorAdjust`)).toBe('exact');
    // (a string: the tests are typed without the DOM library)
    expect(await page.evaluate(`getComputedStyle(document.getElementById(${JSON.stringify(await cell.getAttribute('id'))})).printColorAdjust`)).toBe('exact');
    await page.emulateMedia({ media: 'screen' });

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });

  it('report --with: the changed cells are marked, "only changed" shows just them, and their trace starts with the change', async () => {
    // the shop next to the change, both given relative, as docs/network-policies.md shows them
    cpSync(join(repoRoot, 'examples/shop'), join(dir, 'examples/shop'), { recursive: true });
    writeFileSync(join(dir, 'cart-from-prometheus.yaml'), CART_FROM_PROMETHEUS);
    const file = await writeReport('shop-change', ['-f', 'examples/shop', '--with', 'cart-from-prometheus.yaml', '--delete', 'networkpolicy/payments/allow-cart']);
    const { page, errors, requests } = await open(file);
    expect(await page.locator('.changes').textContent()).toContain('2 connections change: 1 opened, 1 closed');
    const opened = await cellOf(page, 'monitoring/sts/prometheus', 'default/deploy/cart');
    const closed = await cellOf(page, 'default/deploy/cart', 'payments/deploy/payments');
    expect(await page.locator('#heatmap .c.chg').count()).toBe(2);
    expect(await opened.getAttribute('class')).toContain('chg');
    await opened.hover();
    expect(await opened.getAttribute('title')).toContain('changed: TCP 8080: denied → allowed');

    await page.check('#f-changed');
    // rows: default and monitoring with cart and prometheus; columns: cart and payments
    expect(await gridSize(page)).toEqual({ rows: 4, cols: 2 });
    expect(await page.locator('#heatmap .rh').allTextContents()).toEqual(['default', 'default/deploy/cart', 'monitoring', 'monitoring/sts/prometheus']);
    const kept = await page.locator('#heatmap .c[data-i]:not(.off)').evaluateAll((els) => els.map((el) => el.getAttribute('data-i')));
    expect(kept.sort()).toEqual([await opened.getAttribute('data-i'), await closed.getAttribute('data-i')].sort());
    await closed.click();
    const trace = await page.locator('#trace-text').textContent();
    expect(trace).toMatch(/^changed by .*cart-from-prometheus\.yaml, --delete networkpolicy\/payments\/allow-cart: TCP 8443: allowed → denied\n {4}\S/);
    expect(trace).toContain('DENIED  default/deploy/cart → payments/deploy/payments  TCP 8443');
    await page.screenshot({ path: join(screenshots, 'report-shop-changed.png'), fullPage: true });

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });

  it('a generated cluster of 30 workloads: the heatmap, the workload search and "only denied"', async () => {
    const namespaces = 5;
    writeCluster(join(dir, 'generated-cluster'), generateCluster({ namespaces }));
    const file = await writeReport('generated', ['-f', 'generated-cluster']);
    // a window tall enough for all of it, so all of it is drawn
    const { page, errors, requests } = await open(file, { width: 1400, height: 1400 });
    const workloads = namespaces * WORKLOADS_PER_NAMESPACE + 1; // and monitoring's prometheus
    expect(await gridSize(page)).toEqual({ rows: workloads + namespaces + 1, cols: workloads });
    expect(await drawnRows(page)).toBe(workloads);
    expect(await drawnCells(page)).toBe(workloads * workloads);
    expect(await columnBands(page)).toEqual(['monitoring', 'team-000', 'team-001', 'team-002', 'team-003', 'team-004']);
    expect(await page.locator('#heatmap .c.p').count()).toBeGreaterThan(0);
    // web is mid-rollout and only its v2 replicas may reach api: partly, and the trace says which
    const partly = await cellOf(page, 'team-001/deploy/web', 'team-001/deploy/api');
    expect(await partly.getAttribute('class')).toMatch(/\bp\b/);
    await partly.click();
    expect(await page.locator('#trace-title').textContent()).toBe('team-001/deploy/web → team-001/deploy/api — partly');
    expect(await page.locator('#trace-text').textContent()).toMatch(/version=v2/);
    // the page unpacks its data itself: a click shows, for any pair, the trace the CLI packed, every port's
    const data = readReportData(await page.content());
    for (const [from, to] of [[0, 0], [1, workloads - 1], [workloads - 1, 2], [7, 8]]) {
      const k = from * workloads + to;
      await page.locator(`#heatmap .c[data-i="${k}"]`).click();
      const expected = data.ports.map((_, q) => pairTrace(data, k, q)!).filter((t) => t !== '').join('\n\n');
      expect(expected).toContain(`${data.workloads[from].id} → ${data.workloads[to].id}`);
      expect(await page.locator('#trace-text').textContent()).toBe(expected);
    }
    await page.screenshot({ path: join(screenshots, 'report-generated.png'), clip: { x: 0, y: 0, width: 1400, height: 1040 } });

    await page.fill('#f-q', 'team-001/deploy/');
    expect(await drawnCells(page)).toBe(4); // api and web, both ways
    await page.fill('#f-q', '');
    await page.check('#f-denied');
    const shown = await page.locator('#heatmap .c[data-i]').evaluateAll((els) => els.map((el) => el.className));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(workloads * workloads);
    // allowed cells are blanked, only denied and partly keep their colour
    expect(shown.every((c) => /\b(d|p|off)\b/.test(c))).toBe(true);
    expect(shown.some((c) => /\bd\b/.test(c))).toBe(true);
    await page.screenshot({ path: join(screenshots, 'report-generated-denied.png'), fullPage: true });

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });

  it('a generated cluster of 300 workloads: only the part in view is drawn; scrolling, the keyboard and printing reach the rest', async () => {
    const namespaces = 50;
    const manifests = writeCluster(join(dir, 'generated-300'), generateCluster({ namespaces }));
    const file = await writeReport('generated-300', ['-f', manifests]);
    const { page, errors, requests } = await open(file);
    const workloads = namespaces * WORKLOADS_PER_NAMESPACE + 1;
    const ids = await workloadIds(page);
    expect(ids).toHaveLength(workloads);
    expect(await gridSize(page)).toEqual({ rows: workloads + namespaces + 1, cols: workloads });
    // 90,601 pairs, a few thousand cells in the page at a time
    const drawn = await drawnCells(page);
    expect(drawn).toBeGreaterThan(100);
    expect(drawn).toBeLessThan(workloads * workloads / 10);
    await page.screenshot({ path: join(screenshots, 'report-generated-300.png') });

    // the keyboard: focus the grid, then Ctrl+End goes to the last row's last column, scrolled into view
    await page.locator('#heatmap').focus();
    await page.keyboard.press('ArrowDown'); // from the first namespace band to its first workload
    expect(await page.locator('#hm-status').textContent()).toMatch(new RegExp(`^${ids[0]} → ${ids[0]}\n`));
    await page.keyboard.press('Control+End');
    const last = page.locator(`#heatmap .c[data-i="${workloads * workloads - 1}"]`);
    expect(await last.getAttribute('class')).toContain('focus');
    expect(await page.locator('#heatmap').getAttribute('aria-activedescendant')).toBe(await last.getAttribute('id'));
    expect(await last.isVisible()).toBe(true);
    const [box, gridBox] = [await last.boundingBox(), await page.locator('#heatmap').boundingBox()];
    expect(box!.y + box!.height).toBeLessThanOrEqual(gridBox!.y + gridBox!.height);
    expect(box!.x + box!.width).toBeLessThanOrEqual(gridBox!.x + gridBox!.width);
    // the first rows are gone from the page, the last ones are there
    expect(await page.locator(`#heatmap .rh[data-row="0"]`).count()).toBe(0);
    expect(await page.locator(`#heatmap .rh[data-row="${workloads - 1}"]`).count()).toBe(1);
    // and so with the column bands: the last namespace's is drawn, the first's is not
    expect(await page.locator('#heatmap .cb[data-ns="team-049"]').count()).toBe(1);
    expect(await page.locator('#heatmap .cb[data-ns="monitoring"]').count()).toBe(0);
    await page.keyboard.press('Enter');
    expect(await page.locator('#trace-title').textContent()).toContain(`${ids[workloads - 1]} → ${ids[workloads - 1]}`);
    // past the first 3,000 pairs no trace is precomputed: the page names the command instead
    expect(await page.locator('#trace-text').textContent()).toContain('Not precomputed');
    expect(await page.locator('#trace-cmd').textContent()).toContain(`kubectl np explain ${ids[workloads - 1]} ${ids[workloads - 1]}`);

    // the mouse wheel: back to the top, where the first row is drawn again and hovering names the pair
    await page.locator('#heatmap').hover();
    await page.mouse.wheel(0, -1_000_000);
    await page.mouse.wheel(-1_000_000, 0);
    await expect.poll(() => page.evaluate("[document.getElementById('heatmap').scrollTop, document.getElementById('heatmap').scrollLeft]"), { timeout: PAGE_TIMEOUT_MS }).toEqual([0, 0]);
    const first = page.locator('#heatmap .c[data-i="1"]');
    await first.hover();
    expect(await first.getAttribute('title')).toMatch(new RegExp(`^${ids[0]} → ${ids[1]}\n`));

    // printing 352 × 301 cells is refused politely; one namespace prints whole
    await page.emulateMedia({ media: 'print' });
    // the page hears of print media at its next frame
    await expect.poll(() => page.locator('#hm-print').textContent(), { timeout: PAGE_TIMEOUT_MS }).toContain('narrow the report with the filters');
    await page.emulateMedia({ media: 'screen' });
    await page.selectOption('#f-ns', 'team-007');
    await page.emulateMedia({ media: 'print' });
    await expect.poll(() => page.locator('#hm-print').textContent(), { timeout: PAGE_TIMEOUT_MS }).toBe('');
    expect(await drawnCells(page)).toBe(WORKLOADS_PER_NAMESPACE * WORKLOADS_PER_NAMESPACE);
    await page.emulateMedia({ media: 'screen' });

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });
});
