import { Args, Flags } from '@oclif/core';
import { renderDocument } from '../render/document.js';
import { BaseCommand, outputFlagWithJsonPath, clusterTargetOf, rbacQuestionFlags, subresourceFlag } from '../cli/base.js';
import { runWhoCan } from '../identity/rbac-tools.js';
import { renderWhoCan, renderWhoCanNames } from '../render/rbac-tools.js';
import { writeWarnings } from '../cli/warnings.js';

export default class WhoCan extends BaseCommand {
  static override summary = 'Who may do VERB on RESOURCE: every subject a binding lets, with the binding → role chain';
  static override description = `Reads the cluster's Roles, ClusterRoles and their bindings (like kubectl-who-can) and lists each user, group and service account that RBAC lets do the request, with the binding and role that grant it.
RoleBindings count only in their namespace; members of system:masters may do anything.
RBAC only: a webhook authorizer (AKS Azure RBAC) may allow others, and lists you may not read leave subjects out — the output says INCOMPLETE then.
-o wide adds the RULE that matched; -o name prints each subject once as KIND/NAME (user/…, group/…, serviceaccount/NS/NAME).
--resolve-groups shows the Entra display names of groups named by object ID (through a kubectl-np exec entry's account and Microsoft Graph).`;

  static override examples = [
    '<%= config.bin %> who-can get secrets -n payments',
    '<%= config.bin %> who-can create pods --subresource exec -n shop',
    '<%= config.bin %> who-can delete deployments.apps/api -n shop -o json',
    '<%= config.bin %> who-can list nodes --resolve-groups',
    '<%= config.bin %> who-can get secrets -n payments -o wide',
    '<%= config.bin %> who-can get secrets -n payments -o name',
  ];

  static override args = {
    verb: Args.string({ required: true, description: 'get, list, watch, create, update, patch, delete, … or *' }),
    resource: Args.string({ required: true, description: 'RESOURCE[.GROUP][/NAME] or a non-resource URL starting with /' }),
  };

  static override flags = {
    ...rbacQuestionFlags,
    'all-namespaces': Flags.boolean({ char: 'A', description: 'cluster-wide: only ClusterRoleBindings count', default: false }),
    ...subresourceFlag,
    'resolve-groups': Flags.boolean({ description: 'show Entra display names of groups (Microsoft Graph directoryObjects/getByIds)', default: false }),
    'graph-url': Flags.string({ description: 'Microsoft Graph base URL (default: from the sign-in cloud)' }),
    'no-headers': Flags.boolean({ description: 'table only, without the header line and notes', default: false }),
    output: outputFlagWithJsonPath(['text', 'wide', 'name', 'json', 'yaml'], 'text'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(WhoCan);
    const report = await runWhoCan({
      ...clusterTargetOf(flags),
      verb: args.verb,
      target: args.resource,
      namespace: flags.namespace,
      allNamespaces: flags['all-namespaces'],
      subresource: flags.subresource,
      resolveGroups: flags['resolve-groups'],
      graphUrl: flags['graph-url'],
    });
    writeWarnings(report.warnings);
    const document = renderDocument(flags.output, report);
    if (document !== undefined) process.stdout.write(document);
    else if (flags.output === 'name') process.stdout.write(renderWhoCanNames(report));
    else process.stdout.write(renderWhoCan(report, { headers: !flags['no-headers'], wide: flags.output === 'wide' }));
  }
}
