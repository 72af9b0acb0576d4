/**
 * Sanity checks that the parser does not make: Max-Forwards (RFC 3261 §8.2.2 / §16.3), From
 * and To values (400), the Request-URI scheme (§8.2.2.1, 416), CSeq method agreement, and
 * Require (§8.2.2.3, 420) against the option tags the loaded modules implement.
 */
import { SipResponseError } from "../../../core/errors.js";
import { parseMaxForwards, parseNameAddr } from "../../../sip/parser/index.js";
import type { NameAddr } from "../../../sip/message/types.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";

export interface SanityOptions {
  /**
   * Whether a loaded module implements an option tag (`CapabilitySet.supports`). 100rel
   * (RFC 3262) and timer (RFC 4028) pass here when the call layer is loaded; whether the
   * endpoint has them switched off is decided where the endpoint is known (the call layer's
   * session-extensions.ts) and answered 420 there. Without it no tag is supported.
   */
  supports?: (optionTag: string) => boolean;
}

export class SanityStage implements PipelineStage {
  readonly name = "sanity";

  constructor(private readonly opts: SanityOptions = {}) {}

  run(ctx: RequestContext): StageResult {
    const { req } = ctx;
    const mf = req.headers.get("Max-Forwards");
    if (mf !== undefined) {
      if (!/^\d+$/.test(mf.trim())) throw new SipResponseError(400, "Bad Request", [], `Max-Forwards '${mf.trim().slice(0, 20)}' is not a number`);
      // 1*DIGIT, so leading zeros are fine (RFC 4475 §3.1.1.1 `wsinv`: `Max-Forwards: 0068`). A
      // value above 255 is read as no value: "the element could choose to process the request
      // as if the field were absent" (RFC 4475 §3.1.2.4).
      const n = parseMaxForwards(mf);
      // Requests to us with Max-Forwards 0 are still ours to answer (we are the target), except
      // that a proxy would answer 483; OPTIONS with 0 is explicitly answered by the UAS (§11).
      if (n === 0 && req.method !== "OPTIONS" && req.method !== "REGISTER") {
        throw new SipResponseError(483, "Too Many Hops", [], "Max-Forwards reached 0 (a routing loop?)");
      }
    }
    // From and To are read by every stage after this one (identification, tags, dialogs). RFC 4475
    // §3.1.2.14/15 (`badaspec`, `baddn`): "It is reasonable always to reject this kind of error
    // with a 400 Bad Request response."
    // (The parser already refused requests without them.)
    ctx.from = parsedNameAddr(req.headers.get("From"), "From");
    ctx.to = parsedNameAddr(req.headers.get("To"), "To");
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(req.uri)?.[1]?.toLowerCase();
    if (scheme !== "sip" && scheme !== "sips") {
      throw new SipResponseError(416, "Unsupported URI Scheme", [], `Request-URI scheme '${scheme ?? ""}' is not sip or sips`);
    }
    // §8.2.2.3: "If a UAS does not understand an option-tag listed in a Require header field, it
    // MUST respond by generating a response with status code 420 (Bad Extension). The UAS MUST add
    // an Unsupported header field, and list in it those options it does not understand".
    if (req.method !== "ACK" && req.method !== "CANCEL") {
      const unsupported = req.headers.getAll("Require").map((t) => t.trim().toLowerCase()).filter((t) => t && !(this.opts.supports?.(t) ?? false));
      if (unsupported.length) {
        throw new SipResponseError(420, "Bad Extension", [["Unsupported", unsupported.join(", ")]], `the request requires ${unsupported.join(", ")}, which Switchboard does not support yet`);
      }
    }
    return "continue";
  }
}

/** A From/To value parsed, or a 400 when it is present and does not parse. */
function parsedNameAddr(value: string | undefined, name: "From" | "To"): NameAddr | undefined {
  if (value === undefined) return undefined;
  const parsed = parseNameAddr(value);
  if (parsed === undefined) throw new SipResponseError(400, "Bad Request", [], `the ${name} header is not a valid name-addr or addr-spec`);
  return parsed;
}
