/**
 * Dispatch by method: REGISTER to the registrar, OPTIONS answered here (RFC 3261 §11), anything
 * this version does not handle yet answered 405 with the methods it does (§8.2.1).
 */
import { SipResponseError } from "../../../core/errors.js";
import { createResponse } from "../../../sip/transaction/create-response.js";
import type { SipResponse } from "../../../sip/message/message.js";
import type { Registrar } from "../../registrar/registrar.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";

export interface DispatchOptions {
  registrar: Registrar;
  respond: (ctx: RequestContext, res: SipResponse) => void;
  allow: () => string;
}

export class DispatchStage implements PipelineStage {
  readonly name = "dispatch";

  constructor(private readonly opts: DispatchOptions) {}

  run(ctx: RequestContext): StageResult {
    switch (ctx.req.method) {
      case "REGISTER":
        this.opts.registrar.handle(ctx);
        return "done";
      case "OPTIONS": {
        const res = createResponse(ctx.req, 200);
        res.headers.append("Allow", this.opts.allow());
        res.headers.append("Accept", "application/sdp");
        res.headers.append("Supported", "path, replaces");
        this.opts.respond(ctx, res);
        return "done";
      }
      default:
        throw new SipResponseError(405, "Method Not Allowed", [["Allow", this.opts.allow()]]);
    }
  }
}
