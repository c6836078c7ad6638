import { Flags } from '@oclif/core';
import { BaseCommand, outputFlag, snapshotFlags, impersonationFromFlags } from '../cli/base.js';
import { loadSnapshot, manifestNamespaceOf } from '../cluster/index.js';
import { ExitCode, UsageError } from '../errors.js';
import { clusterPods, resolveExternals } from '../netpol/endpoints.js';
import { PolicyEngine } from '../netpol/engine.js';
import { parseExternal, parsePort, parseProtocol, snapshotWarnings } from '../netpol/inputs.js';
import { computeMatrix, matrixQueries, namedQueryText, unresolvedNamedQueries } from '../netpol/matrix.js';
import type { Protocol } from '../model/k8s.js';
import { renderMatrixDot, renderMatrixJson, renderMatrixMermaid, renderMatrixTable } from '../render/netpol-matrix.js';
import { colourFor } from '../render/netpol-text.js';

export default class Matrix extends BaseCommand {
  static override summary = 'Reachability matrix of the selected pods (and external addresses) under the NetworkPolicies';
  static override description = `Rows are sources, columns destinations. Pods come from -n (repeatable), -A, or by default the context namespace (with -f: every namespace in the manifests); workloads with no running pod appear once, as their pod template.
--port (repeatable) takes numbers or names (names resolve on each destination pod; pods without that port show "·"). Without --port, every port any selected pod declares is checked. --protocol (repeatable) defaults to TCP.
--external adds addresses outside the cluster (e.g. 169.254.169.254), as sources and as destinations.
-o json prints exactly {"verdicts":[{"from","to","port","protocol","allowed"}]}, endpoints written NS/POD or ip:ADDR. -o dot and -o mermaid draw allowed connections as edges.`;

  static override examples = [
    '<%= config.bin %> matrix -n shop -n payments --port 8443',
    '<%= config.bin %> matrix -f examples/shop --port 8080 --port 8443 --external 169.254.169.254',
    '<%= config.bin %> matrix -A --port 53 --protocol UDP -o json | jq \'.verdicts[] | select(.allowed == false)\'',
    '<%= config.bin %> matrix -f examples/shop --port http -o dot | dot -Tsvg > reachability.svg',
  ];

  static override flags = {
    ...snapshotFlags,
    port: Flags.string({ char: 'p', description: 'destination port, number or name; repeatable (default: every declared port)', multiple: true, multipleNonGreedy: true }),
    protocol: Flags.string({ description: 'TCP, UDP or SCTP; repeatable (default: TCP)', multiple: true, multipleNonGreedy: true }),
    external: Flags.string({ description: 'an address outside the cluster to include, e.g. 169.254.169.254; repeatable', multiple: true, multipleNonGreedy: true }),
    output: outputFlag(['table', 'json', 'dot', 'mermaid'], 'table'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Matrix);
    const ports = (flags.port ?? []).map(parsePort);
    const protocols = (flags.protocol ?? []).map((p) => parseProtocol(p) as Protocol);
    const externals = (flags.external ?? []).map(parseExternal);
    const snapshot = await loadSnapshot({
      files: flags.filename,
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      impersonate: impersonationFromFlags(flags),
      namespaces: flags.namespace,
      allNamespaces: flags['all-namespaces'],
      manifestNamespace: manifestNamespaceOf(flags.namespace),
    });
    for (const warning of snapshotWarnings(snapshot)) process.stderr.write(warning + '\n');
    const manifests = (flags.filename ?? []).length > 0;
    const namespaces = flags['all-namespaces'] ? undefined : flags.namespace ?? (manifests ? undefined : [snapshot.defaultNamespace ?? 'default']);
    const resolved = resolveExternals(snapshot, externals, clusterPods(snapshot, namespaces));
    for (const note of resolved.notes) process.stderr.write(`note: ${note}\n`);
    const pods = resolved.pods;
    if (pods.length === 0) throw new UsageError(`no pods or workloads in ${namespaces ? `namespace ${namespaces.join(', ')}` : 'any namespace'} (${snapshot.source})`);
    const queries = matrixQueries(pods, ports, protocols);
    if (queries.length === 0) {
      throw new UsageError(`the selected pods declare no ${protocols.length ? `${protocols.join(' or ')} ` : ''}container ports: pass --port${protocols.length ? ' or another --protocol' : ''}`);
    }
    const unresolved = unresolvedNamedQueries(pods, queries);
    if (unresolved.length === queries.length) {
      throw new UsageError(`no selected pod declares a ${[...new Set(unresolved.map(namedQueryText))].join(' or a ')}, so no connection has a verdict`);
    }
    for (const q of unresolved) process.stderr.write(`note: no selected pod declares a ${namedQueryText(q)}: its table has no verdicts\n`);
    const matrix = computeMatrix(new PolicyEngine(snapshot), { pods, externals: resolved.externals, queries });
    if (flags.output === 'json') {
      for (const chunk of renderMatrixJson(matrix)) process.stdout.write(chunk);
    } else if (flags.output === 'dot') process.stdout.write(renderMatrixDot(matrix));
    else if (flags.output === 'mermaid') process.stdout.write(renderMatrixMermaid(matrix));
    else process.stdout.write(renderMatrixTable({ colour: colourFor(process.stdout) }, matrix));
    if (matrix.cannotTell) {
      for (const u of matrix.cannotTell) process.stderr.write(`cannot tell: some verdicts depend on ${u.what}${u.permission ? `, which you may not see: to see it, you need to ${u.permission}` : ''}\n`);
      this.exit(ExitCode.Unreachable);
    }
  }
}
