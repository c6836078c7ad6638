import { Args, Flags } from '@oclif/core';
import { renderDocument } from '../../render/document.js';
import { BaseCommand, outputFlagWithJsonPath, clusterTargetOf, rbacQuestionFlags, subresourceFlag } from '../../cli/base.js';
import { ExitCode, UsageError } from '../../errors.js';
import { runCanI } from '../../identity/can-i.js';
import { runCanIList } from '../../identity/rbac-tools.js';
import { renderCanIList } from '../../render/rbac-tools.js';
import { renderCanI } from '../../render/rbac.js';
import { writeWarnings } from '../../cli/warnings.js';

export default class ExplainCanI extends BaseCommand {
  static override summary = 'May I do VERB on RESOURCE — and which binding, role and rule say so (or come closest)';
  static override description = `The verdict is the API server's own (SelfSubjectAccessReview), so it holds under any authorizer, including AKS Azure RBAC webhooks.
Beside it: the binding → role → rule chain that grants the request, or, when denied, the nearest misses — a rule in another namespace, a binding to a group you are not in, a verb or resource name the rule lacks.
--list shows everything you may do in a namespace, as kubectl auth can-i --list does, with the binding → role behind each rule; it says INCOMPLETE when a webhook authorizer (AKS Azure RBAC) answers too, since a webhook cannot list its rules.
RESOURCE is a resource type (pods, deploy, deployments.apps, widgets.example.com), TYPE/NAME, or a non-resource URL (/healthz). Exit 0 yes, 1 no.`;

  static override examples = [
    '<%= config.bin %> explain can-i get pods -n shop',
    '<%= config.bin %> explain can-i create pods/web-0 --subresource portforward -n shop',
    '<%= config.bin %> explain can-i delete deployments.apps/api -n payments -o json',
    '<%= config.bin %> explain can-i list nodes',
    '<%= config.bin %> explain can-i get secrets -n payments --as system:serviceaccount:payments:api',
    '<%= config.bin %> explain can-i get /metrics',
    '<%= config.bin %> explain can-i --list -n shop',
  ];

  static override args = {
    verb: Args.string({ required: false, description: 'get, list, watch, create, update, patch, delete, … or *' }),
    resource: Args.string({ required: false, description: 'RESOURCE[.GROUP][/NAME] or a non-resource URL starting with /' }),
  };

  static override flags = {
    ...rbacQuestionFlags,
    'all-namespaces': Flags.boolean({ char: 'A', description: 'ask about all namespaces', default: false }),
    list: Flags.boolean({ description: 'list everything you may do in the namespace (SelfSubjectRulesReview), with the binding → role behind each rule', default: false }),
    'no-headers': Flags.boolean({ description: 'with --list: the table only, without the header line and notes', default: false }),
    ...subresourceFlag,
    output: outputFlagWithJsonPath(['text', 'json', 'yaml'], 'text'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ExplainCanI);
    if (flags.list) {
      if (args.verb || args.resource) throw new UsageError('--list lists everything you may do; it takes no VERB or RESOURCE');
      if (flags['all-namespaces']) throw new UsageError('--list answers for one namespace (SelfSubjectRulesReview); -A does not apply');
      const report = await runCanIList({ ...clusterTargetOf(flags), namespace: flags.namespace });
      process.stdout.write(renderDocument(flags.output, report) ?? renderCanIList(report, { headers: !flags['no-headers'] }));
      return;
    }
    if (!args.verb || !args.resource) {
      throw new UsageError(`missing ${args.verb ? 'RESOURCE' : 'VERB and RESOURCE'}: kubectl np explain can-i VERB RESOURCE[/NAME] (e.g. explain can-i get pods -n shop), or --list`);
    }
    const report = await runCanI({
      ...clusterTargetOf(flags),
      verb: args.verb,
      target: args.resource,
      namespace: flags.namespace,
      allNamespaces: flags['all-namespaces'],
      subresource: flags.subresource,
    });
    writeWarnings(report.warnings);
    process.stdout.write(renderDocument(flags.output, report) ?? renderCanI(report));
    if (!report.allowed) this.exit(ExitCode.No);
  }
}
