import { Flags } from '@oclif/core';
import { BaseCommand, signInFlags } from '../cli/base.js';
import { describeLogout, logout } from '../auth/login.js';
import { cacheSelectionFlags, rawTokenOptions } from '../auth/token-flags.js';
import { processIo } from '../auth/get-token.js';

export default class Logout extends BaseCommand {
  static override summary = 'Forget cached Entra tokens for a context, or all of them';
  static override description = 'Removes the cached tokens of the context (default: the current context) from the keychain and the token cache directory. Contexts that share the same sign-in (same tenant, client and server application) lose them too.';
  static override examples = ['<%= config.bin %> logout --context aks-prod', '<%= config.bin %> logout --all'];
  static override flags = signInFlags(
    { all: Flags.boolean({ description: 'forget every cached kubectl-np token (keychain entries, and files in the default cache directory and in every --cache-dir of the kubeconfig\'s kubectl-np entries)', default: false }) },
    cacheSelectionFlags,
  );

  async run(): Promise<void> {
    const { flags } = await this.parse(Logout);
    const result = await logout(
      { kubeconfig: flags.kubeconfig, context: flags.context, all: flags.all, options: rawTokenOptions(flags) },
      processIo(this.debugEnabled),
    );
    this.log(describeLogout(result, flags.all));
  }
}
