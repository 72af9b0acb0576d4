/**
 * The Refer-To of a REFER (RFC 3515 §2.1) and the Replaces header it may embed (RFC 3891 §6.1):
 * a blind transfer names where the other party goes; an attended one adds `?Replaces=` naming the
 * dialog of the consultation call (Call-ID, to-tag, from-tag), %-escaped inside the URI.
 */
import { parseNameAddr, unescapeUser } from "../../sip/parser/index.js";

/** RFC 3891 §6.1: `Replaces: callid;to-tag=…;from-tag=…[;early-only]`. */
export interface ReplacesTarget {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly: boolean;
}

export interface ReferTarget {
  /** The user part, unescaped (the extension a blind transfer sends the other party to). */
  user: string | undefined;
  host: string;
  /** The embedded Replaces of an attended transfer. */
  replaces: ReplacesTarget | undefined;
}

export type ReferToResult = { ok: true; target: ReferTarget } | { ok: false; problem: string };

export function parseReferTo(value: string | undefined): ReferToResult {
  if (value === undefined || value.trim() === "") return { ok: false, problem: "no Refer-To header" };
  const na = parseNameAddr(value);
  if (!na) return { ok: false, problem: `unreadable Refer-To '${value}'` };
  const uri = na.uri;
  if (uri.scheme !== "sip" && uri.scheme !== "sips" && uri.scheme !== "tel") return { ok: false, problem: `Refer-To '${value}' is not a sip:, sips: or tel: URI` };
  let replaces: ReplacesTarget | undefined;
  for (const [name, raw] of uri.headers) {
    if (name.toLowerCase() !== "replaces") continue;
    const text = safeDecode(raw);
    replaces = text === undefined ? undefined : parseReplaces(text);
    if (replaces === undefined) return { ok: false, problem: `unreadable Replaces '${raw}' in Refer-To` };
  }
  const user = uri.scheme === "tel" ? uri.host : uri.user !== undefined ? unescapeUser(uri.user) : undefined;
  return { ok: true, target: { user, host: uri.scheme === "tel" ? "" : uri.host, replaces } };
}

/** Parses a Replaces header value; undefined without a Call-ID or either tag. */
export function parseReplaces(text: string): ReplacesTarget | undefined {
  const parts = text.split(";").map((p) => p.trim());
  const callId = parts.shift() ?? "";
  if (callId === "") return undefined;
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const p of parts) {
    const eq = p.indexOf("=");
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? "" : p.slice(eq + 1).trim();
    if (name === "to-tag") toTag = v;
    else if (name === "from-tag") fromTag = v;
    else if (name === "early-only") earlyOnly = true;
  }
  if (toTag === undefined || fromTag === undefined) return undefined;
  return { callId, toTag, fromTag, earlyOnly };
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
