import { Args, Flags } from '@oclif/core';
import { renderDocument } from '../../render/document.js';
import { BaseCommand, connectionFlags, outputFlagWithJsonPath, snapshotFlags, snapshotSourceOf } from '../../cli/base.js';
import { loadSnapshot } from '../../cluster/index.js';
import { ExitCode, UsageError } from '../../errors.js';
import { canReach, summarize } from '../../netpol/can-reach.js';
import { clusterPods, parseEndpoint, parsePolicyRef, resolveEndpoint } from '../../netpol/endpoints.js';
import { engineChoiceOf, engineFlag } from '../../cli/engine-flag.js';
import { PolicyEngine } from '../../netpol/engine.js';
import { describePolicy, dnsTarget, isolationOf } from '../../netpol/explain.js';
import { defaultNamespace, namespacesFor, parsePort, parseProtocol } from '../../netpol/inputs.js';
import { equivalenceKey, ipBlocksOf } from '../../netpol/matrix.js';
import { canReachJson } from '../../render/netpol-json.js';
import { colourFor, renderCanReach, renderIsolation, renderNamespacePosture, renderPolicy } from '../../render/netpol-text.js';
import { namespacePosture } from '../../netpol/namespace-posture.js';
import { writeSnapshotWarnings } from '../../cli/warnings.js';

export default class Explain extends BaseCommand {
  static override summary = 'Why: the NetworkPolicy trace of a connection, a policy in plain English, or a pod\'s isolation';
  static override description = `Four forms:
  explain SOURCE DESTINATION [--port P]  for egress and ingress separately: which policies select each end, which rule (index and English rendering) matched, or why none did. Exit 0 allowed, 1 denied.
  explain networkpolicy/NAME             the policy in plain English: which pods it applies to, what it isolates, who may connect to whom on what.
  explain namespace/NAME                 the namespace's posture: isolation both ways, the peers its rules allow, DNS, addresses outside the cluster, audit findings.
  explain pod/NAME                       the pod's isolation: ingress/egress isolated or not, by which policies, and the union of what they allow (also deploy/…, svc/…).
Endpoints use the can-reach grammar: [NAMESPACE/]KIND/NAME, [KIND/]NAME, ip:ADDRESS. For RBAC ("may I …"), see explain can-i.`;

  static override examples = [
    '<%= config.bin %> explain default/deploy/frontend payments/svc/payments --port 443',
    '<%= config.bin %> explain -f examples/shop networkpolicy/frontend-egress -n default',
    '<%= config.bin %> explain -f examples/shop payments/deploy/payments',
    '<%= config.bin %> explain pod/api-7c9d-x2x4z -n shop -o json',
  ];

  static override args = {
    // ignoreStdin: stdin is for -f - (manifests); oclif would otherwise read it into a missing optional argument
    target: Args.string({ required: true, ignoreStdin: true, description: 'SOURCE endpoint, networkpolicy/NAME, or an endpoint whose isolation to show' }),
    destination: Args.string({ required: false, ignoreStdin: true, description: 'DESTINATION endpoint: explain the connection from target to it' }),
  };

  static override flags = {
    ...snapshotFlags,
    ...connectionFlags,
    ...engineFlag,
    output: outputFlagWithJsonPath(['text', 'json', 'yaml'], 'text'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Explain);
    const namespaceRef = args.destination === undefined ? /^(?:namespaces?|ns)\/([^/]+)$/i.exec(args.target.trim())?.[1] : undefined;
    if (namespaceRef !== undefined) {
      const snapshot = await loadSnapshot(snapshotSourceOf(flags, { namespaces: [namespaceRef], allNamespaces: undefined }));
      writeSnapshotWarnings(snapshot);
      if (!snapshot.namespaces.some((n) => n.metadata.name === namespaceRef)) throw new UsageError(`namespace "${namespaceRef}" not found (${snapshot.source})`);
      const choice = engineChoiceOf(snapshot, flags);
      const posture = namespacePosture(snapshot, new PolicyEngine(snapshot, choice), namespaceRef, choice);
      process.stdout.write(renderDocument(flags.output, posture) ?? renderNamespacePosture({ colour: colourFor(process.stdout) }, posture));
      return;
    }
    const policyRef = args.destination === undefined ? parsePolicyRef(args.target) : undefined;
    const endpoints = policyRef ? [] : [parseEndpoint(args.target), ...(args.destination !== undefined ? [parseEndpoint(args.destination)] : [])];
    if (!policyRef && args.destination === undefined && endpoints[0].kind === 'ip') {
      throw new UsageError(`${args.target} is an address outside the cluster: no policy isolates it; explain a connection instead (explain SOURCE DESTINATION)`);
    }
    const snapshot = await loadSnapshot(
      snapshotSourceOf(flags, policyRef ? { namespaces: policyRef.namespace ? [policyRef.namespace] : flags.namespace, withContextNamespace: false } : namespacesFor(endpoints, flags.namespace)),
    );
    writeSnapshotWarnings(snapshot);
    const ns = defaultNamespace(snapshot, flags.namespace);
    const engine = new PolicyEngine(snapshot, engineChoiceOf(snapshot, flags));
    const style = { colour: colourFor(process.stdout) };
    const emit = (value: unknown, text: () => string) => {
      process.stdout.write(renderDocument(flags.output, value) ?? text());
    };

    if (policyRef) {
      if (!policyRef.namespace && flags['all-namespaces']) {
        // -A: the policy of that name in whichever namespace holds it
        const found = engine.policies.filter((p) => p.name === policyRef.name);
        if (found.length === 0) throw new UsageError(`networkpolicy "${policyRef.name}" not found in any namespace (${snapshot.source})`);
        if (found.length > 1) {
          throw new UsageError(`networkpolicy "${policyRef.name}" exists in namespaces ${found.map((p) => p.namespace).join(', ')}: name one, e.g. ${found[0].namespace}/networkpolicy/${policyRef.name}`);
        }
      }
      const namespace = policyRef.namespace ?? (flags['all-namespaces'] ? engine.policies.find((p) => p.name === policyRef.name)!.namespace : ns);
      const policy = engine.policy(namespace, policyRef.name);
      if (!policy) {
        const elsewhere = engine.policies.filter((p) => p.name === policyRef.name).map((p) => `${p.namespace}/networkpolicy/${p.name}`);
        throw new UsageError(`networkpolicy "${policyRef.name}" not found in namespace ${namespace} (${snapshot.source})${elsewhere.length ? `; did you mean ${elsewhere.slice(0, 3).join(' or ')}?` : ''}`);
      }
      const description = describePolicy(engine, policy, clusterPods(snapshot, [namespace]), dnsTarget(snapshot));
      emit(description, () => renderPolicy(style, description));
      return;
    }

    if (args.destination !== undefined) {
      const request = { port: flags.port === undefined ? undefined : parsePort(flags.port), protocol: parseProtocol(flags.protocol) };
      const result = canReach(engine, resolveEndpoint(snapshot, endpoints[0], ns, 'source'), resolveEndpoint(snapshot, endpoints[1], ns), request);
      emit(canReachJson(result), () => renderCanReach(style, result, true));
      if (result.cannotTell) this.exit(ExitCode.Unreachable);
      if (!result.allowed) this.exit(ExitCode.No);
      return;
    }

    const endpoint = resolveEndpoint(snapshot, endpoints[0], ns);
    const blocks = ipBlocksOf(engine.policies, engine.extraCidrs);
    const dns = dnsTarget(snapshot);
    const groups = new Map<string, { pods: string[]; summary: ReturnType<typeof isolationOf> }>();
    for (const pod of endpoint.pods) {
      const key = equivalenceKey(pod, blocks);
      const group = groups.get(key);
      if (group) group.pods.push(`${pod.namespace}/${pod.name}`);
      else groups.set(key, { pods: [`${pod.namespace}/${pod.name}`], summary: isolationOf(engine, pod, dns) });
    }
    const summaries = [...groups.values()];
    emit({ endpoint: summarize(endpoint), isolation: summaries.map((g) => ({ pods: g.pods, ...g.summary })) }, () => renderIsolation(style, summarize(endpoint), summaries));
  }
}
