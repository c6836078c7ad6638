import { Flags } from '@oclif/core';
import { BaseCommand, signInFlags } from '../cli/base.js';
import { describeLogin, login } from '../auth/login.js';
import { terminalPrompter } from '../auth/prompts.js';
import { rawTokenOptions, tokenFlags } from '../auth/token-flags.js';
import { processIo } from '../auth/get-token.js';

export default class Login extends BaseCommand {
  static override summary = 'Sign in to Entra ahead of time for kubeconfig contexts';
  static override description = `Signs in with each context's kubectl-np settings (its exec entry), or with the token flags given, caches the tokens kubectl will use, and shows who you are. Always signs in anew: use it to switch accounts or after being told to.

Uses the browser (--login interactive) when one can be opened here, otherwise the device code; --login on the command line decides instead. With several kubectl-np contexts and no --context it asks which (at a terminal; otherwise name them with --context), and with several cached accounts it asks which one (or use --login-hint). See docs/browser-sign-in.md.`;
  static override examples = [
    '<%= config.bin %> login',
    '<%= config.bin %> login --context aks-prod --context aks-dev',
    '<%= config.bin %> login --context aks-prod --login devicecode',
    '<%= config.bin %> login --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47',
  ];
  static override flags = signInFlags(
    { context: Flags.string({ description: 'kubeconfig context to sign in for; repeatable (default: the only kubectl-np context, or ask)', multiple: true }) },
    tokenFlags,
  );

  async run(): Promise<void> {
    const { flags } = await this.parse(Login);
    await login(
      { kubeconfig: flags.kubeconfig, contexts: flags.context ?? [], options: rawTokenOptions(flags) },
      processIo(this.debugEnabled),
      terminalPrompter(),
      (outcome) => this.log(describeLogin(outcome)),
    );
  }
}
