// `kubectl np report -o html`: one self-contained page (inline CSS, inline script, the data as JSON)
// with a heatmap of workloads × workloads, filters, and each pair's explain trace on click. No
// external URL, so it opens from a file, offline, and can be mailed or attached to a ticket.
import type { CanReachResult } from '../netpol/can-reach.js';
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
  /** per pair, row-major: one letter per port — a allowed, d denied, p partly, u cannot tell, - no verdict */
  cells: string[];
  /**
   * per pair: the explain trace per port as indexes into lines ([] where the port has no verdict), or null
   * when not precomputed. Traces repeat most lines (each port's trace for a pair, each pair's policy
   * lines), so a line table keeps a 30-workload report a few hundred KiB instead of megabytes.
   */
  traces: (number[][] | null)[];
  lines: string[];
  /** each policy with the workloads it selects and the audit findings about it */
  policies: { namespace: string; name: string; workloads: string[]; findings: ReportFinding[] }[];
  /** audit findings about other objects (namespaces, workloads, the cluster) */
  findings: ReportFinding[];
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
): ReportData {
  const g = w.groups.length;
  const cells: string[] = [];
  const traces: (number[][] | null)[] = [];
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
      cells.push(letters);
      if (traced < traceLimit && /[adpu]/.test(letters)) {
        traced++;
        traces.push(traceText(traceOf(from, to)).map((text) => (text === '' ? [] : text.replace(/\n$/, '').split('\n').map(indexOf))));
      } else traces.push(null);
    }
  }
  return {
    meta: { ...meta, workloads: g, namespaces: new Set(w.groups.map((x) => x.namespace ?? '')).size, traced, pairs: g * g },
    ports: w.queries.map(portText),
    workloads: w.groups.map((x) => ({ id: x.id, ns: x.namespace ?? '(outside the cluster)', desc: groupDescription(x) })),
    cells,
    traces,
    lines,
    policies: audit.policies.map((p) => ({ ...p, findings: audit.findings.filter((f) => f.namespace === p.namespace && f.object === `networkpolicy/${p.name}`) })),
    findings: audit.findings.filter((f) => !audit.policies.some((p) => f.namespace === p.namespace && f.object === `networkpolicy/${p.name}`)),
  };
}

function traceText(results: (CanReachResult | string | undefined)[]): string[] {
  return results.map((r) => (r === undefined ? '' : typeof r === 'string' ? r + '\n' : renderCanReach({ colour: false }, r, true)));
}

/** JSON safe inside <script>: no "</script>", no line separators JavaScript parsers once choked on. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
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
<p class="legend"><span class="c a">✓</span> allowed <span class="c d">✗</span> denied <span class="c p">◐</span> partly (some ports or replicas)
<span class="c u">?</span> cannot tell <span class="c n">·</span> no verdict (port not declared) — rows: from, columns: to</p>
<form id="filters" onsubmit="return false">
<label>namespace <select id="f-ns"><option value="">all</option></select></label>
<label>workload <input id="f-q" type="search" placeholder="name contains…"></label>
<label><input id="f-denied" type="checkbox"> only denied</label>
<label>port <select id="f-port"><option value="">all ports</option></select></label>
</form>
</header>
<main>
<div id="grid"><table id="heatmap"></table></div>
<section id="trace" hidden><h2 id="trace-title"></h2><p id="trace-cmd"></p><pre id="trace-text"></pre></section>
</main>
${policySection(data)}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

// Okabe–Ito colours (told apart with every common colour-vision deficiency), each with a symbol and a
// pattern so a black-and-white print still reads.
const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#111;background:#fff}
header{padding:12px 16px;border-bottom:1px solid #ccc}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 6px}
#meta{margin:0 0 6px;color:#333}
.unseen{margin:0 0 6px;padding:4px 8px;border-left:4px solid #555;background:#f4f4f4}
.legend .c{display:inline-block;width:18px;height:18px;text-align:center;border:1px solid #888;margin:0 2px 0 10px}
form label{margin-right:16px}
main{display:flex;gap:16px;padding:12px 16px;align-items:flex-start}
#grid{overflow:auto;max-height:85vh;max-width:100%}
table{border-collapse:collapse}
th,td{border:1px solid #ddd;padding:0}
thead th{position:sticky;top:0;background:#fff;z-index:1;vertical-align:bottom;height:160px}
thead th div{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:normal;font-size:12px;padding:4px 2px}
tbody th{text-align:left;font-weight:normal;font-size:12px;white-space:nowrap;padding:0 6px;position:sticky;left:0;background:#fff}
tr.ns th{font-weight:bold;background:#eee;cursor:pointer;text-align:left}
tr.ns th:before{content:"▾ "}
tr.ns.closed th:before{content:"▸ "}
td.c,span.c{width:20px;min-width:20px;height:20px;text-align:center;cursor:pointer;font-size:13px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.c.a{background:#009E73;color:#fff}
.c.d{background:#D55E00;color:#fff}
.c.p{background:#E69F00 repeating-linear-gradient(45deg,transparent 0 3px,rgba(0,0,0,.25) 3px 5px);color:#000}
.c.u{background:#BBBBBB radial-gradient(rgba(0,0,0,.35) 1px,transparent 1.5px) 0 0/5px 5px;color:#000}
.c.n{background:#fff;color:#999}
.c.off{background:#fff;color:#ddd}
td.sel{outline:3px solid #0072B2;outline-offset:-2px}
#trace{flex:1;min-width:360px;border:1px solid #ccc;padding:8px 12px;position:sticky;top:8px}
#trace pre{white-space:pre-wrap;font-size:12px;max-height:70vh;overflow:auto}
#trace-cmd code{background:#f4f4f4;padding:2px 4px}
.hide{display:none}
#policies{padding:12px 16px}
#policies table td,#policies table th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left;font-size:13px}
#policies ul{margin:0;padding-left:18px}
@media print{#filters,#trace{display:none}#grid{max-height:none;overflow:visible}}
`;

// plain browser JavaScript: the page builds its table from the JSON, so the HTML stays small
const SCRIPT = `
(function(){
'use strict';
var D=JSON.parse(document.getElementById('report-data').textContent);
var W=D.workloads,N=W.length,SYM={a:'\\u2713',d:'\\u2717',p:'\\u25D0',u:'?',n:'\\u00B7'};
var WORD={a:'allowed',d:'denied',p:'partly',u:'cannot tell',n:'no verdict'};
var table=document.getElementById('heatmap');
var fNs=document.getElementById('f-ns'),fQ=document.getElementById('f-q'),fDen=document.getElementById('f-denied'),fPort=document.getElementById('f-port');
var closed={},namespaces=[];
W.forEach(function(w){if(namespaces.indexOf(w.ns)<0)namespaces.push(w.ns);});
namespaces.forEach(function(ns){var o=document.createElement('option');o.value=o.textContent=ns;fNs.appendChild(o);});
D.ports.forEach(function(p,i){var o=document.createElement('option');o.value=String(i);o.textContent=p;fPort.appendChild(o);});
function stateOf(letters){
  var s={};for(var i=0;i<letters.length;i++)if(letters[i]!=='-')s[letters[i]]=1;
  var k=Object.keys(s);
  if(k.length===0)return 'n';
  if(k.length===1)return k[0];
  if(s.p||(s.a&&s.d))return 'p';
  return 'u';
}
function cellState(i){var l=D.cells[i];return fPort.value===''?stateOf(l):stateOf(l[+fPort.value]);}
function portsOf(i,letter){var out=[];for(var q=0;q<D.ports.length;q++)if(D.cells[i][q]===letter)out.push(D.ports[q]);return out;}
function tip(i){
  var f=W[Math.floor(i/N)].id,t=W[i%N].id,parts=[f+' \\u2192 '+t];
  ['a','d','p','u'].forEach(function(l){var p=portsOf(i,l);if(p.length)parts.push(WORD[l]+': '+p.join(', '));});
  return parts.join('\\n');
}
// header row, then per namespace a clickable group row followed by its workloads' rows
var thead=document.createElement('thead'),hr=document.createElement('tr');
hr.appendChild(document.createElement('th'));
W.forEach(function(w,j){var th=document.createElement('th');th.dataset.col=j;var d=document.createElement('div');d.textContent=w.id;th.title=w.id+' ('+w.desc+')';th.appendChild(d);hr.appendChild(th);});
thead.appendChild(hr);table.appendChild(thead);
var tbody=document.createElement('tbody');table.appendChild(tbody);
var rows=[],cells=new Array(N*N),colHeads=hr.querySelectorAll('th[data-col]'),groupRows={};
namespaces.forEach(function(ns){
  var gr=document.createElement('tr');gr.className='ns';gr.dataset.ns=ns;
  var gh=document.createElement('th');gh.colSpan=N+1;gh.textContent=ns;gr.appendChild(gh);
  gr.addEventListener('click',function(){closed[ns]=!closed[ns];apply();});
  tbody.appendChild(gr);groupRows[ns]=gr;
  W.forEach(function(w,i){
    if(w.ns!==ns)return;
    var tr=document.createElement('tr');tr.dataset.row=i;
    var th=document.createElement('th');th.textContent=w.id;th.title=w.desc;tr.appendChild(th);
    for(var j=0;j<N;j++){var td=document.createElement('td');td.dataset.i=i*N+j;cells[i*N+j]=td;tr.appendChild(td);}
    tbody.appendChild(tr);rows[i]=tr;
  });
});
function visible(w){
  var q=fQ.value.trim().toLowerCase();
  return (fNs.value===''||w.ns===fNs.value)&&(q===''||w.id.toLowerCase().indexOf(q)>=0);
}
function apply(){
  var onlyDenied=fDen.checked,show=W.map(visible),col=show.map(function(s,j){return s&&!closed[W[j].ns];});
  var denyRow=new Array(N),denyCol=new Array(N);
  for(var k=0;k<N*N;k++){
    var s=cellState(k),td=cells[k],hit=s==='d'||s==='p';
    td.className='c '+(onlyDenied&&!hit?'off':s);
    td.textContent=onlyDenied&&!hit?'':SYM[s];
    if(hit&&show[Math.floor(k/N)]&&col[k%N]){denyRow[Math.floor(k/N)]=1;denyCol[k%N]=1;}
  }
  for(var j=0;j<N;j++){
    var on=col[j]&&(!onlyDenied||denyCol[j]);
    colHeads[j].classList.toggle('hide',!on);
    if(!on)for(var i=0;i<N;i++)cells[i*N+j].classList.add('hide');
  }
  namespaces.forEach(function(ns){
    var any=W.some(function(w){return w.ns===ns&&visible(w);});
    groupRows[ns].classList.toggle('hide',!any);
    groupRows[ns].classList.toggle('closed',!!closed[ns]);
  });
  W.forEach(function(w,i){rows[i].classList.toggle('hide',!show[i]||!!closed[w.ns]||(onlyDenied&&!denyRow[i]));});
}
// tooltips are set on first hover: a 500-workload report has 250,000 cells
table.addEventListener('mouseover',function(e){var td=e.target.closest('td[data-i]');if(td&&!td.title)td.title=tip(+td.dataset.i);});
var selected=null;
function explainCommand(i){
  var f=W[Math.floor(i/N)].id,t=W[i%N].id,p=fPort.value===''?'':' --port '+D.ports[+fPort.value].replace(/^(TCP|UDP|SCTP) /,'');
  return 'kubectl np explain '+f+' '+t+p;
}
table.addEventListener('click',function(e){
  var td=e.target.closest('td[data-i]');if(!td)return;
  if(selected)selected.classList.remove('sel');selected=td;td.classList.add('sel');
  show(+td.dataset.i);
});
function show(i){
  var sec=document.getElementById('trace');sec.hidden=false;
  document.getElementById('trace-title').textContent=tip(i).split('\\n')[0]+' \\u2014 '+WORD[cellState(i)];
  var cmd=document.getElementById('trace-cmd');cmd.textContent='';
  var code=document.createElement('code');code.textContent=explainCommand(i);cmd.append('the same trace in a terminal: ',code);
  var t=D.traces[i],text=t===null?'':(fPort.value===''?t:[t[+fPort.value]]).filter(function(x){return x.length;}).map(function(x){return x.map(function(k){return D.lines[k];}).join('\\n');}).join('\\n\\n');
  document.getElementById('trace-text').textContent=text!==''?text:t!==null||D.cells[i].replace(/-/g,'')===''?'No verdict for this pair on '+(fPort.value===''?'any port checked':D.ports[+fPort.value])+': the destination does not declare it.':'Not precomputed for this report (too many pairs): run the command above.';
}
[fNs,fDen].forEach(function(el){el.addEventListener('change',apply);});
// the open trace follows the port picked
fPort.addEventListener('change',function(){apply();if(selected)show(+selected.dataset.i);});
fQ.addEventListener('input',apply);
apply();
})();
`;
