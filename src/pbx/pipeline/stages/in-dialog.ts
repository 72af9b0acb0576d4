/**
 * Requests inside an existing dialog (a To tag; RFC 3261 §12.2.2) go straight to the call that
 * owns the dialog: BYE, re-INVITE, UPDATE, INFO … are matched by Call-ID and our tag, not by
 * identifying and challenging the sender again. A request that matches no dialog gets 481.
 */
import type { SipRequest, SipResponse } from "../../../sip/message/message.js";
import type { ServerTransaction } from "../../../sip/transaction/server-transaction.js";
import { hasTag } from "../../../sip/transaction/create-response.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";

export interface InDialogOptions {
  handle: (req: SipRequest, tx: ServerTransaction, respond: (res: SipResponse) => void) => void;
  respond: (ctx: RequestContext, res: SipResponse) => void;
}

export class InDialogStage implements PipelineStage {
  readonly name = "in-dialog";

  constructor(private readonly opts: InDialogOptions) {}

  run(ctx: RequestContext): StageResult {
    const m = ctx.req.method;
    if (m === "REGISTER" || m === "CANCEL" || m === "ACK") return "continue";
    if (!hasTag(ctx.req.headers.get("To") ?? "")) return "continue";
    this.opts.handle(ctx.req, ctx.tx, (res) => this.opts.respond(ctx, res));
    return "done";
  }
}
