// A service principal's client certificate, as msal-node's ConfidentialClientApplication wants it: the
// private key as unencrypted PKCS#8 PEM (kept in memory only), the SHA-256 thumbprint (hex) that
// names the certificate in the client assertion's x5t#S256 header, and the certificate chain (x5c, for
// subject name/issuer authentication). Reads PEM (key + certificate in one file, the key optionally
// encrypted) and PFX/PKCS#12 (see ./pkcs12.ts).
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { parsePkcs12 } from './pkcs12.js';

export interface ClientCertificate {
  privateKey: string;
  thumbprintSha256: string;
  /** PEM certificates, leaf first */
  x5c: string;
  /** for messages: subject and expiry of the leaf certificate */
  description: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

export function loadClientCertificate(path: string, password: string | undefined): ClientCertificate {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read the client certificate ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN ')) return fromPem(path, text, password);
  const bags = parsePkcs12(data, password ?? '', path);
  return build(path, bags.privateKey, bags.certificates);
}

function fromPem(path: string, text: string, password: string | undefined): ClientCertificate {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1], pem: m[0] }));
  const keyBlock = blocks.find((b) => b.label.endsWith('PRIVATE KEY'));
  if (!keyBlock) throw new UsageError(`the client certificate ${path} holds no private key (a PEM file needs the key and the certificate)`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyBlock.pem, format: 'pem', ...(password ? { passphrase: password } : {}) });
  } catch (err) {
    const encrypted = keyBlock.label.startsWith('ENCRYPTED') || /Proc-Type: 4,ENCRYPTED/.test(keyBlock.pem);
    if (encrypted) throw new UsageError(`cannot decrypt the private key in ${path}: ${password ? 'wrong password' : 'it is encrypted; set AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD'}`);
    throw new UsageError(`cannot read the private key in ${path}: ${(err as Error).message}`);
  }
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => new X509Certificate(b.pem));
  return build(path, key, certs);
}

function build(path: string, key: KeyObject, certs: X509Certificate[]): ClientCertificate {
  // the leaf is the certificate of this key
  const leaf = certs.find((c) => c.checkPrivateKey(key));
  if (!leaf) throw new UsageError(`the client certificate ${path} holds no certificate for its private key`);
  const chain = [leaf, ...certs.filter((c) => c !== leaf)];
  return {
    privateKey: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
    thumbprintSha256: leaf.fingerprint256.replace(/:/g, '').toLowerCase(),
    x5c: chain.map((c) => c.toString()).join('\n'),
    description: `${leaf.subject.replace(/\n/g, ', ')} (valid until ${new Date(leaf.validTo).toISOString()})`,
  };
}
