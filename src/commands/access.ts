import { Flags } from '@oclif/core';
import { renderDocument } from '../render/document.js';
import { BaseCommand, clusterFlags, impersonationFlags, outputFlagWithJsonPath, clusterTargetOf } from '../cli/base.js';
import { ACCESS_VERBS, DEFAULT_ACCESS_VERBS, runAccess } from '../identity/rbac-tools.js';
import { renderAccess } from '../render/rbac-tools.js';

export default class Access extends BaseCommand {
  static override summary = 'What you may do to each kind of resource: a verbs × resources table (like rakkess)';
  static override description = `Asks the API server one SelfSubjectAccessReview per resource and verb, in parallel, so the answers hold under any authorizer (AKS Azure RBAC included).
With -n, the namespaced resources in that namespace; without, every resource cluster-wide (namespaced ones in all namespaces).
--as/--as-group show the table for another user or group (needs impersonate rights).`;

  static override examples = [
    '<%= config.bin %> access -n shop',
    '<%= config.bin %> access --verbs get,list,watch',
    '<%= config.bin %> access -n payments --as system:serviceaccount:payments:api',
    '<%= config.bin %> access -n shop -o json',
  ];

  static override flags = {
    ...clusterFlags,
    ...impersonationFlags,
    namespace: Flags.string({ char: 'n', description: 'namespace (default: cluster-wide)' }),
    verbs: Flags.string({ description: `verbs to ask about, comma-separated (${ACCESS_VERBS.join(', ')}; default ${DEFAULT_ACCESS_VERBS.join(',')})` }),
    'no-headers': Flags.boolean({ description: 'table only, without the header line and notes', default: false }),
    output: outputFlagWithJsonPath(['table', 'json', 'yaml'], 'table'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Access);
    const report = await runAccess({
      ...clusterTargetOf(flags),
      namespace: flags.namespace,
      verbs: flags.verbs?.split(',').map((v) => v.trim()).filter(Boolean),
    });
    process.stdout.write(renderDocument(flags.output, report) ?? renderAccess(report, { headers: !flags['no-headers'] }));
  }
}
