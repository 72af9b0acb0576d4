/**
 * Header values of the two session extensions: reliable provisional responses (RFC 3262: RSeq,
 * RAck, the `100rel` option tag) and session timers (RFC 4028: Session-Expires, Min-SE, the
 * `timer` option tag). Pure functions; the policy (which endpoint wants what, 420/421/422) is the
 * PBX's (pbx/channel/session-extensions.ts).
 */
import type { SipMessage } from "../message/message.js";

/** The option tags a message lists in `Supported` and in `Require` (lower case). */
export interface OptionTags {
  supported: Set<string>;
  required: Set<string>;
}

export function optionTagsOf(msg: Pick<SipMessage, "headers">): OptionTags {
  const tags = (name: string) => new Set(msg.headers.getAll(name).map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0));
  return { supported: tags("Supported"), required: tags("Require") };
}

/** True when the message lists the option tag in Supported or in Require. */
export function supportsTag(msg: Pick<SipMessage, "headers">, tag: string): boolean {
  const t = optionTagsOf(msg);
  return t.supported.has(tag) || t.required.has(tag);
}

export type Refresher = "uac" | "uas";

/** `Session-Expires: delta-seconds *(;se-params)` (RFC 4028 §4). */
export function parseSessionExpires(value: string | undefined): { interval: number; refresher: Refresher | undefined } | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d{1,10})\s*((?:;.*)?)$/.exec(value);
  if (!m?.[1]) return undefined;
  const refresher = /;\s*refresher\s*=\s*(uac|uas)\b/i.exec(m[2] ?? "")?.[1]?.toLowerCase() as Refresher | undefined;
  return { interval: Number(m[1]), refresher };
}

/** `Min-SE: delta-seconds` (RFC 4028 §5). */
export function parseMinSe(value: string | undefined): number | undefined {
  const m = /^\s*(\d{1,10})\s*(?:;.*)?$/.exec(value ?? "");
  return m?.[1] ? Number(m[1]) : undefined;
}

/** RFC 4028 §4/§5: no Session-Expires or Min-SE may be below 90 s. */
export const MIN_SESSION_INTERVAL = 90;
/** The longest session interval we run a timer for: one day (a peer may send up to 10 digits). */
export const MAX_SESSION_INTERVAL = 86_400;

/**
 * A session interval taken from the network, kept within [max(90, Min-SE), 86400] s: a huge one
 * would overflow the timer (Node fires delays above 2^31-1 ms after 1 ms) and a tiny one would
 * refresh or BYE in a loop.
 */
export function clampSessionInterval(interval: number, minSe = 0): number {
  return Math.min(MAX_SESSION_INTERVAL, Math.max(MIN_SESSION_INTERVAL, minSe, interval));
}

/** `RAck: response-num CSeq-num Method` (RFC 3262 §7.2). */
export function parseRAck(value: string | undefined): { rseq: number; cseq: number; method: string } | undefined {
  const m = /^\s*(\d{1,10})\s+(\d{1,10})\s+([A-Za-z]+)\s*$/.exec(value ?? "");
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { rseq: Number(m[1]), cseq: Number(m[2]), method: m[3].toUpperCase() };
}

/** `RSeq: response-num` (RFC 3262 §7.1), 1 … 2**31-1. */
export function parseRSeq(value: string | undefined): number | undefined {
  const m = /^\s*(\d{1,10})\s*$/.exec(value ?? "");
  const n = m?.[1] ? Number(m[1]) : NaN;
  return Number.isInteger(n) && n >= 1 && n < 2 ** 31 ? n : undefined;
}

/**
 * RFC 4028 §10: "If no session refresh request is received ... the UAS ... SHOULD send a BYE
 * request to terminate the session. It SHOULD send this BYE slightly before session expiration.
 * The minimum of 32 seconds and one third of the session interval is RECOMMENDED."
 */
export function sessionExpiryDelay(interval: number): number {
  return Math.max(1, interval - Math.min(32, interval / 3));
}

/** RFC 4028 §10: "the refresher SHOULD send a refresh at half the session interval". */
export function sessionRefreshDelay(interval: number): number {
  return Math.max(1, interval / 2);
}
