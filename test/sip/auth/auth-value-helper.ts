/**
 * Test helper: turns `Digest a="b",c=d` into the AuthValue the SIP parser hands to the auth
 * layer (names lower-cased, quotes and backslash escapes removed). Deliberately small; the real
 * header parser lives in src/sip/parser.
 */
import type { AuthValue } from "../../../src/sip/message/types.js";

export function authValue(text: string): AuthValue {
  const sp = text.indexOf(" ");
  const scheme = sp < 0 ? text : text.slice(0, sp);
  const params = new Map<string, string>();
  const rest = sp < 0 ? "" : text.slice(sp + 1);
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/gy;
  for (let m = re.exec(rest); m !== null && m[0] !== ""; m = re.exec(rest)) {
    const name = (m[1] ?? "").toLowerCase();
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
    params.set(name, value);
  }
  return { scheme, params };
}

/** A copy of `v` with parameters changed (undefined deletes). */
export function withParams(v: AuthValue, changes: Record<string, string | undefined>): AuthValue {
  const params = new Map(v.params);
  for (const [k, val] of Object.entries(changes)) {
    if (val === undefined) params.delete(k);
    else params.set(k, val);
  }
  return { scheme: v.scheme, params };
}
