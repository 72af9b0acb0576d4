/**
 * Dispatch by method: REGISTER to the registrar, OPTIONS (RFC 3261 §11) and CANCEL (§9.2)
 * answered here, anything this version does not handle yet answered 405 with the methods it
 * does (§8.2.1).
 */
import { SipResponseError } from "../../../core/errors.js";
import { createResponse } from "../../../sip/transaction/create-response.js";
import type { SipRequest, SipResponse } from "../../../sip/message/message.js";
import type { InviteServerTransaction } from "../../../sip/transaction/server-transaction.js";
import type { Registrar } from "../../registrar/registrar.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";

export interface DispatchOptions {
  registrar: Registrar;
  respond: (ctx: RequestContext, res: SipResponse) => void;
  allow: () => string;
  /**
   * The INVITE server transaction a CANCEL refers to (`TransactionLayer.findInviteForCancel`).
   * Without it every CANCEL is answered 481.
   */
  findInviteForCancel?: (cancel: SipRequest) => InviteServerTransaction | undefined;
  /** New calls (INVITE outside a dialog); without it INVITE is answered 405. */
  invite?: (ctx: RequestContext) => Promise<void>;
  /** Told when a CANCEL ended an INVITE; returns the To tag our responses to it carried. */
  onCancel?: (invite: InviteServerTransaction) => string | undefined;
}

export class DispatchStage implements PipelineStage {
  readonly name = "dispatch";

  constructor(private readonly opts: DispatchOptions) {}

  run(ctx: RequestContext): StageResult | Promise<StageResult> {
    switch (ctx.req.method) {
      case "INVITE":
        if (!this.opts.invite) break;
        return this.opts.invite(ctx).then(() => "done" as const);
      case "REGISTER":
        this.opts.registrar.handle(ctx);
        return "done";
      case "OPTIONS": {
        const res = createResponse(ctx.req, 200);
        res.headers.append("Allow", this.opts.allow());
        res.headers.append("Accept", "application/sdp");
        res.headers.append("Supported", "100rel, timer");
        this.opts.respond(ctx, res);
        return "done";
      }
      case "CANCEL":
        this.cancel(ctx);
        return "done";
      default:
        break;
    }
    throw new SipResponseError(405, "Method Not Allowed", [["Allow", this.opts.allow()]], `${ctx.req.method.slice(0, 20)} is not handled by this version (allowed: ${this.opts.allow()})`);
  }

  /**
   * §9.2. CANCEL used to fall through to 405, which no UA expects: a CANCEL is answered by the
   * UAS itself, 200 when it matches a transaction and 481 when it does not.
   */
  private cancel(ctx: RequestContext): void {
    const invite = this.opts.findInviteForCancel?.(ctx.req);
    if (!invite) {
      // "If the UAS did not find a matching transaction for the CANCEL ... it SHOULD respond to
      // the CANCEL with a 481 (Call Leg/Transaction Does Not Exist)."
      throw new SipResponseError(481, "Call/Transaction Does Not Exist");
    }
    const inviteReq = invite.request;
    const pending = invite.state === "Proceeding" && inviteReq !== undefined;
    const toTag = this.opts.onCancel?.(invite);
    // "as long as the CANCEL matched an existing transaction, the UAS answers the CANCEL request
    // itself with a 200 (OK) response." "The To tag of the response to the CANCEL and the To tag
    // in the response to the original request SHOULD be the same" — it used to be a random one.
    this.opts.respond(ctx, createResponse(ctx.req, 200, undefined, toTag));
    if (pending && inviteReq) {
      // "If the original request was an INVITE, the UAS SHOULD immediately respond to the INVITE
      // with a 487 (Request Terminated)." An INVITE that already has its final response is left alone.
      this.opts.respond({ ...ctx, req: inviteReq, tx: invite }, createResponse(inviteReq, 487, undefined, toTag));
    }
  }
}
