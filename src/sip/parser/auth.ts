/**
 * Authentication challenges and credentials (RFC 3261 §22, §25.1; RFC 7616): a scheme followed
 * by comma-separated `name=value` auth-params whose values may be quoted strings containing
 * commas.
 */
import type { AuthValue } from "../message/types.js";
import { CC_COMMA, CC_EQUAL, CC_QUOTE, isToken, isTokenChar, isWsp, quote, readQuoted, skipWs } from "./chars.js";

/** Parameters quoted in a WWW-Authenticate / Proxy-Authenticate challenge (RFC 7616 §3.3). */
export const CHALLENGE_QUOTED: ReadonlySet<string> = new Set(["realm", "nonce", "opaque", "qop", "domain"]);

/** Parameters quoted in Authorization / Proxy-Authorization credentials (RFC 7616 §3.4). */
export const CREDENTIALS_QUOTED: ReadonlySet<string> = new Set([
  "username",
  "realm",
  "nonce",
  "uri",
  "response",
  "cnonce",
  "opaque",
]);

/**
 * Parses `Digest username="a", realm="b", nc=00000001, ...`. Parameter names are lower-cased,
 * quoted values unescaped. A repeated parameter makes the value malformed (RFC 7616 §3.4: each
 * parameter MUST NOT appear more than once), since two `response`s would be ambiguous.
 */
export function parseAuth(input: string): AuthValue | undefined {
  const s = input;
  let i = skipWs(s, 0);
  const schemeStart = i;
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  if (i === schemeStart) return undefined;
  const scheme = s.slice(schemeStart, i);
  const params = new Map<string, string>();
  if (i < s.length && !isWsp(s.charCodeAt(i))) return undefined;
  i = skipWs(s, i);
  let expectParam = true;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === CC_COMMA) {
      // Empty list elements (`a=1,,b=2`) are allowed by the #rule of RFC 7230 §7.
      i = skipWs(s, i + 1);
      expectParam = true;
      continue;
    }
    if (!expectParam) return undefined;
    const nameStart = i;
    while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
    if (i === nameStart) return undefined;
    const name = s.slice(nameStart, i).toLowerCase();
    i = skipWs(s, i);
    if (s.charCodeAt(i) !== CC_EQUAL) return undefined;
    i = skipWs(s, i + 1);
    let value: string;
    if (s.charCodeAt(i) === CC_QUOTE) {
      const q = readQuoted(s, i);
      if (q === undefined) return undefined;
      value = q.value;
      i = q.end;
    } else {
      const vStart = i;
      // Token values; some clients send an unquoted `uri=sip:x@y`, so only stop at comma/space.
      while (i < s.length) {
        const ch = s.charCodeAt(i);
        if (ch === CC_COMMA || isWsp(ch) || ch === CC_QUOTE || ch < 0x20) break;
        i++;
      }
      if (i === vStart) return undefined;
      value = s.slice(vStart, i);
    }
    if (params.has(name)) return undefined;
    params.set(name, value);
    expectParam = false;
    i = skipWs(s, i);
  }
  return { scheme, params };
}

/**
 * Formats a challenge or credentials. Values named in `quoted` (default: the challenge set) are
 * quoted; others stay bare unless they are not tokens, in which case quoting is the only way to
 * send them intact.
 */
export function formatAuth(a: AuthValue, quoted: ReadonlySet<string> = CHALLENGE_QUOTED): string {
  const parts: string[] = [];
  for (const [k, v] of a.params) parts.push(`${k}=${quoted.has(k) || !isToken(v) ? quote(v) : v}`);
  return parts.length === 0 ? a.scheme : `${a.scheme} ${parts.join(", ")}`;
}
