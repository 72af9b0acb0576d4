/**
 * IP address and network matching (CIDR `192.0.2.0/24`, dotted masks `192.0.2.0/255.255.255.0`,
 * IPv6 `2001:db8::/32`), used by identify `match`, transport `local_net`, logger host filters
 * and the guard's whitelist.
 */
import { isIP } from "node:net";

export interface IpNetwork {
  family: 4 | 6;
  /** Network address bytes (4 or 16). */
  bytes: Uint8Array;
  prefix: number;
  /** The text it was parsed from. */
  text: string;
}

export function ipToBytes(address: string): Uint8Array | undefined {
  const a = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const fam = isIP(a);
  if (fam === 4) return Uint8Array.from(a.split(".").map((x) => Number(x)));
  if (fam !== 6) return undefined;
  // IPv4-mapped tail (::ffff:1.2.3.4) is turned into two hextets first.
  let text = a.split("%")[0] ?? a;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = tail.split(".").map(Number);
    text = `${text.slice(0, lastColon + 1)}${(((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16)}:${(((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const h = head ? head.split(":") : [];
  const r = rest !== undefined && rest !== "" ? rest.split(":") : [];
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill("0"), ...r];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g || "0", 16);
    out[i * 2] = (v >> 8) & 0xff;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

function maskBitsFromDotted(mask: string): number | undefined {
  const b = ipToBytes(mask);
  if (!b || b.length !== 4) return undefined;
  let bits = 0;
  let seenZero = false;
  for (const byte of b) {
    for (let i = 7; i >= 0; i--) {
      const one = (byte >> i) & 1;
      if (one && seenZero) return undefined; // non-contiguous mask
      if (one) bits++;
      else seenZero = true;
    }
  }
  return bits;
}

/** Parses `addr`, `addr/len` or `addr/dotted-mask`; undefined when not an IP network. */
export function parseNetwork(text: string): IpNetwork | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const addr = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const bytes = ipToBytes(addr);
  if (!bytes) return undefined;
  const family: 4 | 6 = bytes.length === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const m = trimmed.slice(slash + 1);
    if (/^\d{1,3}$/.test(m)) prefix = Number(m);
    else if (family === 4) {
      const bits = maskBitsFromDotted(m);
      if (bits === undefined) return undefined;
      prefix = bits;
    } else return undefined;
    if (prefix > max) return undefined;
  }
  const net = Uint8Array.from(bytes);
  for (let i = 0; i < net.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    net[i] = (net[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return { family, bytes: net, prefix, text: trimmed };
}

export function networkContains(net: IpNetwork, address: string): boolean {
  let b = ipToBytes(address);
  if (!b) return false;
  // Treat IPv4-mapped IPv6 addresses as IPv4.
  if (b.length === 16 && net.family === 4 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    b = b.slice(12);
  }
  if (b.length !== net.bytes.length) return false;
  for (let i = 0; i < b.length; i++) {
    const keep = Math.max(0, Math.min(8, net.prefix - i * 8));
    if (keep === 0) return true;
    const mask = (0xff << (8 - keep)) & 0xff;
    if (((b[i] ?? 0) & mask) !== (net.bytes[i] ?? 0)) return false;
  }
  return true;
}

export function anyNetworkContains(nets: readonly IpNetwork[], address: string): boolean {
  for (const n of nets) if (networkContains(n, address)) return true;
  return false;
}

/** RFC 1918, loopback, link-local, CGNAT and IPv6 ULA/link-local ranges. */
export const PRIVATE_NETWORKS: readonly IpNetwork[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "100.64.0.0/10",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
].map((t) => parseNetwork(t) as IpNetwork);

export function isPrivateAddress(address: string): boolean {
  return anyNetworkContains(PRIVATE_NETWORKS, address);
}

/**
 * One spelling per address, so that bans typed at the console, read from configuration and
 * seen on sockets compare equal: surrounding brackets stripped, IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`) reduced to its IPv4 address, and IPv6 in the RFC 5952 §4 text form —
 * the form Node reports for socket addresses. Undefined when `text` is not an IP address.
 */
export function canonicalIp(text: string): string | undefined {
  const trimmed = text.trim();
  const bare = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed;
  const fam = isIP(bare);
  if (fam === 4) return bare;
  if (fam !== 6) return undefined;
  const percent = bare.indexOf("%");
  const zone = percent < 0 ? "" : bare.slice(percent);
  const bytes = ipToBytes(percent < 0 ? bare : bare.slice(0, percent));
  if (!bytes || bytes.length !== 16) return undefined;
  if (bytes.slice(0, 10).every((x) => x === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952 §4.2.2–4.2.3: "::" MUST NOT be used to shorten just one 16-bit 0 field; it
  // shortens the longest run of zero fields, and the first one when runs tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // RFC 5952 §4.3: the characters "a" to "f" MUST be lowercase; §4.1: leading zeros MUST be suppressed.
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  const body = bestLen < 2 ? hex(groups) : `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
  return body + zone;
}
