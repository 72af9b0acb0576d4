/**
 * SDES key exchange (RFC 4568): the `a=crypto` lines of an offer or answer, read and checked,
 * the choice of one of an offer's lines, and fresh keys for ours.
 *
 *   a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4
 *
 * The key-params after `inline:` are base64 of the 16-byte master key and 14-byte master salt,
 * optionally `|lifetime` (`2^20` or a number) and `|MKI:length`. Lines with
 * an unknown suite, a key of the wrong size, more than one key or session parameters we do not
 * implement (UNENCRYPTED_SRTP …) are skipped, so that another line of the offer can be chosen.
 */
import { randomBytes } from "node:crypto";
import type { SrtpMki, SrtpSuite } from "../srtp/srtp.js";

export interface SdesCrypto {
  tag: number;
  suite: SrtpSuite;
  /** base64 of master key || master salt (30 bytes). */
  inlineKey: string;
  /** The peer's `|MKI:length`: it puts that identifier before the tag of every packet. */
  mki?: SrtpMki;
}

export const SDES_SUITES: readonly SrtpSuite[] = ["AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"];

/** One `a=crypto` value (after `a=crypto:`), or the reason it is not usable here. */
export function parseCrypto(value: string): SdesCrypto | { skip: string } {
  const m = /^(\d{1,9})[ \t]+([A-Za-z0-9_]+)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(value.trim());
  if (m === null) return { skip: "not tag, suite and key-params" };
  const suite = SDES_SUITES.find((s) => s === m[2]);
  if (suite === undefined) return { skip: `suite ${m[2] ?? ""} is not supported (${SDES_SUITES.join(", ")})` };
  const keyParams = m[3] ?? "";
  if (keyParams.includes(";")) return { skip: "more than one key" };
  const km = /^inline:([A-Za-z0-9+/]+={0,2})(?:\|([^|]+))?(?:\|([^|]+))?$/.exec(keyParams);
  if (km === null) return { skip: "key-params are not inline:<base64>[|lifetime][|MKI:length]" };
  const raw = Buffer.from(km[1] ?? "", "base64");
  if (raw.length !== 30) return { skip: `the inline key is ${raw.length} bytes, ${suite} needs 30 (16 key + 14 salt)` };
  let mki: SrtpMki | undefined;
  for (const extra of [km[2], km[3]]) {
    if (extra === undefined) continue;
    const mm = /^(\d{1,10}):(\d{1,3})$/.exec(extra);
    if (mm !== null) {
      const value = Number(mm[1]);
      const length = Number(mm[2]);
      if (length < 1 || length > 128 || (length < 7 && value >= 2 ** (8 * length))) return { skip: `MKI ${extra} is not a value that fits its length (1 to 128 bytes)` };
      mki = { value, length };
    } else if (!/^(2\^\d{1,2}|\d{1,15})$/.test(extra)) return { skip: `lifetime '${extra}' is not 2^n or a number` };
  }
  if ((m[4] ?? "").trim() !== "") return { skip: `session parameters '${(m[4] ?? "").trim()}' are not supported` };
  const c: SdesCrypto = { tag: Number(m[1]), suite, inlineKey: km[1] ?? "" };
  if (mki !== undefined) c.mki = mki;
  return c;
}

/**
 * RFC 4568 §7.1.1: the answerer takes the first of the offer's lines it supports, in the
 * offerer's order; with `prefer32` (srtp_tag_32=yes) an _32 line wins when there is one.
 */
export function chooseCrypto(lines: readonly string[], prefer32 = false): { chosen: SdesCrypto | undefined; skipped: string[] } {
  const usable: SdesCrypto[] = [];
  const skipped: string[] = [];
  for (const line of lines) {
    const r = parseCrypto(line);
    // Tag and suite only: the key-params are the phone's secret and stay out of the log.
    if ("skip" in r) skipped.push(`a=crypto:${line.trim().split(/[ \t]+/).slice(0, 2).join(" ").slice(0, 60)}: ${r.skip}`);
    else usable.push(r);
  }
  const chosen = (prefer32 ? usable.find((c) => c.suite === "AES_CM_128_HMAC_SHA1_32") : undefined) ?? usable[0];
  return { chosen, skipped };
}

/** A fresh key for our side (new per call and per re-key), under the tag it answers or offers. */
export function freshCrypto(tag: number, suite: SrtpSuite): SdesCrypto {
  return { tag, suite, inlineKey: randomBytes(30).toString("base64") };
}

/** The `a=crypto` value of one of ours. */
export function formatCrypto(c: SdesCrypto): string {
  return `${c.tag} ${c.suite} inline:${c.inlineKey}`;
}

/**
 * Our offer's keys: one line per suite, fresh keys, the preferred suite first under tag 1
 * (AES_CM_128_HMAC_SHA1_80, or _32 with srtp_tag_32=yes); the answer names the tag it took.
 */
export function offerKeys(prefer32 = false): SdesCrypto[] {
  const order: SrtpSuite[] = prefer32 ? ["AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_80"] : ["AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"];
  return order.map((suite, i) => freshCrypto(i + 1, suite));
}

/**
 * The line of an answer that takes one of our offered keys (RFC 4568 §7.1.2: same tag and suite,
 * its own key), or the reason none does.
 */
export function answeredCrypto(offered: readonly SdesCrypto[], lines: readonly string[]): SdesCrypto | { skip: string } {
  if (lines.length === 0) return { skip: "the answer has no a=crypto line" };
  const reasons: string[] = [];
  for (const line of lines) {
    const r = parseCrypto(line);
    if ("skip" in r) {
      reasons.push(r.skip);
      continue;
    }
    if (offered.some((o) => o.tag === r.tag && o.suite === r.suite)) return r;
    reasons.push(`tag ${r.tag} ${r.suite} is not one we offered`);
  }
  return { skip: `no a=crypto line of the answer is usable (${reasons.join("; ")})` };
}
