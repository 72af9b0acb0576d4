/**
 * Value parsers shared by every object type: Asterisk's booleans, integers, address masks,
 * `host[:port]`, identify match items and `ALG:hash` password digests. Each returns a value or a
 * reason phrased as advice ("use yes or no"), never throws.
 */
import { isIP } from "node:net";

const TRUE_WORDS = new Set(["yes", "true", "y", "t", "1", "on"]);
const FALSE_WORDS = new Set(["no", "false", "n", "f", "0", "off"]);

/** Asterisk's ast_true()/ast_false(): yes/no, true/false, on/off, y/n, t/f, 1/0; else undefined. */
export function parseAsteriskBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  return undefined;
}

/** A whole decimal number, or undefined for anything else (Asterisk's "%30d" with no leftovers). */
export function parseInteger(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function parseFloatStrict(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) return undefined;
  return Number(t);
}

/** An address with a prefix length, as written in `local_net=` or `match=`. */
export interface CidrEntry {
  readonly address: string;
  readonly prefixLength: number;
  readonly family: 4 | 6;
}

/** Dotted IPv4 netmask → prefix length; undefined unless the ones are contiguous. */
export function dottedMaskToPrefix(mask: string): number | undefined {
  if (isIP(mask) !== 4) return undefined;
  const bits = mask
    .split(".")
    .map((o) => Number(o).toString(2).padStart(8, "0"))
    .join("");
  if (!/^1*0*$/.test(bits)) return undefined;
  return bits.indexOf("0") < 0 ? 32 : bits.indexOf("0");
}

/** `192.168.0.0/16`, `192.168.0.0/255.255.0.0`, `10.0.0.1`, `2001:db8::/32`. */
export function parseCidr(text: string): CidrEntry | string {
  const t = text.trim();
  const slash = t.indexOf("/");
  const address = slash < 0 ? t : t.slice(0, slash);
  const detected = isIP(address);
  if (detected === 0) return `'${address}' is not an IPv4 or IPv6 address`;
  const family: 4 | 6 = detected === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return { address, prefixLength: max, family };
  const mask = t.slice(slash + 1);
  const bits = /^\d+$/.test(mask) ? Number(mask) : family === 4 ? dottedMaskToPrefix(mask) : undefined;
  if (bits === undefined || bits > max) {
    return `'${mask}' is not a valid mask; write a prefix length (0-${max})${family === 4 ? " or a dotted mask like 255.255.255.0" : ""}`;
  }
  return { address, prefixLength: bits, family };
}

/** A `bind=` address. `port` is 0 when the text has none (the protocol's default applies). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

function parsePort(text: string): number | undefined {
  const n = parseInteger(text);
  return n !== undefined && n >= 1 && n <= 65535 ? n : undefined;
}

/** `0.0.0.0`, `0.0.0.0:5060`, `[::]`, `[::]:5060` or a bare IPv6 address. */
export function parseHostPort(text: string): HostPort | string {
  const t = text.trim();
  let host = t;
  let portText: string | undefined;
  if (t.startsWith("[")) {
    const close = t.indexOf("]");
    if (close < 0) return `'${t}' has no closing ']'`;
    host = t.slice(1, close);
    const rest = t.slice(close + 1);
    if (rest.length > 0) {
      if (!rest.startsWith(":")) return `'${t}' has text after ']' that is not ':port'`;
      portText = rest.slice(1);
    }
    if (isIP(host) !== 6) return `'${host}' is not an IPv6 address`;
  } else if (isIP(t) === 0) {
    const colon = t.lastIndexOf(":");
    if (colon < 0 || t.indexOf(":") !== colon) return `'${t}' is not an IP address; write e.g. 0.0.0.0:5060 or [::]:5060`;
    host = t.slice(0, colon);
    portText = t.slice(colon + 1);
    if (isIP(host) !== 4) return `'${host}' is not an IP address; write e.g. 0.0.0.0:5060 or [::]:5060`;
  }
  if (portText === undefined) return { host, port: 0 };
  const port = parsePort(portText);
  if (port === undefined) return `'${portText}' is not a port number (1-65535)`;
  return { host, port };
}

/** One `match=` item of an identify section. */
export type IdentifyMatch =
  | { readonly kind: "ip"; readonly address: string; readonly prefixLength: number; readonly family: 4 | 6; readonly port?: number }
  | { readonly kind: "host"; readonly host: string; readonly port?: number };

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;

/**
 * `addr[:port][/mask]`, `[v6]:port[/mask]`, `v6[/mask]` or a hostname (`sip.example.com[:port]`).
 * Hostnames are kept as written; resolving them is the identify module's job.
 */
export function parseMatchItem(text: string): IdentifyMatch | string {
  const t = text.trim();
  const slash = t.lastIndexOf("/");
  const hostPart = slash < 0 ? t : t.slice(0, slash);
  const maskPart = slash < 0 ? undefined : t.slice(slash + 1);
  let host = hostPart;
  let port: number | undefined;
  if (hostPart.startsWith("[")) {
    const hp = parseHostPort(hostPart);
    if (typeof hp === "string") return hp;
    host = hp.host;
    if (hp.port !== 0) port = hp.port;
  } else if (isIP(hostPart) === 0) {
    const colon = hostPart.lastIndexOf(":");
    if (colon >= 0) {
      if (hostPart.indexOf(":") !== colon) return `'${t}' is not an address; write IPv6 with a port as [2001:db8::1]:5060`;
      const p = parsePort(hostPart.slice(colon + 1));
      if (p === undefined) return `'${hostPart.slice(colon + 1)}' is not a port number (1-65535)`;
      host = hostPart.slice(0, colon);
      port = p;
    }
  }
  const withPort = <T extends object>(o: T): T & { port?: number } => (port === undefined ? o : { ...o, port });
  if (isIP(host) !== 0) {
    const cidr = parseCidr(maskPart === undefined ? host : `${host}/${maskPart}`);
    if (typeof cidr === "string") return cidr;
    return withPort({ kind: "ip" as const, ...cidr });
  }
  if (maskPart !== undefined) return `'${t}' has a mask but '${host}' is not an IP address`;
  if (!HOSTNAME.test(host)) return `'${t}' is neither an IP address, a network nor a host name`;
  return withPort({ kind: "host" as const, host });
}

/** One `password_digest=ALG:hash` entry. */
export interface PasswordDigest {
  readonly algorithm: "MD5" | "SHA-256" | "SHA-512-256";
  readonly hash: string;
}

const DIGEST_HEX_LENGTH: Record<PasswordDigest["algorithm"], number> = { MD5: 32, "SHA-256": 64, "SHA-512-256": 64 };

/** `MD5:43a8d9be3da524f9a59ca0593d7b1b5d`; the hash is of `username:realm:password`. */
export function parsePasswordDigest(text: string): PasswordDigest | string {
  const t = text.trim();
  const colon = t.indexOf(":");
  const alg = (colon < 0 ? "" : t.slice(0, colon)).toUpperCase();
  const hash = (colon < 0 ? t : t.slice(colon + 1)).trim().toLowerCase();
  if (alg !== "MD5" && alg !== "SHA-256" && alg !== "SHA-512-256") {
    return `'${t}' must be ALG:hash with ALG one of MD5, SHA-256 or SHA-512-256`;
  }
  const length = DIGEST_HEX_LENGTH[alg];
  if (!new RegExp(`^[0-9a-f]{${length}}$`).test(hash)) {
    return `the ${alg} hash must be ${length} hexadecimal digits (the digest of username:realm:password)`;
  }
  return { algorithm: alg, hash };
}

/** Splits a comma list (`a, b,c`), dropping empty items. */
export function splitList(text: string, separators = /,/): string[] {
  return text
    .split(separators)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
