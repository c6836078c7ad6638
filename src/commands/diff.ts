import { Flags } from '@oclif/core';
import { BaseCommand, outputFlagWithJsonPath, snapshotFlags } from '../cli/base.js';
import { loadChangedSnapshot } from '../cli/change.js';
import { engineChoiceOf, engineFlag } from '../cli/engine-flag.js';
import { portQueriesOf, portQueryFlags } from '../cli/port-flags.js';
import { ExitCode, UsageError } from '../errors.js';
import { diffReachability } from '../netpol/diff.js';
import { parseExternal } from '../netpol/inputs.js';
import { certainChanges, diffJson, renderDiffTable } from '../render/diff.js';
import { colourFor } from '../render/netpol-text.js';
import { renderDocument } from '../render/document.js';

export default class Diff extends BaseCommand {
  static override summary = 'What a change does to reachability before it is applied: the connections whose verdict it flips';
  static override description = `The base is the live cluster, or manifests with -f. --with overlays manifests on it as kubectl apply would (an object of the same kind, namespace and name replaces the base's; others are added); --delete KIND/NAMESPACE/NAME removes one (namespace/NAME removes a namespace and everything in it; a cluster-scoped policy is KIND/NAME, e.g. adminnetworkpolicy/no-imds; Calico's is networkpolicies.projectcalico.org/NS/NAME). --with - reads the change from stdin.
Every pod present before and after is compared, as source and destination, on --port (repeatable; default every declared port) and --protocol; --external adds addresses outside the cluster. Only connections whose verdict changes are listed, grouped by source workload, with before → after and the policy that decides the new verdict. Policy kinds count as for can-reach (AdminNetworkPolicy, ClusterNetworkPolicy, Cilium, Calico), judged as can-reach judges them: live, only the kinds of the engine detected from what runs (--engine names it; with -f every kind given), before and after alike; the others are named under "not evaluated" and change nothing.
Exit 0 when nothing changes, 1 when something does; 3 when nothing is known to change but some verdicts cannot be told (a policy not evaluated, namespace labels you may not read), or the cluster is unreachable; bad input 2.
-o json: {"changes":[{"from","to","port","protocol","before","after","reason"}],"notes":[…],"notEvaluated"?,"cannotTell"?,"engine"?}; before/after null = cannot tell; endpoints are written in the can-reach grammar (NS/deploy/NAME, NS/pod/NAME, ip:ADDRESS).`;

  static override examples = [
    '<%= config.bin %> diff -f examples/shop --with new-policy.yaml',
    'kubectl apply --dry-run=client -o yaml -f new.yaml | <%= config.bin %> diff --with -',
    '<%= config.bin %> diff -f examples/shop --delete networkpolicy/payments/allow-cart -o json',
    '<%= config.bin %> diff -f examples/shop --delete networkpolicy/payments/allow-cart -o jsonpath=\'{range .changes[*]}{.from} → {.to}: {.after}{"\\n"}{end}\'',
    '<%= config.bin %> diff --delete adminnetworkpolicy/no-imds --external 169.254.169.254 --port 80',
    '<%= config.bin %> diff -f main/k8s --with k8s/ --port 443 --external 169.254.169.254',
    '<%= config.bin %> diff --delete adminnetworkpolicy/no-imds --external 169.254.169.254 --port 80 --engine azure-npm',
  ];

  static override flags = {
    ...snapshotFlags,
    with: Flags.string({ description: 'manifests to overlay on the base (file, directory or - for stdin); repeatable', multiple: true, multipleNonGreedy: true }),
    delete: Flags.string({ description: 'an object to remove from the base: KIND/NAMESPACE/NAME, namespace/NAME, or KIND/NAME for a cluster-scoped policy; repeatable', multiple: true, multipleNonGreedy: true }),
    ...portQueryFlags,
    external: Flags.string({ description: 'an address outside the cluster to compare too, e.g. 169.254.169.254; repeatable', multiple: true, multipleNonGreedy: true }),
    output: outputFlagWithJsonPath(['table', 'json', 'yaml'], 'table'),
    ...engineFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Diff);
    if ((flags.with ?? []).length === 0 && (flags.delete ?? []).length === 0) throw new UsageError('nothing to compare: pass --with CHANGE (manifests) and/or --delete KIND/NAMESPACE/NAME');
    const { ports, protocols } = portQueriesOf(flags);
    const externals = (flags.external ?? []).map(parseExternal);
    const { base, after } = await loadChangedSnapshot(flags);
    // the base says which engine runs; the change cannot install one
    const result = diffReachability(base, after, { namespaces: flags['all-namespaces'] ? undefined : flags.namespace, ports, protocols, externals, engine: engineChoiceOf(base, flags) });
    process.stdout.write(renderDocument(flags.output, diffJson(result)) ?? renderDiffTable({ colour: colourFor(process.stdout) }, result));
    // a change known on both sides is an answer; otherwise verdicts that cannot be told leave it open
    if (certainChanges(result) > 0) this.exit(ExitCode.No);
    if (result.cannotTell) this.exit(ExitCode.Unreachable);
    if (result.changes.length > 0) this.exit(ExitCode.No);
  }
}
