import { Args, Flags } from '@oclif/core';
import { toYaml } from '../render/yaml.js';
import { renderDocument } from '../render/document.js';
import { BaseCommand, connectionFlags, outputFlagWithJsonPath, snapshotFlags, selectorFlag, selectorFromFlag, snapshotSourceOf, clusterTargetOf } from '../cli/base.js';
import { loadSnapshot } from '../cluster/index.js';
import { ExitCode, UsageError } from '../errors.js';
import { canReach } from '../netpol/can-reach.js';
import { clusterPods, parseEndpoint, resolveEndpoint } from '../netpol/endpoints.js';
import { ownerIndex } from '../netpol/owners.js';
import { reverseReach } from '../netpol/reverse.js';
import { suggestPolicies, suggestionManifests } from '../netpol/suggest.js';
import { renderReverse } from '../render/reverse.js';
import { engineChoiceOf, engineFlag } from '../cli/engine-flag.js';
import { PolicyEngine } from '../netpol/engine.js';
import { defaultNamespace, namespacesFor, parsePort, parseProtocol } from '../netpol/inputs.js';
import { canReachJson } from '../render/netpol-json.js';
import { colourFor, renderCanReach } from '../render/netpol-text.js';
import { writeSnapshotWarnings, writeWarnings } from '../cli/warnings.js';

export default class CanReach extends BaseCommand {
  static override summary = 'Can SOURCE open a connection to DESTINATION under the NetworkPolicies, and if not, which policy blocks it';
  static override description = `Endpoints: [NAMESPACE/]KIND/NAME, [KIND/]NAME or ip:ADDRESS. KIND is pod (default), deploy, sts, ds, rs, job or svc; NAMESPACE/NAME is a pod.
A Service resolves to its backend pods and --port to the Service port, judged at each backend on its targetPort (named target ports resolve per pod). A workload resolves to its pods, or to its pod template's labels when none run.
--port takes a number or a port name (resolved on the destination). Without --port, every port the destination declares is checked (every Service port, or every container port).
The answer is ALLOWED (exit 0) only if every asked port is allowed from every source pod to every destination pod; otherwise DENIED (exit 1), saying which pods and ports differ. Bad input exits 2, an unreachable cluster 3. CANNOT TELL (exit 3) when a policy that may decide the answer was read but not evaluated (named under "not evaluated").
Policy kinds: NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy, Cilium's and Calico's; see docs/network-policies.md. Live, only the kinds of the engine detected from what runs count (Azure NPM, Calico, Cilium, Antrea…; --engine names it): the others are named under "not evaluated" and do not change the answer.
--suggest: when DENIED, stdout is the smallest NetworkPolicy change that allows exactly this connection (a policy per denied side, selecting each end by its labels, on the asked port only), ready for kubectl apply or diff --with -.
SOURCE "me" asks whether YOU can reach DESTINATION through the API server (port-forward, exec, proxy) under RBAC, from SelfSubjectAccessReviews: exit 0 when port-forward is allowed, else 1; --as/--as-group ask for someone else (see docs/identity-and-rbac.md).
Reverse questions: --to ENDPOINT lists every workload (in -n, else every namespace) that can reach it, and the address ranges its ingress rules admit; --from ENDPOINT lists what it can reach and the ranges its egress rules admit; each with the allowing policy. Exit 0 when something can, 1 when nothing can.
-o json: {"allowed", "source", "destination", "port", "protocol", "egress", "ingress", "ports", "connections", "notes"}; port/protocol/egress/ingress describe the deciding connection (the first denied one, else the first).`;

  static override examples = [
    '<%= config.bin %> can-reach default/deploy/frontend payments/svc/payments --port 443',
    '<%= config.bin %> can-reach -f examples/shop default/deploy/frontend payments/deploy/payments --port 8443',
    '<%= config.bin %> can-reach deploy/api ip:169.254.169.254 --port 80',
    '<%= config.bin %> can-reach me payments/svc/payments --port 443',
    '<%= config.bin %> can-reach monitoring/sts/prometheus payments/deploy/payments -o json | jq .allowed',
    '<%= config.bin %> can-reach -f examples/shop --to payments/svc/payments --port 443',
    '<%= config.bin %> can-reach -f examples/shop --from default/deploy/frontend -l app=cart',
    '<%= config.bin %> can-reach --from default/deploy/frontend -o json | jq -r \'.reachable[].workload\'',
    '<%= config.bin %> can-reach -f examples/shop default/deploy/frontend payments/svc/payments --port 443 --suggest | <%= config.bin %> diff -f examples/shop --with -',
    'kubectl apply --dry-run=client -o yaml -f policy.yaml | <%= config.bin %> can-reach -f - -f app/ web db --port 5432',
  ];

  static override args = {
    // ignoreStdin: stdin is for -f - (manifests)
    source: Args.string({ required: false, ignoreStdin: true, description: 'where the connection starts ([NAMESPACE/]KIND/NAME, [KIND/]NAME, ip:ADDRESS)' }),
    destination: Args.string({ required: false, ignoreStdin: true, description: 'where it goes (a Service is judged at its backend pods)' }),
  };

  static override flags = {
    ...snapshotFlags,
    ...selectorFlag,
    ...connectionFlags,
    to: Flags.string({ description: 'reverse question: list every workload (and address range) that can reach this endpoint', exclusive: ['from'] }),
    suggest: Flags.boolean({ description: 'when DENIED, write the smallest NetworkPolicy change that allows exactly this connection (YAML on stdout)', default: false }),
    from: Flags.string({ description: 'reverse question: list every workload (and address range) this endpoint can reach', exclusive: ['to'] }),
    ...engineFlag,
    output: outputFlagWithJsonPath(['text', 'json', 'yaml'], 'text'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(CanReach);
    const reverse = flags.to ?? flags.from;
    if (reverse !== undefined) {
      if (args.source !== undefined) throw new UsageError(`--${flags.to !== undefined ? 'to' : 'from'} asks about one endpoint: drop the SOURCE and DESTINATION arguments`);
      const direction = flags.to !== undefined ? 'to' : 'from';
      const endpoint = parseEndpoint(reverse);
      const selected = selectorFromFlag(flags.selector);
      const request = { port: flags.port === undefined ? undefined : parsePort(flags.port), protocol: parseProtocol(flags.protocol) };
      // who can reach it (or what it reaches) may live in any namespace: read them all unless -n narrows it
      const narrowed = namespacesFor([endpoint], flags.namespace);
      const snapshot = await loadSnapshot(snapshotSourceOf(flags, { ...narrowed, allNamespaces: flags['all-namespaces'] || !flags.namespace?.length }));
      writeSnapshotWarnings(snapshot);
      const ns = defaultNamespace(snapshot, flags.namespace);
      const scope = flags['all-namespaces'] || !flags.namespace?.length ? undefined : flags.namespace;
      const owner = ownerIndex(snapshot);
      const candidates = clusterPods(snapshot, scope).filter((pod) => !selected || selected(pod.labels)).map((pod) => ({ pod, owner: owner(pod) }));
      const result = reverseReach(new PolicyEngine(snapshot, engineChoiceOf(snapshot, flags)), resolveEndpoint(snapshot, endpoint, ns), direction, candidates, request);
      process.stdout.write(renderDocument(flags.output, result) ?? renderReverse({ colour: colourFor(process.stdout) }, result));
      if (result.reachable.length === 0 && result.externals.length === 0) this.exit(ExitCode.No);
      return;
    }
    if (flags.selector !== undefined) throw new UsageError('-l/--selector narrows the pods of --to or --from; SOURCE and DESTINATION name their own');
    if (args.source === undefined || args.destination === undefined) throw new UsageError('pass SOURCE and DESTINATION, or --to ENDPOINT / --from ENDPOINT for the reverse question');
    // SOURCE "me": may I reach it through the API (port-forward / exec / proxy) under RBAC — src/identity/api-reach.ts.
    // Exit 0 when port-forward is allowed (it alone gives a connection to the pod's ports), else 1.
    if (args.source === 'me') {
      if (flags.filename?.length) throw new UsageError('can-reach me asks the API server about your access; -f (manifests) does not apply');
      const { runCanReachMe } = await import('../identity/api-reach.js');
      const { renderApiReach } = await import('../render/rbac-reach.js');
      const report = await runCanReachMe({ ...clusterTargetOf(flags), namespace: flags.namespace?.[0], destination: args.destination, port: flags.port });
      writeWarnings(report.warnings);
      process.stdout.write(renderDocument(flags.output, report) ?? renderApiReach(report));
      if (!report.allowed) this.exit(ExitCode.No);
      return;
    }
    const source = parseEndpoint(args.source, { dns: true });
    const destination = parseEndpoint(args.destination, { dns: true });
    if (flags.suggest && destination.kind === 'ip' && destination.dns !== undefined) throw new UsageError('--suggest needs an address or a pod destination: NetworkPolicies cannot name DNS names');
    const request = { port: flags.port === undefined ? undefined : parsePort(flags.port), protocol: parseProtocol(flags.protocol) };
    const snapshot = await loadSnapshot(snapshotSourceOf(flags, namespacesFor([source, destination], flags.namespace)));
    writeSnapshotWarnings(snapshot);
    const ns = defaultNamespace(snapshot, flags.namespace);
    if (flags.suggest && flags.output !== 'text') throw new UsageError('--suggest writes NetworkPolicy YAML: drop -o');
    const engine = new PolicyEngine(snapshot, engineChoiceOf(snapshot, flags));
    const resolvedSource = resolveEndpoint(snapshot, source, ns, 'source');
    const resolvedDestination = resolveEndpoint(snapshot, destination, ns);
    const result = canReach(engine, resolvedSource, resolvedDestination, request);
    if (flags.suggest) {
      // stdout carries only the YAML, so it pipes into kubectl apply or diff --with -
      const suggestion = suggestPolicies(result, resolvedSource, resolvedDestination, { tiered: engine.tiered });
      if (result.allowed) process.stderr.write('ALLOWED: nothing to suggest\n');
      else if (result.cannotTell) process.stderr.write('CANNOT TELL: no suggestion without a verdict (see can-reach without --suggest)\n');
      else if (suggestion.policies.length === 0) process.stderr.write('DENIED, and no NetworkPolicy can allow it (see can-reach without --suggest)\n');
      else {
        process.stdout.write(suggestionManifests(suggestion.policies).map((d) => toYaml(d)).join('---\n'));
        process.stderr.write(`DENIED: ${suggestion.policies.length === 1 ? 'this policy allows' : 'these policies allow'} exactly this connection (check: ... | kubectl np diff --with -)\n`);
        for (const n of suggestion.notes) process.stderr.write(`note: ${n}\n`);
      }
    } else process.stdout.write(renderDocument(flags.output, canReachJson(result)) ?? renderCanReach({ colour: colourFor(process.stdout) }, result));
    if (result.cannotTell) this.exit(ExitCode.Unreachable);
    if (!result.allowed) this.exit(ExitCode.No);
  }
}

