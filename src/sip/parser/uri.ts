/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966). Escaped characters in the user part
 * are kept escaped, so a parsed URI formats back to the same text and comparisons that need
 * unescaping (RFC 3261 §19.1.4) can do it explicitly.
 */
import type { SipUri } from "../message/types.js";
import { formatParams, readParams } from "./params.js";
import {
  CC_COLON,
  isDigit,
  isHexDigit,
  isHostChar,
  isIpv6Char,
  isUriForbidden,
  parseDigits,
} from "./chars.js";

/** Longest URI we try to parse; anything longer is refused rather than walked. */
const MAX_URI_LENGTH = 8192;

function isSchemeChar(c: number, first: boolean): boolean {
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  if (first) return alpha;
  return alpha || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e;
}

/** Checks the user/password part: no forbidden characters and every `%` followed by two hex digits. */
function validUserPart(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) {
      if (!isHexDigit(s.charCodeAt(i + 1)) || !isHexDigit(s.charCodeAt(i + 2))) return false;
      i += 2;
    } else if (isUriForbidden(c) || c === 0x40 /* @ */) return false;
  }
  return true;
}

/** Parses `host[:port]` in `s[start, end)`; IPv6 references lose their brackets. */
function parseHostPort(s: string, start: number, end: number): { host: string; port: number | undefined } | undefined {
  let i = start;
  let host: string;
  if (s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf("]", i);
    if (close < 0 || close >= end) return undefined;
    host = s.slice(i + 1, close);
    if (host.length < 2 || host.indexOf(":") < 0) return undefined;
    for (let j = 0; j < host.length; j++) if (!isIpv6Char(host.charCodeAt(j))) return undefined;
    i = close + 1;
  } else {
    while (i < end && isHostChar(s.charCodeAt(i))) i++;
    if (i === start) return undefined;
    host = s.slice(start, i);
  }
  if (i === end) return { host, port: undefined };
  if (s.charCodeAt(i) !== CC_COLON) return undefined;
  const port = parseDigits(s.slice(i + 1, end), 5);
  if (port === undefined || port > 65535) return undefined;
  return { host, port };
}

/** Parses `?h1=v1&h2=v2` (without the `?`) into a raw map. */
function parseUriHeaders(s: string): Map<string, string> | undefined {
  const headers = new Map<string, string>();
  if (s.length === 0) return headers;
  for (const part of s.split("&")) {
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    if (name.length === 0 || !validUserPart(name) || !validUserPart(value)) return undefined;
    if (!headers.has(name)) headers.set(name, value);
  }
  return headers;
}

/**
 * Parses a URI. `sip:`/`sips:` get the full RFC 3261 §19.1.1 breakdown; `tel:` keeps the number
 * in `host` with its parameters; any other absolute URI is kept opaque: `host` is "" and `user`
 * carries the scheme-specific part so that `formatUri` gives the text back. Returns undefined on
 * malformed input.
 */
export function parseUri(input: string): SipUri | undefined {
  const s = input.trim();
  if (s.length === 0 || s.length > MAX_URI_LENGTH) return undefined;
  let i = 0;
  while (i < s.length && isSchemeChar(s.charCodeAt(i), i === 0)) i++;
  if (i === 0 || s.charCodeAt(i) !== CC_COLON) return undefined;
  const scheme = s.slice(0, i).toLowerCase();
  const rest = s.slice(i + 1);
  if (rest.length === 0) return undefined;
  // Whitespace, quotes and angle brackets never occur unescaped inside a URI (RFC 3986 §2).
  for (let j = 0; j < rest.length; j++) if (isUriForbidden(rest.charCodeAt(j))) return undefined;
  if (scheme === "sip" || scheme === "sips") return parseSipUri(scheme, rest);
  if (scheme === "tel") {
    const semi = rest.indexOf(";");
    const number = semi < 0 ? rest : rest.slice(0, semi);
    const params = semi < 0 ? new Map<string, string | null>() : readParams(rest, semi);
    if (number.length === 0 || params === undefined) return undefined;
    return { scheme, host: number, params, headers: new Map() };
  }
  return { scheme, user: rest, host: "", params: new Map(), headers: new Map() };
}

function parseSipUri(scheme: string, rest: string): SipUri | undefined {
  // RFC 3261 §25.1: the user part may hold ";", "?", "/" and "," (user-unreserved) and the
  // password "&", "=", "+", "$" and ",", but neither ever holds an unescaped "@" and neither do
  // parameters or headers. So the first "@" ends the userinfo, and only after it do ";" and "?"
  // start parameters and headers (RFC 4475 §3.1.1.2 `intmeth`, §3.1.1.9 `semiuri`).
  const at = rest.indexOf("@");
  const q = rest.indexOf("?", at + 1);
  const main = q < 0 ? rest : rest.slice(0, q);
  const headers = q < 0 ? new Map<string, string>() : parseUriHeaders(rest.slice(q + 1));
  if (headers === undefined) return undefined;

  let user: string | undefined;
  let password: string | undefined;
  let hostStart = 0;
  if (at >= 0) {
    const userinfo = main.slice(0, at);
    const colon = userinfo.indexOf(":");
    user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (colon >= 0) password = userinfo.slice(colon + 1);
    if (user.length === 0 || !validUserPart(user)) return undefined;
    if (password !== undefined && !validUserPart(password)) return undefined;
    hostStart = at + 1;
  }
  const semi = main.indexOf(";", hostStart);
  const hostEnd = semi < 0 ? main.length : semi;
  const hp = parseHostPort(main, hostStart, hostEnd);
  if (hp === undefined) return undefined;
  const params = semi < 0 ? new Map<string, string | null>() : readParams(main, semi);
  if (params === undefined) return undefined;
  const uri: SipUri = { scheme, host: hp.host, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (hp.port !== undefined) uri.port = hp.port;
  return uri;
}

/** Host as it appears in a URI or Via: IPv6 literals get their brackets back. */
export function formatHost(host: string): string {
  return host.indexOf(":") >= 0 && host.charCodeAt(0) !== 0x5b ? `[${host}]` : host;
}

/** Formats a URI parsed by `parseUri` (or built by hand) back to text. */
export function formatUri(u: SipUri): string {
  if (u.scheme !== "sip" && u.scheme !== "sips" && u.scheme !== "tel") return `${u.scheme}:${u.user ?? ""}`;
  if (u.scheme === "tel") return `tel:${u.host}${formatParams(u.params)}`;
  let out = `${u.scheme}:`;
  if (u.user !== undefined) {
    out += u.user;
    if (u.password !== undefined) out += `:${u.password}`;
    out += "@";
  }
  out += formatHost(u.host);
  if (u.port !== undefined) out += `:${u.port}`;
  out += formatParams(u.params);
  if (u.headers.size > 0) {
    let sep = "?";
    for (const [k, v] of u.headers) {
      out += `${sep}${k}=${v}`;
      sep = "&";
    }
  }
  return out;
}
