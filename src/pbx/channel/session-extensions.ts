/**
 * What an incoming INVITE gets for the two session extensions an endpoint configures:
 * reliable provisional responses (RFC 3262, endpoint `100rel`) and session timers (RFC 4028,
 * endpoints `timers`, `timers_min_se`, `timers_sess_expires`). Pure policy: the header grammar is
 * in sip/session/extension-headers.ts, the protocol behaviour in the sessions; the Allow and
 * Supported our messages advertise come from the loaded modules (endpoint/endpoint-capabilities.ts).
 *
 * `100rel` keeps Asterisk's meanings:
 *   no             never reliable; `Require: 100rel` → 420 with `Unsupported: 100rel`
 *   yes            supported: reliable only when the caller *requires* it
 *   peer_supported reliable when the caller supports or requires it
 *   required       always reliable; a caller that does not support it → 421 `Require: 100rel`
 *
 * `timers`: no (ignored; `Require: timer` → 420), yes (a timer when the caller asks for one),
 * required (a caller without `timer` support → 421), always/forced (also a timer, of
 * `timers_sess_expires`, when the caller supports timers without asking).
 */
import type { EndpointConfig } from "../../config/index.js";
import type { SipRequest } from "../../sip/message/message.js";
import { clampSessionInterval, optionTagsOf, parseMinSe, parseSessionExpires, type Refresher, type SessionTimerPolicy } from "../../sip/session/index.js";

/** A rejection the INVITE gets instead of a call. */
export interface ExtensionRejection {
  status: 420 | 421 | 422;
  reason: string;
  headers: Array<[string, string]>;
  /** For the log line: what was refused and which option decides it. */
  detail: string;
}

/** The session timer agreed for a call. */
export interface SessionTimerTerms {
  /** The session interval in seconds. */
  interval: number;
  /** Whether the caller listed `timer` (then our 2xx carries `Require: timer`). */
  peerSupports: boolean;
  /** `uac`: the caller refreshes, we BYE when it stops; `uas`: the caller asked us to refresh. */
  refresher: Refresher;
}

export interface ExtensionTerms {
  /** Send 18x responses reliably (RFC 3262). */
  reliable: boolean;
  timer: SessionTimerTerms | undefined;
}

/** Session timers for the endpoint's sessions: off with timers=no, else with its timers_min_se. */
export function timerPolicyFor(ep: Pick<EndpointConfig, "timers" | "timersMinSe">): SessionTimerPolicy | undefined {
  return ep.timers === "no" ? undefined : { minSe: ep.timersMinSe };
}

/** Decides 100rel and session timers for an initial INVITE from this endpoint. */
export function negotiateExtensions(req: Pick<SipRequest, "headers">, ep: Pick<EndpointConfig, "id" | "rel100" | "timers" | "timersMinSe" | "timersSessExpires">): { ok: true; terms: ExtensionTerms } | { ok: false; rejection: ExtensionRejection } {
  const tags = optionTagsOf(req);
  const has = (t: string) => tags.supported.has(t) || tags.required.has(t);

  // RFC 3261 §8.2.2.3: an option tag in Require we do not do (here: switched off for this
  // endpoint) gets 420 with the tag in Unsupported.
  const unsupported = [
    ...(ep.rel100 === "no" && tags.required.has("100rel") ? ["100rel"] : []),
    ...(ep.timers === "no" && tags.required.has("timer") ? ["timer"] : []),
  ];
  if (unsupported.length > 0) {
    return {
      ok: false,
      rejection: {
        status: 420,
        reason: "Bad Extension",
        headers: [["Unsupported", unsupported.join(", ")]],
        detail: `the INVITE requires ${unsupported.join(", ")}, which endpoint '${ep.id}' has switched off (${unsupported.map((t) => (t === "100rel" ? "100rel=no" : "timers=no")).join(", ")})`,
      },
    };
  }
  // RFC 3262 §3 leaves it to the UAS to insist; 421 (RFC 3261 §21.4.16) names what it needs.
  if (ep.rel100 === "required" && !has("100rel")) {
    return { ok: false, rejection: { status: 421, reason: "Extension Required", headers: [["Require", "100rel"]], detail: `endpoint '${ep.id}' has 100rel=required but the caller does not support 100rel` } };
  }
  if (ep.timers === "required" && !has("timer")) {
    return { ok: false, rejection: { status: 421, reason: "Extension Required", headers: [["Require", "timer"]], detail: `endpoint '${ep.id}' has timers=required but the caller does not support session timers` } };
  }

  const reliable = ep.rel100 === "required" || (ep.rel100 === "peer_supported" && has("100rel")) || (ep.rel100 !== "no" && tags.required.has("100rel"));

  let timer: SessionTimerTerms | undefined;
  if (ep.timers !== "no") {
    const se = parseSessionExpires(req.headers.get("Session-Expires"));
    const peerSupports = has("timer");
    const minSe = parseMinSe(req.headers.get("Min-SE"));
    if (se && peerSupports && se.interval < ep.timersMinSe) {
      // RFC 4028 §9: "the UAS MAY reject the INVITE request with a 422 (Session Interval Too
      // Small) response" ... "The UAS MUST include a Min-SE header field in the 422 response".
      return {
        ok: false,
        rejection: {
          status: 422,
          reason: "Session Interval Too Small",
          headers: [["Min-SE", String(ep.timersMinSe)]],
          detail: `Session-Expires ${se.interval} is below timers_min_se=${ep.timersMinSe} of endpoint '${ep.id}'`,
        },
      };
    }
    if (se && peerSupports) {
      // §9: "If the request contained a refresher parameter, the UAS MUST set the value of the
      // refresher parameter in the Session-Expires header field in the 2xx to the value in the
      // request"; without one we leave the refreshing to the caller.
      timer = { interval: clampSessionInterval(se.interval, ep.timersMinSe), peerSupports, refresher: se.refresher ?? "uac" };
    } else if (!se && peerSupports && (ep.timers === "always" || ep.timers === "forced" || ep.timers === "required")) {
      // §9: "The UAS may request a session timer in the 2XX response by including a
      // Session-Expires header field. The value MUST NOT be set to a duration lower than the
      // value in the Min-SE header field in the request".
      timer = { interval: clampSessionInterval(ep.timersSessExpires, Math.max(ep.timersMinSe, minSe ?? 0)), peerSupports, refresher: "uac" };
    }
    // Intervals from the caller are kept within [max(90, Min-SE), 86400] s (clampSessionInterval).
    // DEVIATION(RFC 4028 §9): a Session-Expires without `timer` in Supported was inserted by a
    // proxy and would make us the refresher toward a caller that does not know the extension;
    // such a session runs without a timer, as with Asterisk.
  }
  return { ok: true, terms: { reliable, timer } };
}
