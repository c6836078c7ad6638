// The API server's version (GET /version), for `kubectl np version`.
import { VersionApi } from '@kubernetes/client-node';
import { loadKubeConfig, makeApiClient, toClusterError, type KubeConfigOptions } from './kubeconfig.js';

export interface ServerVersion {
  context: string;
  server: string;
  gitVersion: string;
  platform: string;
}

export async function readServerVersion(opts: KubeConfigOptions, timeoutMs: number): Promise<ServerVersion> {
  const kc = loadKubeConfig({ ...opts, manifestsInstead: false });
  try {
    const info = await makeApiClient(kc, VersionApi, { timeoutMs }).getCode();
    return { context: kc.getCurrentContext(), server: kc.getCurrentCluster()?.server ?? '', gitVersion: info.gitVersion, platform: info.platform };
  } catch (err) {
    throw toClusterError(err, kc, 'reading the server version');
  }
}
