import { Flags } from '@oclif/core';
import { BaseCommand, outputFlag, snapshotFlags } from '../cli/base.js';
import { loadChangedSnapshot } from '../cli/change.js';
import { engineChoiceOf, engineFlag } from '../cli/engine-flag.js';
import { portQueriesOf, portQueryFlags } from '../cli/port-flags.js';
import { engineLines, notEvaluatedLines } from '../render/netpol-text.js';
import { ExitCode, UsageError } from '../errors.js';
import { clusterPods } from '../netpol/endpoints.js';
import { PolicyEngine } from '../netpol/engine.js';
import { coveredNamespaces } from '../netpol/inputs.js';
import { answerableQueries, computeMatrix, namedQueryText } from '../netpol/matrix.js';
import { auditSnapshot } from '../netpol/audit.js';
import { diffReachability } from '../netpol/diff.js';
import { pairTraces, policyWorkloads } from '../netpol/report.js';
import { groupEndpoints, workloadMatrix } from '../netpol/workloads.js';
import { renderReportHtml, reportData } from '../render/report-html.js';

/**
 * Traces are precomputed for this many workload pairs (about 55 workloads; a trace is about 1 KiB); past it the page names
 * the explain command instead, so the report of a large cluster stays a file a browser opens.
 */
export const REPORT_TRACE_LIMIT = 3_000;

export default class Report extends BaseCommand {
  static override summary = 'A self-contained HTML report: heatmap of workload reachability, with each pair\'s explain trace';
  static override description = `Writes one HTML page (no external URLs: it opens offline, from a file) to stdout. Rows are source workloads, columns destinations, both grouped by namespace (a band over the columns names each; click a namespace, in the rows or over the columns, to fold it); replicas are collapsed by owner as in matrix -o dot. Each cell is allowed (✓), denied (✗), partly (◐: some ports or replicas) or cannot tell (?), in colour-blind-safe colours with symbols that print in black and white. Hover a cell for its ports; click it for the trace kubectl np explain prints for that pair. Filters: namespace, workload name, only denied, port. Below: each policy with the workloads it selects and the audit findings.
Pods come from -n (repeatable), -A, or by default the context namespace (with -f: every namespace in the manifests). --port and --protocol work as for matrix (default: every declared port, TCP).
With --with CHANGE (manifests overlaid as kubectl apply would; - for stdin) and/or --delete KIND/NAMESPACE/NAME, as for diff: the heatmap shows the verdicts after the change, the cells whose verdict it flips are marked, the "only changed" filter shows just them, and a changed cell's trace starts with what changed and the policy that decides it (diff's comparison, not a second one).
Traces are precomputed for the first ${REPORT_TRACE_LIMIT} workload pairs; for the others the page shows the explain command to run.
Exit codes as for matrix: 0 when every cell has its verdict; 3 when some cells are cannot tell (?) — the page is still written whole, and stderr and the page's header name what was not seen; 2 on bad input.`;

  static override examples = [
    '<%= config.bin %> report -f examples/shop -o html > report.html',
    '<%= config.bin %> report -A --port 8080 --port 8443 -o html > report.html',
    '<%= config.bin %> report -n shop -n payments -o html > shop.html',
    '<%= config.bin %> report -f examples/shop --with new-policy.yaml -o html > change.html',
    'kubectl apply --dry-run=client -o yaml -f new.yaml | <%= config.bin %> report --with - -o html > change.html',
  ];

  static override flags = {
    ...snapshotFlags,
    ...portQueryFlags,
    with: Flags.string({ description: 'manifests to overlay on the base, as for diff (file, directory or - for stdin); repeatable: the page marks what they change', multiple: true, multipleNonGreedy: true }),
    delete: Flags.string({ description: 'an object to remove from the base, as for diff: KIND/NAMESPACE/NAME or namespace/NAME; repeatable', multiple: true, multipleNonGreedy: true }),
    output: outputFlag(['html'], 'html'),
    ...engineFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Report);
    const { ports, protocols } = portQueriesOf(flags);
    const files = flags.filename ?? [];
    const { base, after: snapshot, withFiles, deletes, changing } = await loadChangedSnapshot(flags);
    const namespaces = coveredNamespaces(snapshot, flags);
    const pods = clusterPods(snapshot, namespaces);
    if (pods.length === 0) throw new UsageError(`no pods or workloads in ${namespaces ? `namespace ${namespaces.join(', ')}` : 'any namespace'} (${snapshot.source})`);
    const { queries, unresolved } = answerableQueries(pods, ports, protocols);
    for (const q of unresolved) process.stderr.write(`note: no selected pod declares a ${namedQueryText(q)}: its column has no verdicts\n`);
    const choice = engineChoiceOf(snapshot, flags);
    const engine = new PolicyEngine(snapshot, choice);
    const matrix = computeMatrix(engine, { pods, externals: [], queries });
    const workloads = workloadMatrix(matrix, groupEndpoints(snapshot, pods, []));
    const meta = {
      source: files.length > 0 ? files.join(', ') : `context ${base.source}`,
      generated: new Date().toISOString(),
      version: this.config.version,
      pods: pods.filter((p) => !p.template).length,
      policies: engine.policies.length,
      cannotTell: (matrix.cannotTell ?? []).map(unseenText),
    };
    const diff = changing
      ? { change: [...withFiles.map((f) => (f === '-' ? 'stdin' : f)), ...deletes.map((d) => `--delete ${d.input}`)].join(', '), result: diffReachability(base, snapshot, { namespaces, ports, protocols, engine: choice, afterEngine: engine }) }
      : undefined;
    const data = reportData(meta, workloads, (from, to) => pairTraces(engine, workloads, pods, from, to), REPORT_TRACE_LIMIT, {
      policies: policyWorkloads(engine, workloads, pods),
      findings: auditSnapshot(snapshot, { namespaces, engine: choice, compiled: engine }).findings,
    }, diff);
    process.stdout.write(renderReportHtml(data));
    // stdout is the page: what was left out and the engine go to stderr
    for (const line of [...notEvaluatedLines({ colour: false }, matrix.notEvaluated), ...engineLines({ colour: false }, engine.choice)]) process.stderr.write(line + '\n');
    // matrix's contract: the page is written whole, then exit 3 when some cell is "cannot tell", so a CI job does
    // not take a page with ? cells for a complete answer
    if (matrix.cannotTell) {
      for (const u of matrix.cannotTell) process.stderr.write(`cannot tell: some verdicts depend on ${unseenText(u)}\n`);
      this.exit(ExitCode.CannotTell);
    }
  }
}

function unseenText(u: { what: string; permission?: string }): string {
  return `${u.what}${u.permission ? `, which you may not see: to see it, you need to ${u.permission}` : ''}`;
}
