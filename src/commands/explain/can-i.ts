import { Args, Flags } from '@oclif/core';
import { toYaml } from '../../render/yaml.js';
import { BaseCommand, clusterFlags, impersonationFlags, impersonationFromFlags, outputFlag } from '../../cli/base.js';
import { ExitCode } from '../../errors.js';
import { runCanI } from '../../identity/can-i.js';
import { renderCanI } from '../../render/rbac.js';

export default class ExplainCanI extends BaseCommand {
  static override summary = 'May I do VERB on RESOURCE — and which binding, role and rule say so (or come closest)';
  static override description = `The verdict is the API server's own (SelfSubjectAccessReview), so it holds under any authorizer, including AKS Azure RBAC webhooks.
Beside it: the binding → role → rule chain that grants the request, or, when denied, the nearest misses — a rule in another namespace, a binding to a group you are not in, a verb or resource name the rule lacks.
RESOURCE is a resource type (pods, deploy, deployments.apps, widgets.example.com), TYPE/NAME, or a non-resource URL (/healthz). Exit 0 yes, 1 no.`;

  static override examples = [
    '<%= config.bin %> explain can-i get pods -n shop',
    '<%= config.bin %> explain can-i create pods/web-0 --subresource portforward -n shop',
    '<%= config.bin %> explain can-i delete deployments.apps/api -n payments -o json',
    '<%= config.bin %> explain can-i list nodes',
    '<%= config.bin %> explain can-i get secrets -n payments --as system:serviceaccount:payments:api',
    '<%= config.bin %> explain can-i get /metrics',
  ];

  static override args = {
    verb: Args.string({ required: true, description: 'get, list, watch, create, update, patch, delete, … or *' }),
    resource: Args.string({ required: true, description: 'RESOURCE[.GROUP][/NAME] or a non-resource URL starting with /' }),
  };

  static override flags = {
    ...clusterFlags,
    ...impersonationFlags,
    namespace: Flags.string({ char: 'n', description: 'namespace (default: the context namespace)' }),
    'all-namespaces': Flags.boolean({ char: 'A', description: 'ask about all namespaces', default: false }),
    subresource: Flags.string({ description: 'subresource, e.g. log, exec, portforward, scale, proxy' }),
    output: outputFlag(['text', 'json', 'yaml'], 'text'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ExplainCanI);
    const report = await runCanI({
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      impersonate: impersonationFromFlags(flags),
      verb: args.verb,
      target: args.resource,
      namespace: flags.namespace,
      allNamespaces: flags['all-namespaces'],
      subresource: flags.subresource,
    });
    if (flags.output === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else if (flags.output === 'yaml') process.stdout.write(toYaml(report));
    else process.stdout.write(renderCanI(report));
    if (!report.allowed) this.exit(ExitCode.No);
  }
}
