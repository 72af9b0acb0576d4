/**
 * 100 Trying for INVITE (RFC 3261 §17.2.1: "the server transaction MUST generate a 100 (Trying)
 * response unless it knows that the TU will generate a provisional or final response within
 * 200 ms"). Sent here, after the guard, rather than by the transaction layer, so that a request
 * the guard drops gets no answer at all.
 */
import { createResponse } from "../../../sip/transaction/create-response.js";
import type { SipResponse } from "../../../sip/message/message.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";

export class TryingStage implements PipelineStage {
  readonly name = "trying";

  constructor(private readonly respond: (ctx: RequestContext, res: SipResponse) => void) {}

  run(ctx: RequestContext): StageResult {
    if (ctx.req.method === "INVITE") this.respond(ctx, createResponse(ctx.req, 100));
    return "continue";
  }
}
