// IPv4/IPv6 addresses and CIDR blocks as bigints, for NetworkPolicy ipBlock matching.

export interface Cidr {
  readonly text: string;
  readonly family: 4 | 6;
  /** network address with host bits cleared */
  readonly network: bigint;
  readonly prefix: number;
  readonly mask: bigint;
}

export interface Ip {
  readonly family: 4 | 6;
  readonly value: bigint;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let head = text;
  let tailV4: bigint | undefined;
  // ::ffff:10.0.0.1 style: the last 32 bits written as IPv4
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groupsOf(halves[0]);
  const right = halves.length === 2 ? groupsOf(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

// a matrix compares the same few thousand addresses with rules per cell: each is parsed once
const parsedIps = new Map<string, Ip | undefined>();

export function parseIp(text: string): Ip | undefined {
  const hit = parsedIps.get(text);
  if (hit !== undefined || parsedIps.has(text)) return hit;
  const ip = parseIpText(text);
  if (parsedIps.size >= 100_000) parsedIps.clear();
  parsedIps.set(text, ip);
  return ip;
}

const parsedLists = new WeakMap<readonly string[], Ip[]>();

/** The valid addresses of a list (a pod's IPs), parsed once per list: lists are not changed once read. */
export function parseIps(texts: readonly string[]): Ip[] {
  let ips = parsedLists.get(texts);
  if (!ips) {
    ips = texts.map(parseIp).filter((ip): ip is Ip => ip !== undefined);
    parsedLists.set(texts, ips);
  }
  return ips;
}

function parseIpText(text: string): Ip | undefined {
  const trimmed = text.trim();
  if (trimmed.includes(':')) {
    const value = parseIpv6(trimmed);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(trimmed);
  return value === undefined ? undefined : { family: 4, value };
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, prefixText, extra] = text.trim().split('/');
  if (extra !== undefined || prefixText === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const width = ip.family === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (prefix > width) return undefined;
  const all = (1n << BigInt(width)) - 1n;
  const mask = prefix === 0 ? 0n : (all << BigInt(width - prefix)) & all;
  return { text: text.trim(), family: ip.family, network: ip.value & mask, prefix, mask };
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  return cidr.family === ip.family && (ip.value & cidr.mask) === cidr.network;
}
