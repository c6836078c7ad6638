import { BaseCommand } from '../cli/base.js';
import { getToken, processIo } from '../auth/get-token.js';
import { rawTokenOptions, tokenFlags } from '../auth/token-flags.js';

export default class GetToken extends BaseCommand {
  static override summary = 'Print an Entra token as a kubectl ExecCredential (run by kubectl through an exec entry)';
  static override description = `kubectl runs this before talking to the cluster; \`kubectl np setup\` writes the kubeconfig entry.
A cached token is answered at once; an expired one is renewed with the refresh token; otherwise you are asked to sign in (--login devicecode: a code on stderr; interactive: the browser) when kubectl allows interaction, or told to run \`kubectl np login\`. The non-interactive modes (spn, workloadidentity, msi, azurecli, ropc) sign in without a person, with secrets from the environment (AAD_* / AZURE_* variables as in Azure/kubelogin).
stdout carries only the ExecCredential JSON, in the apiVersion kubectl asks for (KUBERNETES_EXEC_INFO).`;
  static override examples = [
    '<%= config.bin %> get-token --login devicecode --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47',
    '<%= config.bin %> get-token -t 72f988bf-86f1-41af-91ab-2d7cd011db47 --server-id 6dae42f8-4368-4678-94ff-3960e28e3630 --token-type id',
    'AAD_LOGIN_METHOD=workloadidentity <%= config.bin %> get-token --server-id 6dae42f8-4368-4678-94ff-3960e28e3630',
    'AZURE_CLIENT_SECRET=… <%= config.bin %> get-token --login spn -t 72f988bf-86f1-41af-91ab-2d7cd011db47 --client-id 11111111-2222-3333-4444-555555555555',
  ];
  static override flags = { ...tokenFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(GetToken);
    await getToken(rawTokenOptions(flags), processIo(this.debugEnabled));
  }
}
