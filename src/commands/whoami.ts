import { Flags } from '@oclif/core';
import { renderDocument } from '../render/document.js';
import { BaseCommand, clusterFlags, impersonationFlags, outputFlagWithJsonPath, clusterTargetOf } from '../cli/base.js';
import { runWhoami } from '../identity/whoami.js';
import { engineFlag } from '../cli/engine-flag.js';
import { renderPodIdentity, renderTokenOnly, renderWhoami } from '../render/whoami.js';
import { UsageError } from '../errors.js';
import { printable } from '../printable.js';
import { redact } from '../redact.js';

export default class Whoami extends BaseCommand {
  static override summary = 'Who the API server thinks you are, what your token says, and which RBAC bindings that gives you';
  static override description = `Three views side by side:
  the API server's (SelfSubjectReview: username and groups after its OIDC prefixes — what RBAC matches),
  your token's (claims decoded locally, never verified or printed: upn, oid, tenant, issuer, audience, expiry, groups, overage),
  and the ClusterRoleBindings/RoleBindings that name your user, your groups or system:authenticated, with a one-line summary of each role.
It also says when a webhook authorizer (AKS Azure RBAC) answers alongside RBAC: then bindings are not the whole story and \`explain can-i\` is authoritative.
--resolve-groups fetches your full group list from Microsoft Graph (for tokens past the 200-group overage), using the account of a kubectl-np exec entry.
--token-only shows only the claims of the token kubectl would send, offline: from kubectl-np's cache for its exec entries (even an expired token), from the kubeconfig for a static token.
When the API server rejects the token (401), every live command decodes the token it sent and says what the server likely rejects (tenant, audience, expiry, clock, groups overage, issuer version) with the fix for each.
--as-pod shows a workload's identity instead: its service account, Entra workload identity client id, RBAC bindings and the policies selecting it, of the kinds the engine detected from what runs enforces (--engine names it), as can-reach counts them; the others are named as not enforced.`;

  static override examples = [
    '<%= config.bin %> whoami',
    '<%= config.bin %> whoami --context aks-prod --resolve-groups',
    '<%= config.bin %> whoami --token-only',
    '<%= config.bin %> whoami --as jane@contoso.example --as-group ops',
    '<%= config.bin %> whoami --as-pod pod/api-7c9d-x2x4z -n shop',
    '<%= config.bin %> whoami --as-pod deploy/payments -n payments -o yaml',
    '<%= config.bin %> whoami --as-pod deploy/api -n shop --engine azure-npm',
    '<%= config.bin %> whoami -o json | jq -r .apiServer.user.groups[]',
    '<%= config.bin %> whoami -o jsonpath=\'{.apiServer.user.username}{"\\n"}\'',
  ];

  static override flags = {
    ...clusterFlags,
    ...impersonationFlags,
    namespace: Flags.string({ char: 'n', description: 'namespace for --as-pod (default: the context namespace)' }),
    'resolve-groups': Flags.boolean({ description: 'fetch your groups from Microsoft Graph (getMemberObjects), with display names where permitted', default: false }),
    'graph-url': Flags.string({ description: 'Microsoft Graph base URL (default: from the sign-in cloud, e.g. https://graph.microsoft.com)' }),
    'token-only': Flags.boolean({ description: "only the claims of the token kubectl would send, without contacting the cluster (kubectl-np's cache for its exec entries, even expired)", default: false }),
    'as-pod': Flags.string({ description: "show a pod's (or workload's) identity instead: [NAMESPACE/]pod/NAME, deploy/NAME, …" }),
    ...engineFlag,
    output: outputFlagWithJsonPath(['text', 'json', 'yaml'], 'text'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Whoami);
    if (flags['token-only']) {
      const clash = (['as-pod', 'engine', 'resolve-groups', 'as', 'as-group', 'as-uid'] as const).find((f) => (Array.isArray(flags[f]) ? (flags[f] as string[]).length > 0 : !!flags[f]));
      if (clash) throw new UsageError(`--token-only reads your token without the cluster; --${clash} does not combine with it`);
      const { runTokenOnly } = await import('../identity/token-only.js');
      const report = await runTokenOnly({ kubeconfig: flags.kubeconfig, context: flags.context });
      process.stdout.write(renderDocument(flags.output, report) ?? renderTokenOnly(report));
      return;
    }
    if (flags.engine !== undefined && !flags['as-pod']) throw new UsageError('--engine says whose policy kinds select a pod: it needs --as-pod');
    const result = await runWhoami({
      ...clusterTargetOf(flags),
      namespace: flags.namespace,
      resolveGroups: flags['resolve-groups'],
      graphUrl: flags['graph-url'],
      asPod: flags['as-pod'],
      engine: flags.engine,
      debug: this.debugEnabled ? (text) => process.stderr.write(`debug: ${printable(redact(text))}\n`) : undefined,
    });
    // names and claims come from Entra and Graph: shown as text, never as terminal control
    process.stdout.write(renderDocument(flags.output, result.report) ?? printable(result.kind === 'pod' ? renderPodIdentity(result.report) : renderWhoami(result.report)));
  }
}
