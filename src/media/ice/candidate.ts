/**
 * ICE candidates (RFC 8445 §5.1) and their SDP form (RFC 8839 §5.1):
 *
 *     candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
 *                           connection-address SP port SP "typ" SP cand-type
 *                           [SP "raddr" SP address SP "rport" SP port] *(SP extension-att-name SP extension-att-value)
 *
 * Only UDP candidates are used; the peer's others are skipped (RFC 8839 §5.1: an agent "MUST
 * ignore" candidates of a transport it does not understand).
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";

export type CandidateType = "host" | "srflx" | "prflx" | "relay";

export interface IceCandidate {
  foundation: string;
  /** 1 = RTP, 2 = RTCP (RFC 8445 §5.1.1.1). */
  component: number;
  priority: number;
  address: string;
  port: number;
  type: CandidateType;
  /** The related address: a srflx's base, a relay's mapped address. */
  relatedAddress?: string;
  relatedPort?: number;
}

/** RFC 8445 §5.1.2.2 recommended type preferences. */
export const TYPE_PREFERENCE: Record<CandidateType, number> = { host: 126, prflx: 110, srflx: 100, relay: 0 };

/** §5.1.2.1: priority = 2^24 * type preference + 2^8 * local preference + (256 - component ID). */
export function candidatePriority(type: CandidateType, component: number, localPreference = 65535): number {
  return TYPE_PREFERENCE[type] * 0x1000000 + localPreference * 0x100 + (256 - component);
}

/**
 * §5.1.1.3: the foundation is the same for candidates of the same type, base IP and server, and
 * differs otherwise. A string of ice-chars, 1 to 32 (RFC 8839).
 */
export function foundationOf(type: CandidateType, baseAddress: string, server = ""): string {
  let h = 0;
  for (const ch of `${type}|${baseAddress}|${server}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return String(h);
}

/**
 * §5.3: "The ufrag value MUST contain at least 24 bits of randomness, and the password value
 * MUST contain at least 128 bits of randomness." ice-char is ALPHA / DIGIT / "+" / "/" (RFC 8839
 * §5.4): 8 base64 characters give 48 bits, 24 give 144.
 */
export function iceCredentials(): { ufrag: string; pwd: string } {
  const chars = (n: number) => randomBytes(n).toString("base64").replace(/=+$/, "");
  return { ufrag: chars(6), pwd: chars(18) };
}

/** The 64-bit tie-breaker of §7.3.1.1, as a decimal string so it crosses postMessage. */
export function tieBreaker(): string {
  return randomBytes(8).readBigUInt64BE().toString();
}

/** The value after `a=candidate:`. */
export function formatCandidate(c: IceCandidate): string {
  const base = `${c.foundation} ${c.component} UDP ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  return c.relatedAddress !== undefined ? `${base} raddr ${c.relatedAddress} rport ${c.relatedPort ?? 0}` : base;
}

/** Reads one `a=candidate:` value; undefined for anything malformed or not UDP. */
export function parseCandidate(text: string): IceCandidate | undefined {
  const f = text.trim().replace(/^candidate:/i, "").split(/\s+/);
  if (f.length < 8 || f[6]?.toLowerCase() !== "typ") return undefined;
  const [foundation = "", comp = "", transport = "", prio = "", address = "", port = "", , type = ""] = f;
  if (transport.toUpperCase() !== "UDP" || !/^[A-Za-z0-9+/]{1,32}$/.test(foundation)) return undefined;
  const component = Number(comp);
  const priority = Number(prio);
  const p = Number(port);
  if (!Number.isInteger(component) || component < 1 || component > 256) return undefined;
  if (!Number.isInteger(priority) || priority < 1 || priority > 0xffffffff) return undefined;
  if (!Number.isInteger(p) || p < 1 || p > 65535 || isIP(address) === 0) return undefined;
  if (type !== "host" && type !== "srflx" && type !== "prflx" && type !== "relay") return undefined;
  const c: IceCandidate = { foundation, component, priority, address, port: p, type };
  for (let i = 8; i + 1 < f.length; i += 2) {
    if (f[i] === "raddr") c.relatedAddress = f[i + 1] ?? "";
    else if (f[i] === "rport") c.relatedPort = Number(f[i + 1]);
  }
  return c;
}

/** A description's ICE parameters (RFC 8839 §5.4, §5.1). */
export interface IceParameters {
  ufrag: string;
  pwd: string;
  candidates: IceCandidate[];
  /** a=ice-lite (RFC 8839 §5.3). */
  lite?: boolean;
}

/** §6.1.2.3: pair priority = 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), G the controlling agent's candidate priority. */
export function pairPriority(controlling: number, controlled: number): bigint {
  const g = BigInt(controlling);
  const d = BigInt(controlled);
  return (1n << 32n) * (g < d ? g : d) + 2n * (g > d ? g : d) + (g > d ? 1n : 0n);
}
