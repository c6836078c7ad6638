import { Flags } from '@oclif/core';
import { BaseCommand, outputFlag, snapshotFlags, selectorFlag, selectorFromFlag, snapshotSourceOf } from '../cli/base.js';
import { loadSnapshot } from '../cluster/index.js';
import { ExitCode, UsageError } from '../errors.js';
import { clusterPods, resolveExternals } from '../netpol/endpoints.js';
import { engineChoiceOf, engineFlag } from '../cli/engine-flag.js';
import { portQueriesOf, portQueryFlags } from '../cli/port-flags.js';
import { PolicyEngine } from '../netpol/engine.js';
import { coveredNamespaces, parseExternal } from '../netpol/inputs.js';
import { answerableQueries, computeMatrix, namedQueryText } from '../netpol/matrix.js';
import { focusGroups, groupEndpoints, workloadMatrix } from '../netpol/workloads.js';
import { matrixTableRows, renderMatrixJson, renderMatrixJsonByClass, renderMatrixYaml } from '../render/netpol-matrix.js';
import { writeChunks } from '../cli/stream.js';
import { renderWorkloadCsv, renderWorkloadDot, renderWorkloadMarkdown, renderWorkloadMermaid } from '../render/netpol-workloads.js';
import { colourFor } from '../render/netpol-text.js';
import { writeSnapshotWarnings } from '../cli/warnings.js';

export default class Matrix extends BaseCommand {
  static override summary = 'Reachability matrix of the selected pods (and external addresses) under the NetworkPolicies';
  static override description = `Rows are sources, columns destinations. Pods come from -n (repeatable), -A, or by default the context namespace (with -f: every namespace in the manifests); workloads with no running pod appear once, as their pod template.
--port (repeatable) takes numbers or names (names resolve on each destination pod; pods without that port show "·"). Without --port, every port any selected pod declares is checked. --protocol (repeatable) defaults to TCP.
-l/--selector keeps only the pods (and workload templates) whose labels match, in kubectl's syntax.
--external adds addresses outside the cluster (e.g. 169.254.169.254), as sources and as destinations.
-o json prints exactly {"verdicts":[{"from","to","port","protocol","allowed"}]}, endpoints written NS/POD or ip:ADDR; with --by-class, {"classes":[[endpoint,…],…],"verdicts":[…]} with one verdict per pair of classes (endpoints with identical verdicts), from and to being class indexes. Output is written as the reader takes it. -o yaml carries the same data as -o json (with or without --by-class), built whole before it is written.
-o dot, mermaid, csv and md work on workloads: replicas are collapsed by owner (Deployment, StatefulSet, DaemonSet, Job, CronJob; bare pods stand alone) and named NS/KIND/NAME; a pair is allowed, denied, or partly (some replicas). dot and mermaid group workloads by namespace and draw one edge per pair listing its ports; past Mermaid's 500-edge limit the diagram is drawn per namespace, with a comment saying so. --focus draws only edges to and from one workload; --denied draws (or lists) denied pairs instead of allowed ones.`;

  static override examples = [
    '<%= config.bin %> matrix -n shop -n payments --port 8443',
    '<%= config.bin %> matrix -f examples/shop --port 8080 --port 8443 --external 169.254.169.254',
    '<%= config.bin %> matrix -A --port 53 --protocol UDP -o json | jq \'.verdicts[] | select(.allowed == false)\'',
    '<%= config.bin %> matrix -f examples/shop --port http -o dot | dot -Tsvg > reachability.svg',
    '<%= config.bin %> matrix -A -o mermaid --focus payments/deploy/payments',
    '<%= config.bin %> matrix -A --denied -o md > reachability.md',
    '<%= config.bin %> matrix -f examples/shop --port 8443 -o yaml',
    '<%= config.bin %> matrix -f examples/shop -l \'app in (cart,payments)\' --port 8443',
  ];

  static override flags = {
    ...snapshotFlags,
    ...selectorFlag,
    ...portQueryFlags,
    external: Flags.string({ description: 'an address outside the cluster to include, e.g. 169.254.169.254; repeatable', multiple: true, multipleNonGreedy: true }),
    ...engineFlag,
    output: outputFlag(['table', 'json', 'yaml', 'dot', 'mermaid', 'csv', 'md'], 'table'),
    focus: Flags.string({ description: 'with -o dot|mermaid|csv|md: only connections to and from this workload (NS/KIND/NAME, NS/NAME or NAME)' }),
    'by-class': Flags.boolean({ description: 'with -o json|yaml: one verdict per pair of endpoint classes (endpoints with identical verdicts), listed under "classes"; far smaller for large clusters', default: false }),
    denied: Flags.boolean({ description: 'with -o dot|mermaid|csv|md: draw or list denied pairs instead of allowed ones', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Matrix);
    const { ports, protocols } = portQueriesOf(flags);
    const externals = (flags.external ?? []).map(parseExternal);
    const selected = selectorFromFlag(flags.selector);
    const workloadOutput = ['dot', 'mermaid', 'csv', 'md'].includes(flags.output);
    if (flags['by-class'] && flags.output !== 'json' && flags.output !== 'yaml') throw new UsageError(`--by-class works with -o json or yaml, not -o ${flags.output}`);
    if (!workloadOutput && (flags.focus !== undefined || flags.denied)) {
      throw new UsageError(`--${flags.focus !== undefined ? 'focus' : 'denied'} works with -o dot, mermaid, csv or md, not -o ${flags.output}`);
    }
    const snapshot = await loadSnapshot(snapshotSourceOf(flags));
    writeSnapshotWarnings(snapshot);
    const namespaces = coveredNamespaces(snapshot, flags);
    const inScope = clusterPods(snapshot, namespaces);
    const resolved = resolveExternals(snapshot, externals, selected ? inScope.filter((p) => selected(p.labels)) : inScope);
    for (const note of resolved.notes) process.stderr.write(`note: ${note}\n`);
    const pods = resolved.pods;
    if (pods.length === 0) throw new UsageError(`no pods or workloads${flags.selector !== undefined ? ` match -l ${flags.selector}` : ''} in ${namespaces ? `namespace ${namespaces.join(', ')}` : 'any namespace'} (${snapshot.source})`);
    const { queries, unresolved } = answerableQueries(pods, ports, protocols);
    for (const q of unresolved) process.stderr.write(`note: no selected pod declares a ${namedQueryText(q)}: its table has no verdicts\n`);
    const matrix = computeMatrix(new PolicyEngine(snapshot, engineChoiceOf(snapshot, flags)), { pods, externals: resolved.externals, queries });
    let output: Iterable<string>;
    if (workloadOutput) {
      const workloads = workloadMatrix(matrix, groupEndpoints(snapshot, pods, resolved.externals));
      let focus: number[] | undefined;
      if (flags.focus !== undefined) {
        focus = focusGroups(workloads.groups, flags.focus);
        if (focus.length === 0) {
          const near = workloads.groups.filter((g) => g.name.includes(flags.focus!.split('/').pop()!)).slice(0, 3).map((g) => g.id);
          throw new UsageError(`--focus ${flags.focus} names no workload in the matrix${near.length ? `; did you mean ${near.join(' or ')}?` : ''}`);
        }
      }
      const opts = { focus, denied: flags.denied };
      if (flags.output === 'dot') output = [renderWorkloadDot(workloads, opts)];
      else if (flags.output === 'mermaid') output = [renderWorkloadMermaid(workloads, opts)];
      else if (flags.output === 'md') output = [renderWorkloadMarkdown(workloads, opts)];
      else output = renderWorkloadCsv(workloads, opts);
    } else if (flags.output === 'json') output = flags['by-class'] ? renderMatrixJsonByClass(matrix) : renderMatrixJson(matrix);
    else if (flags.output === 'yaml') output = [renderMatrixYaml(matrix, flags['by-class'])];
    else output = matrixTableRows({ colour: colourFor(process.stdout) }, matrix);
    // the reader closing the pipe early (| head) is not an error
    if (!(await writeChunks(process.stdout, output))) this.exit(ExitCode.Yes);
    if (matrix.cannotTell) {
      for (const u of matrix.cannotTell) process.stderr.write(`cannot tell: some verdicts depend on ${u.what}${u.permission ? `, which you may not see: to see it, you need to ${u.permission}` : ''}\n`);
      this.exit(ExitCode.Unreachable);
    }
  }
}
