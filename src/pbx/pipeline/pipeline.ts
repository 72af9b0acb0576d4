/**
 * The inbound request pipeline (STYLE.md §1). It reads like a checklist:
 *
 *   ban check (in the transport, before parsing) → sanity → flood detection → identify endpoint
 *   → endpoint ACL → authenticate → dispatch by method
 *
 * (The ACL comes before the challenge, as in Asterisk's distributor: a refused source learns
 * nothing about the account's credentials.)
 *
 * Stages are named and ordered here; each lives in its own file. A stage that throws
 * `SipResponseError` gets that response sent; anything else becomes 500 plus an error log line
 * with the peer address.
 */
import type { Logger } from "../../core/logger.js";
import { SipResponseError } from "../../core/errors.js";
import type { SipRequest, SipResponse } from "../../sip/message/message.js";
import type { ServerTransaction } from "../../sip/transaction/server-transaction.js";
import type { TransactionUser } from "../../sip/transaction/transaction-layer.js";
import { createResponse } from "../../sip/transaction/create-response.js";
import { formatHostPort, type Flow } from "../../sip/transport/types.js";
import type { PipelineStage, RequestContext } from "./request-context.js";
import { failedRequestHead } from "./failed-request.js";

export interface PipelineOptions {
  log: Logger;
  stages: PipelineStage[];
  /** Headers added to every response we send (Server, Allow…). */
  decorate: (res: SipResponse) => void;
  /** ACKs for 2xx responses (they match no transaction) go to the calls. */
  onAck?: (req: SipRequest, flow: Flow) => void;
  /** Responses that matched no client transaction (retransmitted 2xx to our INVITEs). */
  onStrayResponse?: (res: SipResponse, flow: Flow) => void;
}

export class RequestPipeline implements TransactionUser {
  constructor(private readonly opts: PipelineOptions) {}

  get stageNames(): string[] {
    return this.opts.stages.map((s) => s.name);
  }

  onStrayResponse(res: SipResponse, flow: Flow): void {
    this.opts.onStrayResponse?.(res, flow);
  }

  onRequest(req: SipRequest, tx: ServerTransaction | undefined, flow: Flow): void {
    if (!tx) {
      this.opts.onAck?.(req, flow);
      return;
    }
    const ctx: RequestContext = {
      req,
      tx,
      flow,
      log: this.opts.log,
      peer: formatHostPort(flow.remoteAddress, flow.remotePort),
      callId: req.headers.get("Call-ID") ?? "",
      fromText: req.headers.get("From") ?? "",
      userAgent: req.headers.get("User-Agent") ?? "",
    };
    void this.run(ctx);
  }

  private async run(ctx: RequestContext): Promise<void> {
    let stage = "";
    try {
      for (const s of this.opts.stages) {
        stage = s.name;
        const r = s.run(ctx);
        const result = r instanceof Promise ? await r : r;
        if (result === "done") return;
      }
    } catch (err) {
      if (err instanceof SipResponseError) {
        // One line per rejected request, in the layout of Asterisk's distributor NOTICE.
        this.opts.log.notice(
          { peer: ctx.peer, endpoint: ctx.endpoint?.id, status: err.status, stage },
          `${failedRequestHead(ctx)} - ${err.status} ${err.reason}${err.detail ? `: ${err.detail}` : ""}`,
        );
        const res = createResponse(ctx.req, err.status, err.reason);
        for (const [n, v] of err.headers) res.headers.append(n, v);
        this.respond(ctx, res);
        return;
      }
      this.opts.log.error(
        { peer: ctx.peer, method: ctx.req.method, stage, err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
        "request handling failed; answered 500",
      );
      this.respond(ctx, createResponse(ctx.req, 500));
    }
  }

  respond(ctx: RequestContext, res: SipResponse): void {
    this.opts.decorate(res);
    ctx.tx.respond(res);
  }
}
