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
    return "continue";
  }
}
