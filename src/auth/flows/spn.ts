// --login spn: a service principal signs in with a client secret or a certificate (client credentials
// grant through msal-node's ConfidentialClientApplication). Secrets come from the environment (or a
// flag) at this moment only; a certificate file is read here too, so a renewed one is picked up.
import { UsageError } from '../../errors.js';
import { loadClientCertificate } from '../credentials/certificate.js';
import { createConfidentialClient, type ClientCredential } from '../msal/client.js';
import { SignInFailedError } from '../sign-in-errors.js';
import { ENV, type TokenSpec } from '../token-options.js';
import type { SignInFlow, SignInResult } from './sign-in.js';
import type { PopKey } from '../pop.js';

function credentialFor(spec: TokenSpec, debug?: (text: string) => void): ClientCredential {
  const certificatePath = spec.app.clientCertificate;
  if (certificatePath) {
    const cert = loadClientCertificate(certificatePath, spec.secrets.clientCertificatePassword());
    debug?.(`spn: signing in with the certificate ${cert.description} (SHA-256 thumbprint ${cert.thumbprintSha256})`);
    return { clientCertificate: { privateKey: cert.privateKey, thumbprintSha256: cert.thumbprintSha256, x5c: cert.x5c } };
  }
  const secret = spec.secrets.clientSecret();
  if (secret) {
    debug?.('spn: signing in with a client secret');
    return { clientSecret: secret };
  }
  throw new UsageError(
    `--login spn needs a client secret or certificate: set ${ENV.clientSecret.join(' or ')}, or ${ENV.clientCertificate.join(' or ')} (PEM or PFX)`,
  );
}

export async function appToken(spec: TokenSpec, credential: ClientCredential, debug?: (text: string) => void, popKey?: PopKey): Promise<SignInResult> {
  const app = createConfidentialClient(spec, credential, { debug, popKey });
  const result = await app.acquireTokenByClientCredential({ scopes: spec.scopes });
  if (!result?.accessToken) throw new SignInFailedError('Entra returned no access token for the service principal');
  return result;
}

export const servicePrincipalSignIn: SignInFlow = async ({ spec, debug, popKey }) => appToken(spec, credentialFor(spec, debug), debug, popKey);
