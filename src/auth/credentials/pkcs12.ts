// Just enough PKCS#12 (RFC 7292) to take a service principal's private key and certificates out of a
// .pfx/.p12 file, as Azure/kubelogin accepts them. Node 20's crypto reads PKCS#8 (also encrypted) and
// X.509 but not PKCS#12, so this walks the DER itself:
//   PFX → authSafe (data) → ContentInfo* (data | encryptedData) → SafeBag* (keyBag, pkcs8ShroudedKeyBag, certBag)
// Encrypted key bags are PKCS#8 EncryptedPrivateKeyInfo, which crypto.createPrivateKey decrypts itself.
// Encrypted certificate bags are decrypted here: PBES2 (PBKDF2 + AES-CBC or 3DES, what OpenSSL 3 and
// current Windows write) and pbeWithSHAAnd3-KeyTripleDES-CBC. RC2-40 (old `openssl pkcs12` / Windows
// exports) is not in Node's OpenSSL: such files get a message telling how to re-export them.
import { X509Certificate, createDecipheriv, createHash, createPrivateKey, pbkdf2Sync, type KeyObject } from 'node:crypto';
import { UsageError } from '../../errors.js';

interface Der {
  tag: number;
  /** content bytes */
  value: Buffer;
  /** the whole element */
  raw: Buffer;
}

function readDer(buf: Buffer, offset: number, what: string): Der & { end: number } {
  if (offset + 2 > buf.length) throw new Error(`truncated ${what}`);
  const tag = buf[offset];
  let len = buf[offset + 1];
  let pos = offset + 2;
  if (len === 0x80) throw new Error('indefinite-length (BER) encoding is not supported');
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4 || pos + n > buf.length) throw new Error(`bad length in ${what}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i];
    pos += n;
  }
  if (pos + len > buf.length) throw new Error(`truncated ${what}`);
  return { tag, value: buf.subarray(pos, pos + len), raw: buf.subarray(offset, pos + len), end: pos + len };
}

function children(el: Der): Der[] {
  const out: Der[] = [];
  for (let pos = 0; pos < el.value.length; ) {
    const child = readDer(el.value, pos, 'element');
    out.push(child);
    pos = child.end;
  }
  return out;
}

const parse = (buf: Buffer): Der => readDer(buf, 0, 'structure');

function oid(el: Der): string {
  if (el.tag !== 0x06) throw new Error('expected an object identifier');
  const b = el.value;
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let n = 0;
  for (let i = 1; i < b.length; i++) {
    n = n * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

function integer(el: Der): number {
  if (el.tag !== 0x02) throw new Error('expected an integer');
  return el.value.reduce((n, byte) => n * 256 + byte, 0);
}

/** An OCTET STRING, also in its constructed form (chunks), as some writers emit. */
function octets(el: Der): Buffer {
  if ((el.tag & 0x1f) === 0x04 && !(el.tag & 0x20)) return el.value;
  if (el.tag & 0x20) return Buffer.concat(children(el).map(octets));
  if ((el.tag & 0xc0) === 0x80) return el.value; // [0] IMPLICIT OCTET STRING
  throw new Error('expected an octet string');
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  sha1With3Des: '1.2.840.113549.1.12.1.3',
  sha1With40Rc2: '1.2.840.113549.1.12.1.6',
  sha1With128Rc2: '1.2.840.113549.1.12.1.5',
};
const PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};

class WrongPassword extends Error {}

/** RFC 7292 appendix B key derivation with SHA-1; the password as a NUL-terminated BMPString. */
function pkcs12Kdf(password: string, salt: Buffer, iterations: number, id: number, size: number): Buffer {
  const u = 20;
  const v = 64;
  const pw = password ? Buffer.from(`${password}\0`, 'utf16le').swap16() : Buffer.alloc(0);
  const fill = (src: Buffer) => {
    if (!src.length) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length];
    return out;
  };
  const I = Buffer.concat([fill(salt), fill(pw)]);
  const D = Buffer.alloc(v, id);
  const out: Buffer[] = [];
  for (let produced = 0; produced < size; produced += u) {
    let A = createHash('sha1').update(D).update(I).digest();
    for (let i = 1; i < iterations; i++) A = createHash('sha1').update(A).digest();
    out.push(A);
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k] + B[k] + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, size);
}

function decrypt(algorithm: Der, data: Buffer, password: string): Buffer {
  const [algOid, params] = children(algorithm);
  const alg = oid(algOid);
  let cipher: string;
  let key: Buffer;
  let iv: Buffer;
  if (alg === OID.pbes2) {
    const [kdf, scheme] = children(params);
    const [kdfOid, kdfParams] = children(kdf);
    if (oid(kdfOid) !== OID.pbkdf2) throw new Error('unsupported PBES2 key derivation');
    const p = children(kdfParams);
    const salt = octets(p[0]);
    const iterations = integer(p[1]);
    const prfEl = p.slice(2).find((e) => e.tag === 0x30);
    const digest = prfEl ? PRF[oid(children(prfEl)[0])] : 'sha1';
    if (!digest) throw new Error('unsupported PBKDF2 hash');
    const [schemeOid, ivEl] = children(scheme);
    const c = CIPHERS[oid(schemeOid)];
    if (!c) throw new Error(`unsupported cipher ${oid(schemeOid)}`);
    cipher = c.name;
    key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, c.keyLength, digest);
    iv = octets(ivEl);
  } else if (alg === OID.sha1With3Des) {
    const [saltEl, iterEl] = children(params);
    const salt = octets(saltEl);
    const iterations = integer(iterEl);
    cipher = 'des-ede3-cbc';
    key = pkcs12Kdf(password, salt, iterations, 1, 24);
    iv = pkcs12Kdf(password, salt, iterations, 2, 8);
  } else if (alg === OID.sha1With40Rc2 || alg === OID.sha1With128Rc2) {
    throw new UsageError('uses RC2 encryption (a legacy PFX export), which Node.js cannot decrypt; re-export it, e.g. `openssl pkcs12 -legacy -in old.pfx -nodes | openssl pkcs12 -export -out new.pfx`, or use the PEM key and certificate');
  } else {
    throw new Error(`unsupported encryption ${alg}`);
  }
  try {
    const d = createDecipheriv(cipher, key, iv);
    return Buffer.concat([d.update(data), d.final()]);
  } catch {
    throw new WrongPassword();
  }
}

export interface Pkcs12Contents {
  privateKey: KeyObject;
  certificates: X509Certificate[];
}

export function parsePkcs12(data: Buffer, password: string, path: string): Pkcs12Contents {
  try {
    return walk(data, password);
  } catch (err) {
    if (err instanceof WrongPassword) {
      throw new UsageError(`cannot open the client certificate ${path}: ${password ? 'wrong password' : 'it needs a password; set AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD'}`);
    }
    if (err instanceof UsageError) throw new UsageError(`the client certificate ${path} ${err.message}`);
    throw new UsageError(`the client certificate ${path} is neither PEM nor a PKCS#12 (PFX) file this tool can read: ${(err as Error).message}`);
  }
}

function walk(data: Buffer, password: string): Pkcs12Contents {
  const pfx = children(parse(data));
  if (pfx.length < 2 || integer(pfx[0]) !== 3) throw new Error('not a PKCS#12 v3 structure');
  const [authType, authContent] = children(pfx[1]);
  if (oid(authType) !== OID.data) throw new Error('public-key protected PKCS#12 files are not supported');
  const safes = children(parse(octets(children(authContent)[0])));
  const bags: Der[] = [];
  for (const info of safes) {
    const [type, content] = children(info);
    const kind = oid(type);
    if (kind === OID.data) {
      bags.push(...children(parse(octets(children(content)[0]))));
    } else if (kind === OID.encryptedData) {
      const [, encryptedContentInfo] = children(children(content)[0]);
      const [, algorithm, encrypted] = children(encryptedContentInfo);
      bags.push(...children(parse(decrypt(algorithm, octets(encrypted), password))));
    }
  }
  const keys: KeyObject[] = [];
  const certificates: X509Certificate[] = [];
  for (const bag of bags) {
    const [idEl, valueEl] = children(bag);
    const value = children(valueEl)[0];
    switch (oid(idEl)) {
      case OID.keyBag:
        keys.push(createPrivateKey({ key: value.raw, format: 'der', type: 'pkcs8' }));
        break;
      case OID.shroudedKeyBag:
        try {
          keys.push(createPrivateKey({ key: value.raw, format: 'der', type: 'pkcs8', passphrase: password }));
        } catch (err) {
          if (/unsupported/i.test((err as Error).message)) throw new Error(`its key encryption is not supported: ${(err as Error).message}`);
          throw new WrongPassword();
        }
        break;
      case OID.certBag: {
        const [certType, certValue] = children(value);
        if (oid(certType) === OID.x509Certificate) certificates.push(new X509Certificate(octets(children(certValue)[0])));
        break;
      }
    }
  }
  if (!keys.length) throw new Error('it holds no private key');
  const key = keys.find((k) => certificates.some((c) => c.checkPrivateKey(k))) ?? keys[0];
  return { privateKey: key, certificates };
}
