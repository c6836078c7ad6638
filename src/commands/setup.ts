import { Flags } from '@oclif/core';
import { BaseCommand, signInFlags } from '../cli/base.js';
import { loadRequiredKubeconfigs } from '../auth/kubeconfig.js';
import { describeSetupChange, planSetup, setupEdits, writeSetup } from '../auth/setup.js';
import { unifiedDiff } from '../render/text-diff.js';
import { rawTokenOptions, tokenFlags } from '../auth/token-flags.js';
import { writeWarnings } from '../cli/warnings.js';

export default class Setup extends BaseCommand {
  static override summary = 'Make a kubeconfig context sign in through kubectl-np (also converts Azure kubelogin and azure auth-provider users)';
  static override description = `Rewrites the user of the context (default: the current context) into an exec entry that runs \`kubectl-np get-token\`. Azure kubelogin exec entries and the legacy \`azure\` auth-provider keep their tenant, server and client IDs unless flags override them; --all converts every such user. Only user entries change, and the kubeconfig is backed up next to itself first.`;
  static override examples = [
    '<%= config.bin %> setup --context aks-prod --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47',
    '<%= config.bin %> setup --context aks-prod --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47 --server-id 6dae42f8-4368-4678-94ff-3960e28e3630',
    '<%= config.bin %> setup --all',
    '<%= config.bin %> setup --all --dry-run',
  ];
  static override flags = signInFlags(
    {
      all: Flags.boolean({ description: 'convert every Azure kubelogin, azure auth-provider and kubectl-np user', default: false }),
      'dry-run': Flags.boolean({ description: 'print the change to the kubeconfig as a unified diff (credentials masked) and write nothing', default: false }),
    },
    tokenFlags,
  );

  async run(): Promise<void> {
    const { flags } = await this.parse(Setup);
    const files = loadRequiredKubeconfigs(flags.kubeconfig);
    const result = planSetup(files, { context: flags.context, all: flags.all, overrides: rawTokenOptions(flags) });
    if (flags['dry-run']) {
      // stdout is the diff alone; what it means goes to stderr
      for (const { path, before, after } of setupEdits(result)) process.stdout.write(unifiedDiff(before, after, { from: path, to: `${path} (after kubectl np setup)` }));
      for (const change of result.changes) process.stderr.write(`${describeSetupChange(change)} (dry run)\n`);
      for (const name of result.unchanged) process.stderr.write(`user ${name}: already set up, nothing to change\n`);
      for (const skip of result.skipped) process.stderr.write(`warning: user ${skip.user} skipped: ${skip.reason}\n`);
      writeWarnings(result.warnings);
      if (result.changes.length > 0) process.stderr.write('dry run: nothing was written\n');
      return;
    }
    writeSetup(result);
    for (const change of result.changes) this.log(describeSetupChange(change));
    for (const name of result.unchanged) this.log(`user ${name}: already set up, nothing to change`);
    for (const skip of result.skipped) process.stderr.write(`warning: user ${skip.user} skipped: ${skip.reason}\n`);
    writeWarnings(result.warnings);
    for (const { file, backup } of result.backups) this.log(`wrote ${file} (backup: ${backup})`);
  }
}
