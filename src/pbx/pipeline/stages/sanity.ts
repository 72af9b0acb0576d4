/**
 * Sanity checks that the parser does not make: Max-Forwards (RFC 3261 §8.2.2 / §16.3),
 * the Request-URI scheme (§8.2.2.1, 416), and CSeq method agreement.
 */
import { SipResponseError } from "../../../core/errors.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";

export class SanityStage implements PipelineStage {
  readonly name = "sanity";

  run(ctx: RequestContext): StageResult {
    const { req } = ctx;
    const mf = req.headers.get("Max-Forwards");
    if (mf !== undefined) {
      const n = Number(mf.trim());
      if (!/^\d{1,3}$/.test(mf.trim())) throw new SipResponseError(400, "Bad Request", [], `Max-Forwards '${mf.trim().slice(0, 20)}' is not a number`);
      // Requests to us with Max-Forwards 0 are still ours to answer (we are the target), except
      // that a proxy would answer 483; OPTIONS with 0 is explicitly answered by the UAS (§11).
      if (n === 0 && req.method !== "OPTIONS" && req.method !== "REGISTER") {
        throw new SipResponseError(483, "Too Many Hops", [], "Max-Forwards reached 0 (a routing loop?)");
      }
    }
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(req.uri)?.[1]?.toLowerCase();
    if (scheme !== "sip" && scheme !== "sips") {
      throw new SipResponseError(416, "Unsupported URI Scheme", [], `Request-URI scheme '${scheme ?? ""}' is not sip or sips`);
    }
    // §8.2.2.3: "If a UAS does not understand an option-tag listed in a Require header field, it
    // MUST respond by generating a response with status code 420 (Bad Extension). The UAS MUST add
    // an Unsupported header field, and list in it those options it does not understand".
    if (req.method !== "ACK" && req.method !== "CANCEL") {
      const unsupported = req.headers.getAll("Require").map((t) => t.trim().toLowerCase()).filter((t) => t && !SUPPORTED_OPTIONS.has(t));
      if (unsupported.length) {
        throw new SipResponseError(420, "Bad Extension", [["Unsupported", unsupported.join(", ")]], `the request requires ${unsupported.join(", ")}, which Switchboard does not support yet`);
      }
    }
    return "continue";
  }
}

/**
 * Option tags a request may require (RFC 3261 §19.2): 100rel (RFC 3262) and timer (RFC 4028)
 * pass here; whether the endpoint has them switched off is decided in the call manager, where
 * the endpoint is known (session-extensions.ts), and answered 420 there.
 */
const SUPPORTED_OPTIONS = new Set(["100rel", "timer"]);
