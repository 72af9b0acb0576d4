/**
 * Dispatch by method: REGISTER to the registrar, OPTIONS (RFC 3261 §11) and CANCEL (§9.2)
 * answered here, a known method this version does not handle yet answered 405 with the methods
 * it does (§8.2.1), an unknown one 501. Allow, Supported, Accept and Allow-Events are the loaded
 * modules' capabilities (core/module-capabilities.ts), handed in by the pipeline module.
 */
import { SipResponseError } from "../../../core/errors.js";
import { createResponse } from "../../../sip/transaction/create-response.js";
import type { SipRequest, SipResponse } from "../../../sip/message/message.js";
import type { InviteServerTransaction } from "../../../sip/transaction/server-transaction.js";
import type { Registrar } from "../../registrar/registrar.js";
import type { RequestHandlers } from "../request-handlers.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";

export interface DispatchOptions {
  registrar: Registrar;
  respond: (ctx: RequestContext, res: SipResponse) => void;
  /** The `Allow` value: the methods the loaded modules handle. */
  allow: () => string;
  /** The `Supported` value of the OPTIONS answer; omitted when empty or absent. */
  supported?: () => string;
  /** The `Accept` value of the OPTIONS answer; omitted when empty or absent. */
  accept?: () => string;
  /** The `Allow-Events` value of the OPTIONS answer; omitted when empty or absent. */
  allowEvents?: () => string;
  /**
   * The INVITE server transaction a CANCEL refers to (`TransactionLayer.findInviteForCancel`).
   * Without it every CANCEL is answered 481.
   */
  findInviteForCancel?: (cancel: SipRequest) => InviteServerTransaction | undefined;
  /** New calls (INVITE outside a dialog); without it INVITE is answered 405. */
  invite?: (ctx: RequestContext) => Promise<void>;
  /** Told when a CANCEL ended an INVITE; returns the To tag our responses to it carried. */
  onCancel?: (invite: InviteServerTransaction) => string | undefined;
  /** Methods feature modules answer (SUBSCRIBE). */
  handlers?: RequestHandlers;
}

/** Methods of RFC 3261 and its registered extensions (3262, 3311, 3428, 3515, 3903, 6086, 6665). */
const KNOWN_METHODS = new Set(["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK", "UPDATE", "MESSAGE", "REFER", "PUBLISH", "INFO", "SUBSCRIBE", "NOTIFY"]);

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
        // §11.2: "Allow, Accept, Accept-Encoding, Accept-Language, and Supported header fields
        // SHOULD be present in a 200 (OK) response to an OPTIONS request."
        const res = createResponse(ctx.req, 200);
        res.headers.append("Allow", this.opts.allow());
        const optional: Array<[string, (() => string) | undefined]> = [
          ["Accept", this.opts.accept],
          ["Supported", this.opts.supported],
          ["Allow-Events", this.opts.allowEvents],
        ];
        for (const [name, value] of optional) {
          const v = value?.();
          if (v) res.headers.append(name, v);
        }
        this.opts.respond(ctx, res);
        return "done";
      }
      case "CANCEL":
        this.cancel(ctx);
        return "done";
      default: {
        const h = this.opts.handlers?.forMethod(ctx.req.method);
        if (h !== undefined) {
          h.outOfDialog(ctx, (res) => this.opts.respond(ctx, res));
          return "done";
        }
        break;
      }
    }
    // RFC 3261 §8.2.1: "If the UAS recognizes but does not support the method of a request, it
    // MUST generate a 405"; a method it does not recognize at all gets 501 (§21.5.2), with the
    // methods it understands in Allow (RFC 4475 §3.1.1.2 `intmeth`, §3.1.1.5 `esc02`).
    if (!KNOWN_METHODS.has(ctx.req.method)) {
      throw new SipResponseError(501, "Not Implemented", [["Allow", this.opts.allow()]], `${ctx.req.method.slice(0, 20)} is not a SIP method Switchboard knows (allowed: ${this.opts.allow()})`);
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
