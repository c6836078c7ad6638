// --login workloadidentity: workload identity federation. A token from another issuer (the Kubernetes
// service account token that AKS's webhook projects into AZURE_FEDERATED_TOKEN_FILE, or GitHub
// Actions' or Azure Pipelines' OIDC token) is the client assertion of a client credentials grant. The token file is
// read on every sign-in: kubelet rotates it, and a stale one is refused (AADSTS700024).
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { SignInFailedError } from '../sign-in-errors.js';
import { ENV } from '../token-options.js';
import { appToken } from './spn.js';
import type { SignInFlow } from './sign-in.js';

/** The audience Entra expects on federated tokens. */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

export function readFederatedToken(path: string): string {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`cannot read the federated token file ${path} (${ENV.federatedTokenFile}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!token) throw new UsageError(`the federated token file ${path} is empty`);
  return token;
}

/** GitHub Actions' OIDC token for Entra (the job needs `permissions: id-token: write`). */
export async function githubActionsToken(requestUrl: string, requestToken: string, timeoutMs: number): Promise<string> {
  const url = new URL(requestUrl);
  url.searchParams.set('audience', TOKEN_EXCHANGE_AUDIENCE);
  let response: Response;
  try {
    response = await fetch(url, { headers: { Authorization: `bearer ${requestToken}`, Accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new SignInFailedError(`cannot get the GitHub Actions OIDC token from ${url.host}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`);
  }
  const body = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
  if (!response.ok || typeof body?.value !== 'string') {
    throw new SignInFailedError(`GitHub Actions did not issue an OIDC token (HTTP ${response.status}); does the job have the id-token write permission?`);
  }
  return body.value;
}

/** Azure Pipelines' OIDC token for a workload identity service connection (what azidentity's AzurePipelinesCredential asks). */
export async function azurePipelinesToken(requestUri: string, serviceConnectionId: string, accessToken: string, timeoutMs: number): Promise<string> {
  const url = new URL(requestUri);
  url.searchParams.set('api-version', '7.1');
  url.searchParams.set('serviceConnectionId', serviceConnectionId);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new SignInFailedError(`cannot get the Azure Pipelines OIDC token from ${url.host}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`);
  }
  const body = (await response.json().catch(() => undefined)) as { oidcToken?: unknown } | undefined;
  if (!response.ok || typeof body?.oidcToken !== 'string') {
    throw new SignInFailedError(`Azure Pipelines did not issue an OIDC token for service connection ${serviceConnectionId} (HTTP ${response.status}); is it a workload identity federation connection, and is SYSTEM_ACCESSTOKEN mapped into the step's environment?`);
  }
  return body.oidcToken;
}

export const workloadIdentitySignIn: SignInFlow = async ({ spec, debug, env }) => {
  const { federatedTokenFile, githubActions, azurePipelines } = spec.app;
  const vars = env ?? process.env;
  const requestToken = vars[ENV.githubRequestToken];
  const pipelinesToken = vars[ENV.pipelinesAccessToken];
  const timeoutMs = Math.min(spec.timeoutMs, 60_000);
  // a missing or empty file is bad input: say so before any request (msal asks for the assertion later)
  if (federatedTokenFile) readFederatedToken(federatedTokenFile);
  return appToken(
    spec,
    {
      // msal calls this for each token request: the file as it is now
      clientAssertion: async () => {
        if (federatedTokenFile) {
          debug?.(`workloadidentity: client assertion from ${federatedTokenFile}`);
          return readFederatedToken(federatedTokenFile);
        }
        if (githubActions && requestToken) {
          debug?.('workloadidentity: client assertion from GitHub Actions OIDC');
          return githubActionsToken(githubActions.requestUrl, requestToken, timeoutMs);
        }
        if (azurePipelines && pipelinesToken) {
          debug?.(`workloadidentity: client assertion from Azure Pipelines OIDC (service connection ${azurePipelines.serviceConnectionId})`);
          return azurePipelinesToken(azurePipelines.requestUri, azurePipelines.serviceConnectionId, pipelinesToken, timeoutMs);
        }
        throw new UsageError(`--login workloadidentity needs ${ENV.federatedTokenFile} or --federated-token-file`);
      },
    },
    debug,
  );
};
