/**
 * Character classes of the RFC 3261 §25.1 ABNF, as lookup tables indexed by char code. The
 * parsers walk strings with `charCodeAt` and these tables instead of regular expressions, so
 * their running time is linear in the input whatever an attacker sends.
 */

function table(chars: string, ranges: Array<[number, number]> = []): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) t[c] = 1;
  return t;
}

const ALNUM: Array<[number, number]> = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

/** RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"). */
const TOKEN = table("-.!%*_+`'~", ALNUM);

/** Characters allowed in a host name or IPv4 literal; `_` is accepted because real networks use it. */
const HOST = table("-._", ALNUM);

/** Characters allowed inside `[...]` of an IPv6 reference (hex, colons, dots, zone-less). */
const IPV6 = table(":.", [
  [0x30, 0x39],
  [0x41, 0x46],
  [0x61, 0x66],
]);

/**
 * Characters that may never appear unescaped in a URI we accept: controls, space and the
 * RFC 2396 "unwise"/delimiter set that would break header framing (`"<>\`{}|^` and backslash).
 */
const URI_FORBIDDEN = table('"<>\\`{}|^ ', [[0x00, 0x1f]]);
URI_FORBIDDEN[0x7f] = 1;

export const CC_SP = 0x20;
export const CC_HTAB = 0x09;
export const CC_CR = 0x0d;
export const CC_LF = 0x0a;
export const CC_QUOTE = 0x22;
export const CC_BACKSLASH = 0x5c;
export const CC_SEMI = 0x3b;
export const CC_COLON = 0x3a;
export const CC_EQUAL = 0x3d;
export const CC_COMMA = 0x2c;
export const CC_LT = 0x3c;
export const CC_GT = 0x3e;

export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isHostChar(c: number): boolean {
  return c < 128 && HOST[c] === 1;
}

export function isIpv6Char(c: number): boolean {
  return c < 128 && IPV6[c] === 1;
}

/** Non-ASCII (already UTF-8 decoded) characters are tolerated in URIs; ASCII ones are checked. */
export function isUriForbidden(c: number): boolean {
  return c < 128 && URI_FORBIDDEN[c] === 1;
}

/**
 * For unquoted header parameter values (`gen-value = token / host / quoted-string`): the URI
 * set minus the backquote, which is a token character ("`" is in RFC 3261 §25.1 `token`, so
 * `tag=_token~1'+`*%!-.` and `branch=z9hG4bK-.!%66*_+`'~` are valid, RFC 4475 §3.1.1.2).
 * Inside a URI the backquote stays forbidden: `parseUri` checks the whole URI first.
 */
export function isParamValueForbidden(c: number): boolean {
  return c !== 0x60 && c < 128 && URI_FORBIDDEN[c] === 1;
}

export function isWsp(c: number): boolean {
  return c === CC_SP || c === CC_HTAB;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** True when the whole string is a non-empty RFC 3261 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/** Index of the first non-whitespace char at or after `i` (SP, HTAB, CR, LF count as LWS). */
export function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== CC_SP && c !== CC_HTAB && c !== CC_CR && c !== CC_LF) break;
    i++;
  }
  return i;
}

/**
 * Parses a string of decimal digits with at most `maxDigits` digits (leading zeros allowed, as
 * `1*DIGIT` permits them). Returns undefined for empty, non-digit or too-long input, so the value
 * never loses precision.
 */
export function parseDigits(s: string, maxDigits = 10): number | undefined {
  // Leading zeros do not count towards the precision limit ("00000001" is a fine nonce-count).
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 0x30) i++;
  if (s.length === 0 || s.length - i > maxDigits) return undefined;
  let n = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

/**
 * Reads an RFC 3261 quoted-string starting at `s[i] === '"'`. Returns the unescaped content and
 * the index just past the closing quote, or undefined when the quote is not terminated.
 */
export function readQuoted(s: string, i: number): { value: string; end: number } | undefined {
  let out = "";
  let runStart = i + 1;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === CC_BACKSLASH) {
      if (j + 1 >= s.length) return undefined;
      out += s.slice(runStart, j);
      runStart = j + 1;
      j++;
    } else if (c === CC_QUOTE) {
      out += s.slice(runStart, j);
      return { value: out, end: j + 1 };
    }
  }
  return undefined;
}

/** Index just past the quoted-string starting at `s[i] === '"'`, or -1 when unterminated. */
export function skipQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === CC_BACKSLASH) j++;
    else if (c === CC_QUOTE) return j + 1;
  }
  return -1;
}

/** Wraps a string in double quotes, escaping `"` and `\` (RFC 3261 §25.1 quoted-pair). */
export function quote(s: string): string {
  let needsEscape = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === CC_QUOTE || c === CC_BACKSLASH) {
      needsEscape = true;
      break;
    }
  }
  if (!needsEscape) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === CC_QUOTE || c === CC_BACKSLASH) out += "\\";
    out += s[i];
  }
  return out + '"';
}
