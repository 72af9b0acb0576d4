/**
 * name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25.1): the value grammar of
 * From, To, Contact, Route, Record-Route, Refer-To, P-Asserted-Identity and friends.
 */
import type { NameAddr } from "../message/types.js";
import { formatParams, readParams } from "./params.js";
import { formatUri, parseUri } from "./uri.js";
import { CC_LT, CC_QUOTE, CC_SP, isTokenChar, quote, readQuoted, skipWs } from "./chars.js";

/**
 * Parses one name-addr or addr-spec with its header parameters. Returns undefined on malformed
 * input (unterminated quote, missing `>`, bad URI, junk after the URI).
 */
export function parseNameAddr(input: string): NameAddr | undefined {
  const s = input;
  const i = skipWs(s, 0);
  if (i >= s.length) return undefined;
  let displayName: string | undefined;
  let lt: number;
  if (s.charCodeAt(i) === CC_QUOTE) {
    const q = readQuoted(s, i);
    if (q === undefined) return undefined;
    displayName = q.value;
    lt = skipWs(s, q.end);
    if (s.charCodeAt(lt) !== CC_LT) return undefined;
  } else {
    lt = s.indexOf("<", i);
    if (lt < 0) return parseAddrSpec(s, i);
    const name = s.slice(i, lt).trim();
    if (name.length > 0) {
      // RFC 3261 §25.1: display-name = *(token LWS) / quoted-string.
      for (let j = 0; j < name.length; j++) {
        const c = name.charCodeAt(j);
        if (!isTokenChar(c) && c !== CC_SP && c !== 0x09 && c < 0x80) return undefined;
      }
      displayName = name.replace(/[ \t]+/g, " ");
    }
  }
  const gt = s.indexOf(">", lt + 1);
  if (gt < 0) return undefined;
  // LAQUOT addr-spec RAQUOT: whitespace may surround the brackets but never sits inside them
  // (RFC 4475 §3.1.2.14 `badaspec`, `< sip:t.watson@example.org >`); controls count too, or a
  // stray CR there would be accepted now and refused once the serializer made it a space.
  if (s.charCodeAt(lt + 1) <= CC_SP || s.charCodeAt(gt - 1) <= CC_SP) return undefined;
  const uri = parseUri(s.slice(lt + 1, gt));
  if (uri === undefined) return undefined;
  const params = readParams(s, gt + 1);
  if (params === undefined) return undefined;
  const out: NameAddr = { uri, params };
  if (displayName !== undefined) out.displayName = displayName;
  return out;
}

/**
 * RFC 3261 §20: "If the URI is not enclosed in angle brackets, any semicolon-delimited
 * parameters are header-parameters, not URI parameters."
 */
function parseAddrSpec(s: string, start: number): NameAddr | undefined {
  const at = s.indexOf("@", start);
  const semi = s.indexOf(";", at >= 0 ? at : start);
  const uriEnd = semi < 0 ? s.length : semi;
  const uriText = s.slice(start, uriEnd).trim();
  // An addr-spec may not contain `,`, `?` or `;` outside its parameters (they would be ambiguous).
  if (uriText.indexOf(",") >= 0 || uriText.indexOf("?") >= 0 || uriText.indexOf('"') >= 0) return undefined;
  if (uriText.indexOf(">") >= 0) return undefined;
  const uri = parseUri(uriText);
  if (uri === undefined) return undefined;
  const params = semi < 0 ? new Map<string, string | null>() : readParams(s, semi);
  if (params === undefined) return undefined;
  return { uri, params };
}

function needsQuoting(name: string): boolean {
  if (name.length === 0) return true;
  if (name.charCodeAt(0) === CC_SP || name.charCodeAt(name.length - 1) === CC_SP) return true;
  let prevSpace = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === CC_SP) {
      if (prevSpace) return true;
      prevSpace = true;
      continue;
    }
    prevSpace = false;
    if (!isTokenChar(c)) return true;
  }
  return false;
}

/** Formats as `"Display" <uri>;params` (always the angle-bracket form; quotes only when needed). */
export function formatNameAddr(n: NameAddr): string {
  let out = "";
  if (n.displayName !== undefined && n.displayName !== "") {
    out = needsQuoting(n.displayName) ? `${quote(n.displayName)} ` : `${n.displayName} `;
  }
  return `${out}<${formatUri(n.uri)}>${formatParams(n.params)}`;
}
