/**
 * Generic `;name=value` parameters (RFC 3261 §25.1 `generic-param`, `uri-parameter`,
 * `via-params`). Names are lower-cased because parameter names are case-insensitive
 * (RFC 3261 §7.3.1, §19.1.4); values keep their case and, when quoted, their quotes, so that a
 * parse → format round trip is exact and `+sip.instance="<urn:...>"` survives untouched.
 */
import type { Params } from "../message/types.js";
import { CC_EQUAL, CC_QUOTE, CC_SEMI, isParamValueForbidden, isTokenChar, isWsp, skipQuoted } from "./chars.js";

function skipSws(s: string, i: number, end: number): number {
  while (i < end && isWsp(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Reads parameters from `s[start, end)`. The first `;` is required unless `leadingSemiOptional`. Returns undefined when the
 * text is not a parameter list (bad name, unterminated quote, junk between parameters).
 * When a name repeats, the first occurrence wins: a second `tag` must not silently replace the
 * one the transaction layer already matched on.
 */
export function readParams(s: string, start = 0, end = s.length, leadingSemiOptional = false): Params | undefined {
  const params: Params = new Map();
  let i = skipSws(s, start, end);
  let first = leadingSemiOptional;
  while (i < end) {
    if (s.charCodeAt(i) === CC_SEMI) i = skipSws(s, i + 1, end);
    else if (!first) return undefined;
    first = false;
    const nameStart = i;
    while (i < end && isTokenChar(s.charCodeAt(i))) i++;
    if (i === nameStart) return undefined;
    const name = s.slice(nameStart, i).toLowerCase();
    i = skipSws(s, i, end);
    let value: string | null = null;
    if (i < end && s.charCodeAt(i) === CC_EQUAL) {
      i = skipSws(s, i + 1, end);
      const valueStart = i;
      if (i < end && s.charCodeAt(i) === CC_QUOTE) {
        const q = skipQuoted(s, i);
        if (q < 0 || q > end) return undefined;
        i = q;
      } else {
        while (i < end) {
          const c = s.charCodeAt(i);
          if (c === CC_SEMI || isWsp(c)) break;
          if (isParamValueForbidden(c)) return undefined;
          i++;
        }
      }
      value = s.slice(valueStart, i);
      i = skipSws(s, i, end);
    }
    if (!params.has(name)) params.set(name, value);
    if (i < end && s.charCodeAt(i) !== CC_SEMI) return undefined;
  }
  return params;
}

/**
 * Parses `;a=b;c` (leading `;` optional) into a map; flag parameters map to null. Malformed
 * input yields an empty map rather than an exception, so callers on the hot path never throw.
 */
export function parseParams(s: string): Params {
  return readParams(s, 0, s.length, true) ?? new Map<string, string | null>();
}

/** Formats parameters as `;a=b;c` (empty string for none), in insertion order. */
export function formatParams(p: Params): string {
  let out = "";
  for (const [k, v] of p) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

/** The unquoted form of a parameter value (`"abc"` → `abc`); flags and absent params give undefined. */
export function paramValue(p: Params, name: string): string | undefined {
  const v = p.get(name);
  if (v === undefined || v === null) return undefined;
  if (v.length >= 2 && v.charCodeAt(0) === CC_QUOTE && v.charCodeAt(v.length - 1) === CC_QUOTE) {
    return v.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  return v;
}
