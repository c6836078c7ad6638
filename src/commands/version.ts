import { Flags } from '@oclif/core';
import { BaseCommand, clusterFlags, outputFlagWithJsonPath } from '../cli/base.js';
import { describeTokenStorage } from '../auth/cache/keychain.js';
import { readServerVersion, type ServerVersion } from '../cluster/server-version.js';
import { renderDocument } from '../render/document.js';

const SERVER_TIMEOUT_MS = 10_000;

export default class Version extends BaseCommand {
  static override summary = 'Print the plugin, Node.js and cluster versions, and where tokens are cached';
  static override description = `Like kubectl version: the client side always, the cluster's version when a kubeconfig context is reachable (--client skips it). "token cache" says whether tokens are sealed with a key in the OS keychain or kept in 0600 files, and why.`;
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --client -o json', '<%= config.bin %> version -o jsonpath=\'{.cluster.gitVersion}{"\\n"}\'', '<%= config.bin %> --version'];
  static override flags = {
    ...clusterFlags,
    client: Flags.boolean({ description: 'client versions only: do not contact the cluster', default: false }),
    output: outputFlagWithJsonPath(['text', 'json', 'yaml'], 'text'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    const storage = await describeTokenStorage();
    let server: ServerVersion | undefined;
    let serverError: string | undefined;
    if (!flags.client) {
      try {
        server = await readServerVersion({ kubeconfig: flags.kubeconfig, context: flags.context }, SERVER_TIMEOUT_MS);
      } catch (err) {
        serverError = (err as Error).message.split('\n')[0];
      }
    }
    const report = {
      kubectlNp: this.config.version,
      node: process.versions.node,
      platform: `${process.platform}/${process.arch}`,
      tokenCache: storage,
      ...(flags.client ? {} : { cluster: server ?? { error: serverError } }),
    };
    const document = renderDocument(flags.output, report);
    if (document !== undefined) return void process.stdout.write(document);
    const lines = [
      `kubectl-np: ${report.kubectlNp}`,
      `node: ${report.node} (${report.platform})`,
      `token cache: ${storage.detail}`,
    ];
    if (server) lines.push(`cluster: ${server.gitVersion} (${server.platform}) at ${server.server}, context ${server.context}`);
    else if (!flags.client) lines.push(`cluster: not reached (${serverError})`);
    this.log(lines.join('\n'));
  }
}
