import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { completionScript, SHELLS } from '../cli/completion.js';

export default class Completion extends BaseCommand {
  static override summary = 'Print a shell completion script for kubectl-np (bash, zsh or fish)';
  static override description = `The script completes the kubectl-np executable. For \`kubectl np <TAB>\`, kubectl 1.26+ uses its own completion (kubectl completion bash|zsh|fish) and asks the kubectl_complete-np executable that installs beside kubectl-np: nothing more to load.`;
  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    '<%= config.bin %> completion zsh > "${fpath[1]}/_kubectl-np"',
    '<%= config.bin %> completion fish > ~/.config/fish/completions/kubectl-np.fish',
  ];
  static override args = {
    shell: Args.string({ description: 'the shell', options: [...SHELLS], required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    process.stdout.write(completionScript(args.shell as (typeof SHELLS)[number]));
  }
}
