/**
 * Methods a feature module answers (SUBSCRIBE for event packages …), registered with the
 * pipeline instead of wired into it: the dispatch stage hands a request outside any dialog to
 * the handler of its method, and the in-dialog stage hands a request to the handler that owns
 * its dialog, before the call layer sees it.
 */
import type { SipRequest, SipResponse } from "../../sip/message/message.js";
import type { ServerTransaction } from "../../sip/transaction/server-transaction.js";
import type { RequestContext } from "./request-context.js";

export interface MethodHandler {
  /** Upper case: `SUBSCRIBE`. */
  readonly method: string;
  /** A request outside any dialog, identified and authenticated; `respond` adds our Server header. */
  outOfDialog(ctx: RequestContext, respond: (res: SipResponse) => void): void;
  /** True when an in-dialog request (any method) belongs to one of this handler's dialogs. */
  ownsDialog(req: SipRequest): boolean;
  inDialog(req: SipRequest, tx: ServerTransaction, respond: (res: SipResponse) => void): void;
}

export class RequestHandlers {
  private readonly handlers: MethodHandler[] = [];

  register(h: MethodHandler): () => void {
    this.handlers.push(h);
    return () => {
      const i = this.handlers.indexOf(h);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  forMethod(method: string): MethodHandler | undefined {
    return this.handlers.find((h) => h.method === method);
  }

  dialogOwner(req: SipRequest): MethodHandler | undefined {
    return this.handlers.find((h) => h.ownsDialog(req));
  }
}
