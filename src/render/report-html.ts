// `kubectl np report -o html`: one self-contained page (inline CSS, inline script, the data as gzipped
// JSON) with a heatmap of workloads × workloads, filters, and each pair's explain trace on click. No
// external URL, so it opens from a file, offline, and can be mailed or attached to a ticket.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { CanReachResult } from '../netpol/can-reach.js';
import type { DiffResult } from '../netpol/diff.js';
import { diffSummary } from './diff.js';
import { groupDescription, pairState, portText, type PairState, type WorkloadMatrix } from '../netpol/workloads.js';
import { renderCanReach } from './netpol-text.js';

export interface ReportMeta {
  /** a kubeconfig context, or the manifest paths read */
  source: string;
  generated: string;
  version: string;
  pods: number;
  policies: number;
  /** what the ? cells depend on and was not seen (matrix's cannotTell), said in the header as on stderr */
  cannotTell?: string[];
}

export interface ReportData {
  meta: ReportMeta & { workloads: number; namespaces: number; traced: number; pairs: number };
  ports: string[];
  workloads: { id: string; ns: string; desc: string }[];
  /**
   * per pair, row-major: one letter per port — a allowed, d denied, p partly, u cannot tell, - no verdict —
   * run-length encoded: each distinct letter string once (palette), then [palette index, pairs in a row]…
   * A cluster's pairs share a handful of strings, mostly all denied, so 249,001 pairs (1,000 pods) take a
   * few thousand numbers instead of 1.7 MB of strings. pairLetters() reads them back.
   */
  cells: { palette: string[]; runs: number[] };
  /**
   * the precomputed traces, [pair index, the explain trace per port as indexes into lines ([] where the port
   * has no verdict)]; a pair not listed has none. Traces repeat most lines (each port's trace for a pair, each
   * pair's policy lines), so a line table keeps a 30-workload report a few hundred KiB instead of megabytes.
   */
  traces: [number, number[][]][];
  lines: string[];
  /** each policy with the workloads it selects and the audit findings about it */
  policies: { namespace: string; name: string; workloads: string[]; findings: ReportFinding[] }[];
  /** audit findings about other objects (namespaces, workloads, the cluster) */
  findings: ReportFinding[];
  /** with report --with/--delete: the connections whose verdict the change flips (diff's), by pair */
  changes?: ReportChanges;
}

export interface ReportChanges {
  /** what was overlaid on the base, as diff says it */
  change: string;
  summary: string;
  /** [pair index, its changed ports] — q indexes ports, -1 for a port the heatmap has no column for */
  pairs: [number, { q: number; before: boolean | null; after: boolean | null; reason: string }[]][];
  /** changes between endpoints the heatmap does not show, and diff's notes (pods only on one side) */
  notes: string[];
}

export interface ReportFinding {
  severity: string;
  namespace: string;
  object: string;
  message: string;
}

const LETTER: Record<PairState, string> = { allowed: 'a', denied: 'd', partly: 'p', unknown: 'u' };

/**
 * The page's data. traceOf is called for the first `traceLimit` pairs (row-major); past that the page
 * shows the explain command to run instead, so a big cluster's report stays a size a browser opens.
 */
export function reportData(
  meta: ReportMeta,
  w: WorkloadMatrix,
  traceOf: (from: number, to: number) => (CanReachResult | string | undefined)[],
  traceLimit = Infinity,
  audit: { policies: { namespace: string; name: string; workloads: string[] }[]; findings: ReportFinding[] } = { policies: [], findings: [] },
  diff?: { change: string; result: DiffResult },
): ReportData {
  const g = w.groups.length;
  const palette: string[] = [];
  const paletteIndex = new Map<string, number>();
  const runs: number[] = [];
  const traces: [number, number[][]][] = [];
  const lines: string[] = [];
  const lineIndex = new Map<string, number>();
  const indexOf = (line: string) => {
    let k = lineIndex.get(line);
    if (k === undefined) {
      k = lines.push(line) - 1;
      lineIndex.set(line, k);
    }
    return k;
  };
  let traced = 0;
  for (let from = 0; from < g; from++) {
    for (let to = 0; to < g; to++) {
      let letters = '';
      for (let q = 0; q < w.queries.length; q++) {
        const s = pairState(w, q, from, to);
        letters += s ? LETTER[s] : '-';
      }
      let p = paletteIndex.get(letters);
      if (p === undefined) {
        p = palette.push(letters) - 1;
        paletteIndex.set(letters, p);
      }
      if (runs.length > 0 && runs[runs.length - 2] === p) runs[runs.length - 1]++;
      else runs.push(p, 1);
      if (traced < traceLimit && /[adpu]/.test(letters)) {
        traced++;
        traces.push([from * g + to, traceText(traceOf(from, to)).map((text) => (text === '' ? [] : text.replace(/\n$/, '').split('\n').map(indexOf)))]);
      }
    }
  }
  return {
    meta: { ...meta, workloads: g, namespaces: new Set(w.groups.map((x) => x.namespace ?? '')).size, traced, pairs: g * g },
    ports: w.queries.map(portText),
    workloads: w.groups.map((x) => ({ id: x.id, ns: x.namespace ?? '(outside the cluster)', desc: groupDescription(x) })),
    cells: { palette, runs },
    traces,
    lines,
    policies: audit.policies.map((p) => ({ ...p, findings: audit.findings.filter((f) => f.namespace === p.namespace && f.object === `networkpolicy/${p.name}`) })),
    findings: audit.findings.filter((f) => !audit.policies.some((p) => f.namespace === p.namespace && f.object === `networkpolicy/${p.name}`)),
    ...(diff ? { changes: reportChanges(w, diff.change, diff.result) } : {}),
  };
}

const verdictWord = (allowed: boolean | null) => (allowed === null ? 'cannot tell' : allowed ? 'allowed' : 'denied');

/** diff's changes placed on the heatmap: its endpoint names are the workload ids (NS/deploy/NAME, NS/pod/NAME). */
function reportChanges(w: WorkloadMatrix, change: string, result: DiffResult): ReportChanges {
  const index = new Map(w.groups.map((g, i) => [g.id, i]));
  const ports = w.queries.map(portText);
  const pairs = new Map<number, ReportChanges['pairs'][number][1]>();
  const outside: string[] = [];
  for (const c of result.changes) {
    const from = index.get(c.from);
    const to = index.get(c.to);
    const port = portText(c);
    if (from === undefined || to === undefined) {
      outside.push(`${c.from} → ${c.to} ${port}: ${verdictWord(c.before)} → ${verdictWord(c.after)}`);
      continue;
    }
    const k = from * w.groups.length + to;
    if (!pairs.has(k)) pairs.set(k, []);
    pairs.get(k)!.push({ q: ports.indexOf(port), before: c.before, after: c.after, reason: c.reason });
  }
  return {
    change,
    summary: diffSummary(result),
    pairs: [...pairs].sort((a, b) => a[0] - b[0]),
    notes: [...(outside.length ? [`changes between endpoints not in the heatmap: ${outside.join('; ')}`] : []), ...result.notes],
  };
}

function traceText(results: (CanReachResult | string | undefined)[]): string[] {
  return results.map((r) => (r === undefined ? '' : typeof r === 'string' ? r + '\n' : renderCanReach({ colour: false }, r, true)));
}

/**
 * The data as the page carries it: JSON, gzipped, in base64 (which cannot close the script element). Trace
 * lines differ mostly in names and ports, so gzip takes a 1,000-pod report's data from 3.0 MB to 0.3 MB
 * (0.4 MB in base64); the page unpacks it with the browser's own DecompressionStream, no library, no request.
 */
function packedData(data: ReportData): string {
  return gzipSync(JSON.stringify(data), { level: 9 }).toString('base64');
}

/** The data of a page renderReportHtml wrote, unpacked (what the page's script reads). */
export function readReportData(html: string): ReportData {
  const m = /<script type="application\/gzip" id="report-data">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('not a kubectl np report page: no report-data element');
  return JSON.parse(gunzipSync(Buffer.from(m[1], 'base64')).toString('utf8')) as ReportData;
}

/** Each pair's letters (row-major, one per port), cells' run-length encoding undone. */
export function pairLetters(data: ReportData): string[] {
  const out: string[] = [];
  for (let x = 0; x < data.cells.runs.length; x += 2) for (let n = 0; n < data.cells.runs[x + 1]; n++) out.push(data.cells.palette[data.cells.runs[x]]);
  return out;
}

/** A pair's precomputed trace on one port, as the page shows it: undefined when not precomputed, '' when the port has no verdict. */
export function pairTrace(data: ReportData, pair: number, port: number): string | undefined {
  return data.traces.find(([k]) => k === pair)?.[1][port].map((n) => data.lines[n]).join('\n');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function findingItem(f: ReportFinding): string {
  return `<li><b>${escapeHtml(f.severity)}</b> ${escapeHtml(f.namespace ? `${f.namespace}/${f.object}` : f.object)}: ${escapeHtml(f.message)}</li>`;
}

function policySection(data: ReportData): string {
  const rows = data.policies.map((p) => `<tr><td>${escapeHtml(`${p.namespace}/${p.name}`)}</td><td>${p.workloads.length ? p.workloads.map(escapeHtml).join('<br>') : '<i>no workload</i>'}</td><td>${p.findings.length ? `<ul>${p.findings.map(findingItem).join('')}</ul>` : ''}</td></tr>`);
  return `<section id="policies">
<h2>Policies (${data.policies.length})</h2>
<table><thead><tr><th>policy</th><th>selects</th><th>audit findings</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
${data.findings.length ? `<h2>Other audit findings (${data.findings.length})</h2><ul>${data.findings.map(findingItem).join('')}</ul>` : ''}
</section>`;
}

export function renderReportHtml(data: ReportData): string {
  const m = data.meta;
  const traced = m.traced < m.pairs ? ` · traces precomputed for ${m.traced} pairs; for the others the page names the explain command` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kubectl np report — ${escapeHtml(m.source)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>NetworkPolicy reachability</h1>
<p id="meta">source <b>${escapeHtml(m.source)}</b> · generated ${escapeHtml(m.generated)} · kubectl-np ${escapeHtml(m.version)} ·
${m.namespaces} namespaces, ${m.workloads} workloads, ${m.pods} running pods, ${m.policies} policies, ${data.ports.length} ports${escapeHtml(traced)}</p>
${(m.cannotTell ?? []).map((c) => `<p class="unseen"><b>cannot tell</b> (? cells): some verdicts depend on ${escapeHtml(c)}</p>`).join('\n')}
${data.changes ? `<p class="changes"><b>with ${escapeHtml(data.changes.change)}</b>: the heatmap shows the verdicts after the change; ${escapeHtml(data.changes.summary)} (marked <span class="c a chg">✓</span>)${data.changes.notes.map((n) => `<br>note: ${escapeHtml(n)}`).join('')}</p>` : ''}
<p class="legend"><span class="c a">✓</span> allowed <span class="c d">✗</span> denied <span class="c p">◐</span> partly (some ports or replicas)
<span class="c u">?</span> cannot tell <span class="c n">·</span> no verdict (port not declared) — rows: from, columns: to</p>
<form id="filters" onsubmit="return false">
<label>namespace <select id="f-ns"><option value="">all</option></select></label>
<label>workload <input id="f-q" type="search" placeholder="name contains…"></label>
<label><input id="f-denied" type="checkbox"> only denied</label>
${data.changes ? '<label><input id="f-changed" type="checkbox"> only changed</label>' : ''}
<label>port <select id="f-port"><option value="">all ports</option></select></label>
</form>
</header>
<main>
<div id="matrix">
<div id="heatmap" role="grid" tabindex="0" aria-label="reachability: rows are sources, columns destinations; arrow keys move, Enter opens the trace">
<div id="hm-head"><div id="hm-cols"></div><div id="hm-corner">from ↓ · to →</div></div>
<div id="hm-body"><div id="hm-rows"></div><div id="hm-cells"></div></div>
</div>
<p id="hm-status" aria-live="polite">Hover or focus a cell (Tab, then arrow keys) for its ports; click it or press Enter for its trace.</p>
<p id="hm-print"></p>
</div>
<section id="trace" hidden><h2 id="trace-title"></h2><p id="trace-cmd"></p><pre id="trace-text"></pre></section>
</main>
${policySection(data)}
<script type="application/gzip" id="report-data">${packedData(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** cells drawn when printing: past it the print shows the part in view and says how to narrow it */
export const PRINT_CELL_LIMIT = 40_000;

// Okabe–Ito colours (told apart with every common colour-vision deficiency; denied is its vermillion
// darkened so that allowed and denied also differ in grey, where the original two are the same lightness),
// each with its own symbol, partly and cannot-tell with a pattern, so a black-and-white print still reads.
// test/unit/render/report-html.test.ts holds them to that under simulated protanopia, deuteranopia and tritanopia.
const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#111;background:#fff}
header{padding:12px 16px;border-bottom:1px solid #ccc}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 6px}
#meta{margin:0 0 6px;color:#333}
.unseen{margin:0 0 6px;padding:4px 8px;border-left:4px solid #555;background:#f4f4f4}
.legend .c{display:inline-block;width:18px;height:18px;line-height:18px;text-align:center;border:1px solid #888;margin:0 2px 0 10px;position:static}
form label{margin-right:16px}
main{display:flex;gap:16px;padding:12px 16px;align-items:flex-start}
#matrix{flex:0 1 auto;min-width:0;max-width:100%}
#heatmap{overflow:auto;max-height:80vh;max-width:100%;position:relative;border:1px solid #ccc;outline-offset:2px}
#heatmap:focus-visible{outline:2px solid #0072B2}
#hm-head{position:sticky;top:0;z-index:3;background:#fff;border-bottom:1px solid #999}
#hm-cols{position:absolute;top:0;left:0;height:100%}
#hm-corner{position:sticky;left:0;z-index:1;height:100%;background:#fff;border-right:1px solid #999;box-sizing:border-box;display:flex;align-items:flex-end;padding:4px 6px;font-size:12px;color:#555}
#hm-body{position:relative}
#hm-rows{position:sticky;left:0;z-index:2;background:#fff;border-right:1px solid #999;box-sizing:border-box}
#hm-cells{position:absolute;top:0;left:0}
.ch{position:absolute;bottom:0;height:calc(100% - 20px);overflow:hidden;font-size:12px;cursor:default}
.cb{position:absolute;top:0;height:100%;line-height:19px;font-size:12px;font-weight:bold;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding:0 3px;box-sizing:border-box;border:1px solid #555;border-right-width:0;cursor:pointer;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.cb:before{content:"▾ "}
.cb.odd{background:#ddd}.cb.even{background:#f7f7f7}
.cb.narrow:before{content:none}.cb.one{padding:0 1px;text-overflow:clip}
.ch.nb,.c.nb{border-left:2px solid #555}
.ch span{display:block;writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-height:100%;padding:4px 0;line-height:20px;box-sizing:border-box}
.rh{position:absolute;left:0;right:0;font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding:0 6px;box-sizing:border-box}
.rh.ns,.band{font-weight:bold;background:#eee;cursor:pointer}
.rh.ns:before{content:"▾ "}
.rh.ns.closed:before{content:"▸ "}
.band{position:absolute;border-bottom:1px solid #ddd;box-sizing:border-box}
.r{position:absolute;left:0}
.c{position:absolute;top:0;box-sizing:border-box;border-right:1px solid #ddd;border-bottom:1px solid #ddd;text-align:center;cursor:pointer;font-size:13px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.c.a{background:#009E73;color:#000}
.c.d{background:#A84000;color:#fff}
.c.p{background:#E69F00 repeating-linear-gradient(45deg,transparent 0 3px,rgba(0,0,0,.25) 3px 5px);color:#000}
.c.u{background:#BBBBBB radial-gradient(rgba(0,0,0,.35) 1px,transparent 1.5px) 0 0/5px 5px;color:#000}
.c.n{background:#fff;color:#999}
.c.off{background:#fff;color:#ddd}
.changes{margin:0 0 6px;padding:4px 8px;border-left:4px solid #0072B2;background:#eef5fb}
.c.chg:after{content:"";position:absolute;top:0;right:0;border-style:solid;border-width:0 8px 8px 0;border-color:transparent #000 transparent transparent}
.legend .c.chg,.changes .c.chg{position:relative;display:inline-block;width:18px;height:18px;line-height:18px;text-align:center}
.c.sel{outline:3px solid #0072B2;outline-offset:-3px}
.c.focus,.rh.focus{box-shadow:inset 0 0 0 2px #000,inset 0 0 0 4px #fff}
#hm-status{margin:4px 0 0;font-size:12px;color:#333;white-space:pre-line;min-height:3em}
#hm-print{display:none}
#trace{flex:1;min-width:360px;border:1px solid #ccc;padding:8px 12px;position:sticky;top:8px}
#trace pre{white-space:pre-wrap;font-size:12px;max-height:70vh;overflow:auto}
#trace-cmd code{background:#f4f4f4;padding:2px 4px}
#policies{padding:12px 16px}
#policies table{border-collapse:collapse}
#policies table td,#policies table th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left;font-size:13px}
#policies ul{margin:0;padding-left:18px}
@media print{#filters,#trace,#hm-status{display:none}#heatmap{max-height:none;max-width:none;overflow:visible;border:0}#hm-print{display:block}main{display:block}}
`;

// Plain browser JavaScript. The heatmap is windowed: only the rows and columns in view (and a margin) are
// in the DOM, redrawn on scroll, so a 500-workload report (250,000 cells) opens as fast as a small one.
// Rows: namespace bands, each followed (unless folded) by its workloads; columns: the workloads shown.
// The data is unpacked first (base64, then gzip through the browser's DecompressionStream; see packedData).
const SCRIPT = `
(function(){
'use strict';
var packed=atob(document.getElementById('report-data').textContent),bytes=new Uint8Array(packed.length);
for(var b=0;b<packed.length;b++)bytes[b]=packed.charCodeAt(b);
if(typeof DecompressionStream!=='function'){
  document.getElementById('hm-status').textContent='This browser cannot unpack the report (it needs DecompressionStream: Chrome or Edge 80, Firefox 113, Safari 16.4 or later).';
  return;
}
new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function(text){start(JSON.parse(text));});
function start(D){
var W=D.workloads,N=W.length,CELL=20,OVER=8,PRINT_LIMIT=${PRINT_CELL_LIMIT};
// each pair's index into the palette of letter strings (cells' runs undone), and the traces by pair
var PAL=D.cells.palette,PI=new Uint32Array(N*N),TR=new Map(D.traces),palState=[];
for(var x=0,at=0;x<D.cells.runs.length;x+=2){PI.fill(D.cells.runs[x],at,at+D.cells.runs[x+1]);at+=D.cells.runs[x+1];}
function letters(k){return PAL[PI[k]];}
var SYM={a:'\\u2713',d:'\\u2717',p:'\\u25D0',u:'?',n:'\\u00B7'};
var WORD={a:'allowed',d:'denied',p:'partly',u:'cannot tell',n:'no verdict'};
var grid=document.getElementById('heatmap'),head=document.getElementById('hm-head'),colLayer=document.getElementById('hm-cols');
var corner=document.getElementById('hm-corner'),body=document.getElementById('hm-body'),rowLayer=document.getElementById('hm-rows'),cellLayer=document.getElementById('hm-cells');
var status=document.getElementById('hm-status'),printNote=document.getElementById('hm-print');
var fNs=document.getElementById('f-ns'),fQ=document.getElementById('f-q'),fDen=document.getElementById('f-denied'),fPort=document.getElementById('f-port'),fChg=document.getElementById('f-changed');
// report --with: the pairs whose verdict the change flips, on which ports
var CHG=new Map(D.changes?D.changes.pairs:[]);
var closed={},namespaces=[],byNs={};
W.forEach(function(w,i){if(!byNs[w.ns]){byNs[w.ns]=[];namespaces.push(w.ns);}byNs[w.ns].push(i);});
namespaces.forEach(function(ns){var o=document.createElement('option');o.value=o.textContent=ns;fNs.appendChild(o);});
D.ports.forEach(function(p,i){var o=document.createElement('option');o.value=String(i);o.textContent=p;fPort.appendChild(o);});
// label sizes from the longest workload name, so names are not cut where they fit on the screen
var ctx=document.createElement('canvas').getContext('2d'),longest=0;ctx.font='12px system-ui,sans-serif';
W.forEach(function(w){longest=Math.max(longest,ctx.measureText(w.id).width);});
// the header: a row of namespace bands, then the column labels under it
var LABEL=Math.round(Math.min(360,Math.max(120,longest+20))),HEAD=CELL+Math.round(Math.min(240,Math.max(60,longest+12)));
head.style.height=HEAD+'px';corner.style.width=rowLayer.style.width=LABEL+'px';
function esc(s){return s.replace(/[&<>"]/g,function(c){return '&#'+c.charCodeAt(0)+';';});}
var BIT={a:1,d:2,p:4,u:8};
function stateOf(letters){
  var b=0;for(var i=0;i<letters.length;i++){var x=BIT[letters[i]];if(x)b|=x;}
  if(b===0)return 'n';
  if(b===1)return 'a';if(b===2)return 'd';if(b===4)return 'p';if(b===8)return 'u';
  if(b&4||(b&3)===3)return 'p';
  return 'u';
}
// a pair's state on the port picked (all ports: their combination), per palette entry, recomputed by apply()
function statesByPalette(){palState=PAL.map(function(l){return fPort.value===''?stateOf(l):stateOf(l[+fPort.value]);});}
function cellState(k){return palState[PI[k]];}
function changesAt(k){var e=CHG.get(k);if(!e)return [];return fPort.value===''?e:e.filter(function(c){return c.q===+fPort.value;});}
function verdict(v){return v===null?'cannot tell':v?'allowed':'denied';}
function changeText(c){return (c.q>=0?D.ports[c.q]:'a port not in the heatmap')+': '+verdict(c.before)+' \\u2192 '+verdict(c.after);}
function portsOf(k,letter){var out=[],l=letters(k);for(var q=0;q<D.ports.length;q++)if(l[q]===letter)out.push(D.ports[q]);return out;}
function pairName(k){return W[Math.floor(k/N)].id+' \\u2192 '+W[k%N].id;}
function tip(k){
  var parts=[pairName(k)];
  ['a','d','p','u'].forEach(function(l){var p=portsOf(k,l);if(p.length)parts.push(WORD[l]+': '+p.join(', '));});
  if(parts.length===1)parts.push('no verdict: the destination declares none of the ports checked');
  changesAt(k).forEach(function(c){parts.push('changed: '+changeText(c));});
  return parts.join('\\n');
}
// what is shown: rows (namespace bands and workloads) and columns (workloads), rebuilt by apply()
// bands: the namespaces over the columns, each {ns, first column, end}; workloads come sorted by namespace
var rows=[],cols=[],bands=[],colPos=new Int32Array(N),rowPos=new Int32Array(N),nsPos={},onlyDenied=false,onlyChanged=false;
function matches(w){
  var q=fQ.value.trim().toLowerCase();
  return (fNs.value===''||w.ns===fNs.value)&&(q===''||w.id.toLowerCase().indexOf(q)>=0);
}
function hit(s){return s==='d'||s==='p';}
// the cell filters: "only denied" keeps denied and partly cells, "only changed" those the change flips
function keep(k,s){return (!onlyDenied||hit(s))&&(!onlyChanged||changesAt(k).length>0);}
function apply(){
  onlyDenied=fDen.checked;onlyChanged=!!(fChg&&fChg.checked);statesByPalette();
  var show=W.map(matches),col=show.map(function(s,j){return s&&!closed[W[j].ns];});
  var denyRow=null,denyCol=null;
  if(onlyDenied||onlyChanged){
    denyRow=new Uint8Array(N);denyCol=new Uint8Array(N);
    for(var i=0;i<N;i++){if(!show[i])continue;for(var j=0;j<N;j++){var k=i*N+j;if(col[j]&&keep(k,cellState(k))){denyRow[i]=1;denyCol[j]=1;}}}
  }
  cols=[];colPos.fill(-1);
  for(var j=0;j<N;j++)if(col[j]&&(!denyCol||denyCol[j])){colPos[j]=cols.length;cols.push(j);}
  bands=[];
  cols.forEach(function(j,c){var b=bands[bands.length-1];if(b&&b.ns===W[j].ns)b.end=c+1;else bands.push({ns:W[j].ns,start:c,end:c+1});});
  rows=[];rowPos.fill(-1);nsPos={};
  namespaces.forEach(function(ns){
    var members=byNs[ns].filter(function(i){return show[i];});
    // under a cell filter a namespace none of whose rows keeps a cell is left out, unless folded
    if(members.length===0||denyRow&&!closed[ns]&&!members.some(function(i){return denyRow[i];}))return;
    nsPos[ns]=rows.length;rows.push({ns:ns});
    if(!closed[ns])members.forEach(function(i){if(!denyRow||denyRow[i]){rowPos[i]=rows.length;rows.push({i:i});}});
  });
  var width=LABEL+cols.length*CELL;
  head.style.width=body.style.width=width+'px';
  body.style.height=rowLayer.style.height=rows.length*CELL+'px';
  grid.setAttribute('aria-rowcount',String(rows.length));
  grid.setAttribute('aria-colcount',String(cols.length));
  drawn=null;render();
}
// the drawn window; redrawn when scrolling moves it
var drawn=null,printing=false,active=null,selected=-1;
function windowOf(){
  if(printing&&rows.length*cols.length<=PRINT_LIMIT)return [0,rows.length,0,cols.length];
  var st=grid.scrollTop,sl=grid.scrollLeft,h=grid.clientHeight||600,w=grid.clientWidth||800;
  return [Math.max(0,Math.floor(st/CELL)-OVER),Math.min(rows.length,Math.ceil((st+h-HEAD)/CELL)+OVER),
    Math.max(0,Math.floor(sl/CELL)-OVER),Math.min(cols.length,Math.ceil((sl+w-LABEL)/CELL)+OVER)];
}
function nsFirst(c){return c>0&&W[cols[c]].ns!==W[cols[c-1]].ns;}
function render(){
  var win=windowOf();
  if(drawn&&drawn.join()===win.join())return decorate();
  drawn=win;
  var r0=win[0],r1=win[1],c0=win[2],c1=win[3],ch=[],rh=[],cs=[];
  // a band is drawn whole when any of its columns is in the window, so its name starts where the namespace does;
  // alternate greys and a rule at each namespace's first column tell bands apart without colour, in print too;
  // a narrow band shows what fits of its name (all of it on hover), without the fold mark; its columns' labels name it whole
  bands.forEach(function(b,x){
    if(b.end<=c0||b.start>=c1)return;
    ch.push('<div class="cb '+(x%2?'odd':'even')+(b.end-b.start<=2?' narrow':'')+(b.end-b.start===1?' one':'')+'" data-ns="'+esc(b.ns)+'" style="left:'+(LABEL+b.start*CELL)+'px;width:'+(b.end-b.start)*CELL+'px" title="namespace '+esc(b.ns)+': click to fold">'+esc(b.ns)+'</div>');
  });
  for(var c=c0;c<c1;c++){var j=cols[c];ch.push('<div class="ch'+(nsFirst(c)?' nb':'')+'" role="columnheader" data-col="'+j+'" aria-colindex="'+(c+1)+'" style="left:'+(LABEL+c*CELL)+'px;width:'+CELL+'px" title="'+esc(W[j].id+' ('+W[j].desc+')')+'"><span>'+esc(W[j].id)+'</span></div>');}
  for(var r=r0;r<r1;r++){
    var row=rows[r],top=r*CELL;
    if(row.ns!==undefined){
      rh.push('<div class="rh ns'+(closed[row.ns]?' closed':'')+'" role="rowheader" data-ns="'+esc(row.ns)+'" style="top:'+top+'px;height:'+CELL+'px;line-height:'+CELL+'px">'+esc(row.ns)+'</div>');
      cs.push('<div class="band" data-ns="'+esc(row.ns)+'" style="top:'+top+'px;left:'+LABEL+'px;width:'+cols.length*CELL+'px;height:'+CELL+'px"></div>');
      continue;
    }
    var i=row.i,w=W[i];
    rh.push('<div class="rh" role="rowheader" data-row="'+i+'" style="top:'+top+'px;height:'+CELL+'px;line-height:'+CELL+'px" title="'+esc(w.id+' ('+w.desc+')')+'">'+esc(w.id)+'</div>');
    var line='<div class="r" role="row" aria-rowindex="'+(r+1)+'" style="top:'+top+'px">';
    for(c=c0;c<c1;c++){
      var k=i*N+cols[c],s=cellState(k),off=!keep(k,s),chg=!off&&changesAt(k).length>0;
      line+='<div class="c '+(off?'off':s)+(chg?' chg':'')+(nsFirst(c)?' nb':'')+'" role="gridcell" id="c'+k+'" data-i="'+k+'" aria-colindex="'+(c+1)+'" aria-label="'+esc(pairName(k))+': '+WORD[s]+(chg?', changed':'')+'" style="left:'+(LABEL+c*CELL)+'px;width:'+CELL+'px;height:'+CELL+'px;line-height:'+CELL+'px">'+(off?'':SYM[s])+'</div>';
    }
    cs.push(line+'</div>');
  }
  colLayer.innerHTML=ch.join('');rowLayer.innerHTML=rh.join('');cellLayer.innerHTML=cs.join('');
  printNote.textContent=printing&&rows.length*cols.length>PRINT_LIMIT?'Printed: the rows and columns in view of '+rows.length+' \\u00D7 '+cols.length+'; narrow the report with the filters (namespace, workload) to print all of it.':'';
  decorate();
}
// selection and keyboard focus marks, without redrawing the window
function decorate(){
  var old=cellLayer.querySelectorAll('.sel,.focus');for(var x=0;x<old.length;x++)old[x].classList.remove('sel','focus');
  var oldRh=rowLayer.querySelectorAll('.focus');for(x=0;x<oldRh.length;x++)oldRh[x].classList.remove('focus');
  if(selected>=0){var s=document.getElementById('c'+selected);if(s)s.classList.add('sel');}
  grid.removeAttribute('aria-activedescendant');
  if(!active)return;
  var el=active.ns!==undefined?rowLayer.querySelector('.rh.ns[data-ns="'+CSS.escape(active.ns)+'"]'):document.getElementById('c'+(active.i*N+active.j));
  if(!el)return;
  el.classList.add('focus');
  if(!el.id)el.id='ns-'+nsPos[active.ns];
  grid.setAttribute('aria-activedescendant',el.id);
}
grid.addEventListener('scroll',render,{passive:true});
window.addEventListener('resize',function(){drawn=null;render();});
function setPrinting(on){if(printing===on)return;printing=on;drawn=null;render();}
window.addEventListener('beforeprint',function(){setPrinting(true);});
window.addEventListener('afterprint',function(){setPrinting(false);});
var printQuery=window.matchMedia('print');
printQuery.addEventListener('change',function(e){setPrinting(e.matches);});
// tooltips are set on first hover, and the status line under the heatmap says the same for keyboard users
cellLayer.addEventListener('mouseover',function(e){
  var el=e.target.closest('.c[data-i]');if(!el)return;
  var t=tip(+el.dataset.i);if(!el.title)el.title=t;status.textContent=t;
});
function toggle(ns){closed[ns]=!closed[ns];apply();}
function explainCommand(k){
  var p=fPort.value===''?'':' --port '+D.ports[+fPort.value].replace(/^(TCP|UDP|SCTP) /,'');
  return 'kubectl np explain '+W[Math.floor(k/N)].id+' '+W[k%N].id+p;
}
function select(k){selected=k;active={i:Math.floor(k/N),j:k%N};decorate();show(k);}
cellLayer.addEventListener('click',function(e){
  var band=e.target.closest('.band');if(band)return toggle(band.dataset.ns);
  var el=e.target.closest('.c[data-i]');if(el)select(+el.dataset.i);
});
rowLayer.addEventListener('click',function(e){var el=e.target.closest('.rh.ns');if(el)toggle(el.dataset.ns);});
colLayer.addEventListener('click',function(e){var el=e.target.closest('.cb');if(el)toggle(el.dataset.ns);});
function show(k){
  var sec=document.getElementById('trace');sec.hidden=false;
  document.getElementById('trace-title').textContent=pairName(k)+' \\u2014 '+WORD[cellState(k)];
  var cmd=document.getElementById('trace-cmd');cmd.textContent='';
  var code=document.createElement('code');code.textContent=explainCommand(k);cmd.append('the same trace in a terminal: ',code);
  var t=TR.has(k)?TR.get(k):null,text=t===null?'':(fPort.value===''?t:[t[+fPort.value]]).filter(function(x){return x.length;}).map(function(x){return x.map(function(n){return D.lines[n];}).join('\\n');}).join('\\n\\n');
  var changed=changesAt(k).map(function(c){return 'changed by '+D.changes.change+': '+changeText(c)+'\\n    '+c.reason;}).join('\\n');
  if(changed!=='')changed+='\\n\\n';
  document.getElementById('trace-text').textContent=changed+(text!==''?text:t!==null||letters(k).replace(/-/g,'')===''?'No verdict for this pair on '+(fPort.value===''?'any port checked':D.ports[+fPort.value])+': the destination does not declare it.':'Not precomputed for this report (too many pairs): run the command above.');
}
// keyboard: arrows move the focus cell (scrolling it into view), PageUp/PageDown a screen, Home/End a row's
// ends (with Ctrl: the first and last row), Enter or Space opens the trace or folds a namespace
function position(){
  if(!active)return null;
  var r=active.ns!==undefined?nsPos[active.ns]:rowPos[active.i],c=active.ns!==undefined?Math.max(0,active.c||0):colPos[active.j];
  return r===undefined||r<0||c<0?null:[r,c];
}
function moveTo(r,c){
  r=Math.max(0,Math.min(rows.length-1,r));c=Math.max(0,Math.min(cols.length-1,c));
  if(rows.length===0||cols.length===0){active=null;return decorate();}
  var row=rows[r];
  active=row.ns!==undefined?{ns:row.ns,c:c}:{i:row.i,j:cols[c]};
  var top=r*CELL,left=c*CELL,h=grid.clientHeight-HEAD,w=grid.clientWidth-LABEL;
  if(top<grid.scrollTop)grid.scrollTop=top;else if(top+CELL>grid.scrollTop+h)grid.scrollTop=top+CELL-h;
  if(left<grid.scrollLeft)grid.scrollLeft=left;else if(left+CELL>grid.scrollLeft+w)grid.scrollLeft=left+CELL-w;
  render();
  status.textContent=row.ns!==undefined?'namespace '+row.ns+(closed[row.ns]?' (folded)':'')+': Enter folds or unfolds it':tip(row.i*N+cols[c]);
}
grid.addEventListener('focus',function(){if(!position())moveTo(0,0);});
grid.addEventListener('keydown',function(e){
  var p=position()||[0,0],page=Math.max(1,Math.floor((grid.clientHeight-HEAD)/CELL)-1),r=p[0],c=p[1];
  switch(e.key){
    case 'ArrowDown':r++;break;
    case 'ArrowUp':r--;break;
    case 'ArrowRight':c++;break;
    case 'ArrowLeft':c--;break;
    case 'PageDown':r+=page;break;
    case 'PageUp':r-=page;break;
    case 'Home':if(e.ctrlKey)r=0;c=0;break;
    case 'End':if(e.ctrlKey)r=rows.length-1;c=cols.length-1;break;
    case 'Enter':case ' ':
      e.preventDefault();
      if(!active)return;
      if(active.ns!==undefined){var ns=active.ns;toggle(ns);active={ns:ns,c:c};decorate();}
      else select(active.i*N+active.j);
      return;
    default:return;
  }
  e.preventDefault();moveTo(r,c);
});
[fNs,fDen,fChg].forEach(function(el){if(el)el.addEventListener('change',apply);});
// the open trace follows the port picked
fPort.addEventListener('change',function(){apply();if(selected>=0)show(selected);});
fQ.addEventListener('input',apply);
apply();
}
})();
`;
