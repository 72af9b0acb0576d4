/**
 * The NOTICE Asterisk's distributor writes for a request it refuses (reference §3.2), in its
 * exact bytes, because fail2ban's stock `asterisk` filter and admins' scripts parse them:
 *
 *   [Dec  1 23:02:48] NOTICE[11612] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from
 *   '<sip:2001@127.0.0.1>' failed for '127.0.0.7:25171' (callid: 4owj…@127.0.0.7) - Failed to authenticate
 *
 * (one line). The From is printed as a name-addr without its header parameters (no tag), the
 * display name and URI as the peer sent them, always in angle brackets.
 */
import type { Logger } from "../../core/logger.js";
import { ASTERISK_SOURCE } from "../../core/logger.js";
import type { RequestContext } from "./request-context.js";

/** Asterisk's reasons, verbatim: the stock filter matches these words. */
export type FailedRequestReason = "No matching endpoint found" | "Failed to authenticate" | "Not match Endpoint ACL" | "Not match Endpoint Contact ACL";

/** The file Asterisk names in these lines. */
const DISTRIBUTOR = "res_pjsip/pjsip_distributor.c";

/** Longest From and Call-ID printed; the rest of an oversized value is attacker padding. */
const MAX_FROM = 200;
const MAX_CALL_ID = 100;

/**
 * The From header value as pjsip prints it: `"Name" <sip:u@h>` or `<sip:u@h>`, header
 * parameters (`;tag=…`) dropped. A token display name (`Bob Smith <sip:…>`) is printed quoted,
 * its inner whitespace as sent. An addr-spec (`sip:u@h;tag=x`, no brackets) ends at its first
 * `;`. A value that does not scan is printed as received.
 *
 * Unlike Asterisk, the characters fail2ban's stock filter uses as field ends are neutralised
 * (see `neutral`): Asterisk prints them raw, so a From of `"x' failed for '10.0.0.9' (callid: "`
 * makes the filter ban 10.0.0.9 instead of the sender.
 */
export function fromForLog(from: string): string {
  const s = from.trim();
  let i = 0;
  if (s.startsWith('"')) {
    // Skip the quoted display name, whose quoted-pairs may hide a `"` or a `<`.
    for (i = 1; i < s.length && s[i] !== '"'; i++) if (s[i] === "\\") i++;
    if (i >= s.length) return neutral(s, "_");
  }
  const lt = s.indexOf("<", i);
  if (lt < 0) {
    const semi = s.indexOf(";", i);
    return `<${neutral((semi < 0 ? s : s.slice(0, semi)).trim(), "%")}>`;
  }
  const gt = s.indexOf(">", lt);
  if (gt < 0) return neutral(s, "_");
  const display = s.slice(0, lt).trim();
  const quoted = display === "" || display.startsWith('"') ? display : `"${display}"`;
  return `${quoted === "" ? "" : neutral(quoted, "_") + " "}${neutral(s.slice(lt, gt + 1), "%")}`;
}

/**
 * What fail2ban's stock filter stops at must not come from a peer: `'`, `(` and `)` end its
 * `'[^']*'`, `'<HOST>'` and `(callid: [^\)]*)` fields, and a `:` followed by a space would let
 * its line prefix (`[^:]+:(?: [^:]+:)? `) swallow the text up to there, so that the rest of a
 * display name (`x: 10.0.0.9 failed to authenticate`) would start the matched text. In a URI they
 * (and whitespace, which a URI cannot hold) are percent-encoded (RFC 3261 §19.1.2: the same
 * URI); elsewhere they become `_`.
 */
function neutral(text: string, how: "%" | "_"): string {
  const pattern = how === "_" ? /['()]|:(?=\s)/g : /['()\s]/g;
  return text.replace(pattern, (c) => (how === "_" ? "_" : `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`));
}

/** Longest method printed: a token, unbounded in the grammar. */
const MAX_METHOD = 32;

/**
 * `Request 'M' from '<From>' failed for 'ip:port' (callid: X)`: the part of the line that comes
 * from the peer, made safe for fail2ban (see `neutral`; the first `:` of the line is then always
 * the one after the URI's scheme or the peer's address, never followed by a space).
 */
export function failedRequestHead(ctx: RequestContext): string {
  // The Call-ID comes from the attacker; with a `)` it could end the `(callid: …)` group early,
  // which the filter's `[^\)]*` relies on.
  const callId = neutral(ctx.callId.slice(0, MAX_CALL_ID), "_");
  const method = neutral(ctx.req.method.slice(0, MAX_METHOD), "_");
  return `Request '${method}' from '${fromForLog(ctx.fromText).slice(0, MAX_FROM)}' failed for '${ctx.peer}' (callid: ${callId})`;
}

/** The message text of the NOTICE (everything after `pjsip_distributor.c: `). */
export function failedRequestText(ctx: RequestContext, reason: FailedRequestReason): string {
  return `${failedRequestHead(ctx)} - ${reason}`;
}

/**
 * Writes the NOTICE. Nothing may follow the reason in the human line (Debian's filter ends in
 * `\s*$`), so the context sits under `sip`, which only the JSON log shows.
 */
export function logFailedRequest(log: Logger, ctx: RequestContext, reason: FailedRequestReason, detail: { username?: string | undefined; why?: string | undefined } = {}): void {
  log.notice(
    {
      [ASTERISK_SOURCE]: DISTRIBUTOR,
      sip: { peer: ctx.peer, username: detail.username?.slice(0, 64), reason: detail.why, userAgent: ctx.userAgent.slice(0, 80) },
    },
    failedRequestText(ctx, reason),
  );
}
