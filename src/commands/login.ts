import { BaseCommand, clusterFlags } from '../cli/base.js';
import { login } from '../auth/login.js';
import { rawTokenOptions, tokenFlags } from '../auth/token-flags.js';
import { processIo } from '../auth/get-token.js';

export default class Login extends BaseCommand {
  static override summary = 'Sign in to Entra ahead of time for a kubeconfig context';
  static override description = `Signs in with the context's kubectl-np settings (its exec entry), or with the token flags given, and caches the tokens kubectl will use. Always signs in anew: use it to switch accounts or after being told to.`;
  static override examples = [
    '<%= config.bin %> login --context aks-prod',
    '<%= config.bin %> login --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47',
  ];
  static override flags = { ...clusterFlags, ...tokenFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Login);
    const result = await login(
      { kubeconfig: flags.kubeconfig, context: flags.context, options: rawTokenOptions(flags) },
      processIo(this.debugEnabled),
    );
    const who = result.account ? `${result.account.username} (tenant ${result.account.tenantId})` : `tenant ${result.spec.tenantId}`;
    const where = result.context ? ` for context ${result.context}` : '';
    this.log(`Signed in as ${who}${where}; token valid until ${new Date(result.expiresOn).toISOString()}.`);
  }
}
