/**
 * Small header values: CSeq (RFC 3261 §20.16), Expires (§20.19), Max-Forwards (§20.22) and
 * Content-Length (§20.14).
 */
import type { CSeq } from "../message/types.js";
import { isToken, isWsp, parseDigits } from "./chars.js";

/** Largest CSeq sequence number: "The sequence number MUST be expressible as a 32-bit unsigned integer and MUST be less than 2**31." */
export const MAX_CSEQ = 2 ** 31 - 1;

/** Largest delta-seconds value (RFC 3261 §20.19: between 0 and (2**32)-1). */
export const MAX_DELTA_SECONDS = 2 ** 32 - 1;

/** Parses `4711 INVITE`. */
export function parseCSeq(input: string): CSeq | undefined {
  const s = input.trim();
  let i = 0;
  while (i < s.length && !isWsp(s.charCodeAt(i))) i++;
  const seq = parseDigits(s.slice(0, i), 10);
  if (seq === undefined || seq > MAX_CSEQ) return undefined;
  while (i < s.length && isWsp(s.charCodeAt(i))) i++;
  const method = s.slice(i);
  if (!isToken(method)) return undefined;
  return { seq, method };
}

export function formatCSeq(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}

/**
 * Parses delta-seconds. Values above 2**32-1 are clamped to it (a registrar then applies its
 * own maximum), which is what an over-long digit string most plausibly means.
 */
export function parseExpires(input: string): number | undefined {
  const s = input.trim();
  if (s.length === 0) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const n = parseDigits(s, 10);
  return n === undefined || n > MAX_DELTA_SECONDS ? MAX_DELTA_SECONDS : n;
}

/** Parses Max-Forwards: an integer 0..255 (RFC 3261 §20.22). */
export function parseMaxForwards(input: string): number | undefined {
  const n = parseDigits(input.trim(), 3);
  return n === undefined || n > 255 ? undefined : n;
}

/** Parses a Content-Length value; undefined when not a plain non-negative decimal below 2**31. */
export function parseContentLength(input: string): number | undefined {
  const n = parseDigits(input.trim(), 10);
  return n === undefined || n > MAX_CSEQ ? undefined : n;
}
