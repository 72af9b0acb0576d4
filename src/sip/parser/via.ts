/**
 * Via header field values (RFC 3261 §20.42, §25.1 `via-parm`): one hop per call.
 */
import type { Via } from "../message/types.js";
import { formatParams, readParams } from "./params.js";
import { formatHost } from "./uri.js";
import { CC_COLON, CC_SEMI, isHostChar, isIpv6Char, isTokenChar, isWsp, parseDigits, skipWs } from "./chars.js";

function readToken(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** Expects `/` after optional whitespace (`SLASH = SWS "/" SWS`); returns the index after it, or -1. */
function readSlash(s: string, i: number): number {
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 0x2f) return -1;
  return skipWs(s, i + 1);
}

/**
 * Parses one Via hop: `SIP/2.0/UDP host[:port];branch=...`. Whitespace around `/` and `:` is
 * accepted as the grammar's SWS allows; protocol and transport are upper-cased.
 */
export function parseVia(input: string): Via | undefined {
  const s = input;
  let i = skipWs(s, 0);
  const nameStart = i;
  i = readToken(s, i);
  if (i === nameStart) return undefined;
  const protoName = s.slice(nameStart, i);
  i = readSlash(s, i);
  if (i < 0) return undefined;
  const verStart = i;
  i = readToken(s, i);
  if (i === verStart) return undefined;
  const version = s.slice(verStart, i);
  i = readSlash(s, i);
  if (i < 0) return undefined;
  const tStart = i;
  i = readToken(s, i);
  if (i === tStart) return undefined;
  const transport = s.slice(tStart, i).toUpperCase();
  // sent-protocol LWS sent-by: at least one whitespace character is required here.
  if (i >= s.length || !isWsp(s.charCodeAt(i))) return undefined;
  i = skipWs(s, i);

  let host: string;
  const hStart = i;
  if (s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf("]", i);
    if (close < 0) return undefined;
    host = s.slice(i + 1, close);
    if (host.length < 2 || host.indexOf(":") < 0) return undefined;
    for (let j = 0; j < host.length; j++) if (!isIpv6Char(host.charCodeAt(j))) return undefined;
    i = close + 1;
  } else {
    while (i < s.length && isHostChar(s.charCodeAt(i))) i++;
    if (i === hStart) return undefined;
    host = s.slice(hStart, i);
  }
  let port: number | undefined;
  let j = skipWs(s, i);
  if (s.charCodeAt(j) === CC_COLON) {
    j = skipWs(s, j + 1);
    const pStart = j;
    while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
    port = parseDigits(s.slice(pStart, j), 5);
    if (port === undefined || port > 65535) return undefined;
    i = j;
  }
  i = skipWs(s, i);
  if (i < s.length && s.charCodeAt(i) !== CC_SEMI) return undefined;
  const params = readParams(s, i);
  if (params === undefined) return undefined;
  const via: Via = { protocol: `${protoName.toUpperCase()}/${version}`, transport, host, params };
  if (port !== undefined) via.port = port;
  return via;
}

/** Formats one Via hop: `SIP/2.0/UDP host:port;params`. */
export function formatVia(v: Via): string {
  const port = v.port !== undefined ? `:${v.port}` : "";
  return `${v.protocol}/${v.transport} ${formatHost(v.host)}${port}${formatParams(v.params)}`;
}
