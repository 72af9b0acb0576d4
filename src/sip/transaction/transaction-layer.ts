/**
 * The transaction layer (RFC 3261 §17): parses what transports deliver, fixes the top Via of
 * requests (§18.2.1, RFC 3581), matches requests and responses to transactions (§17.1.3,
 * §17.2.3), absorbs retransmissions, and hands new requests to the transaction user.
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { TypedEmitter } from "../../core/emitter.js";
import { SipRequest, type SipMessage, type SipResponse } from "../message/message.js";
import { parseMessage, serializeMessage, formatVia, topViaOf, rememberTopVia, type ParseResult } from "../parser/index.js";
import type { Flow } from "../transport/types.js";
import {
  InviteClientTransaction,
  NonInviteClientTransaction,
  type ClientTransaction,
  type ClientTransactionDelegate,
} from "./client-transaction.js";
import { InviteServerTransaction, NonInviteServerTransaction, type ServerTransaction } from "./server-transaction.js";
import { createResponse } from "./create-response.js";
import type { TransactionContext } from "./context.js";
import { DEFAULT_TIMERS, type TimerConfig } from "./timers.js";
import { serverKey, clientKey } from "./keys.js";

/** The upward interface: the PBX's request pipeline. */
export interface TransactionUser {
  /** A new request with its server transaction (undefined for an ACK that matched nothing: the 2xx ACK). */
  onRequest(req: SipRequest, tx: ServerTransaction | undefined, flow: Flow): void;
  /** A response that matched no client transaction (e.g. a retransmitted 2xx to INVITE). */
  onStrayResponse?(res: SipResponse, flow: Flow): void;
}

export interface MessageTrace {
  direction: "in" | "out";
  data: Buffer;
  flow: Flow;
  /** For inbound messages that parsed. */
  message?: SipMessage | undefined;
}

export interface TransactionLayerEvents {
  [k: string]: unknown[];
  /** Every message in and out, for `pjsip set logger` and `pjsip set history`. */
  trace: [MessageTrace];
  /** A message that could not be parsed (after the 400 decision). */
  parseError: [{ reason: string; flow: Flow; answered: boolean }];
}

export interface TransactionLayerOptions {
  clock: Clock;
  log: Logger;
  timers?: TimerConfig;
  /** Server header / User-Agent text for stateless responses. */
  userAgent?: string;
  /**
   * Send 100 Trying for a new INVITE at once (default). The server turns this off and sends it
   * from the pipeline after the guard, so dropped requests get no answer at all.
   */
  sendTrying?: boolean;
}

export class TransactionLayer extends TypedEmitter<TransactionLayerEvents> {
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly ctx: TransactionContext;
  private tu: TransactionUser | undefined;
  timers: TimerConfig;
  tracing = false;
  /** Counters since start for `pjsip show stats`; `parseErrorsAnswered` is the part of `parseErrors` that got a 400/505. */
  stats = { received: 0, parseErrors: 0, parseErrorsAnswered: 0, retransmissionsAbsorbed: 0, strayResponses: 0 };

  constructor(private readonly opts: TransactionLayerOptions) {
    super();
    this.timers = opts.timers ?? DEFAULT_TIMERS;
    this.ctx = {
      clock: opts.clock,
      timers: this.timers,
      serialize: (m) => serializeMessage(m),
      sendRaw: (buf, flow, _kind, onError) => this.sendRaw(buf, flow, onError),
      remove: (key, side) => {
        if (side === "server") this.servers.delete(key);
        else this.clients.delete(key);
      },
    };
  }

  setTimers(t: TimerConfig): void {
    this.timers = t;
    this.ctx.timers = t;
  }

  setUser(tu: TransactionUser): void {
    this.tu = tu;
  }

  /** Entry point for transports. */
  receive(data: Buffer, flow: Flow): void {
    this.stats.received++;
    const result = parseMessage(data);
    if (!result.ok) {
      this.onParseFailure(result, data, flow);
      return;
    }
    const msg = result.message;
    if (this.tracing) this.emit("trace", { direction: "in", data, flow, message: msg });
    if (msg.kind === "request") this.receiveRequest(msg, flow);
    else this.receiveResponse(msg, flow);
  }

  private onParseFailure(result: Extract<ParseResult, { ok: false }>, data: Buffer | undefined, flow: Flow): void {
    this.stats.parseErrors++;
    if (this.tracing && data) this.emit("trace", { direction: "in", data, flow });
    let answered = false;
    const h = result.headers;
    // RFC 3261 §8.2: a malformed request is answered with 400 when we can still address the
    // response (Via, From, To, Call-ID and CSeq readable); otherwise it is dropped.
    if (result.isRequest && result.method !== "ACK" && h && h.get("Via") && h.get("From") && h.get("To") && h.get("Call-ID") && h.get("CSeq")) {
      // §8.2: an unsupported SIP version gets 505, anything else unreadable 400.
      const badVersion = result.reason.startsWith("unsupported SIP version");
      const reason = badVersion ? "Version Not Supported" : `Bad Request - ${result.reason}`.slice(0, 120).replace(/[\r\n]/g, " ");
      const fake = new SipRequest(result.method ?? "UNKNOWN", "sip:invalid", h);
      const res = createResponse(fake, badVersion ? 505 : 400, reason);
      if (this.opts.userAgent) res.headers.append("Server", this.opts.userAgent);
      this.sendStateless(res, flow);
      this.stats.parseErrorsAnswered++;
      answered = true;
    }
    this.emit("parseError", { reason: result.reason, flow, answered });
  }

  private receiveRequest(req: SipRequest, flow: Flow): void {
    this.fixTopVia(req, flow);
    const key = serverKey(req);
    if (key === undefined) {
      // The parser checked CSeq, so the top Via is what is unusable. RFC 4475 §3.1.2.1 `badinv01`
      // (`Via: SIP/2.0/UDP 192.0.2.15;;,;,,`): "An element receiving this request should respond
      // with a 400 Bad Request error", which onParseFailure sends (already traced in receive()).
      this.onParseFailure({ ok: false, reason: "malformed Via header", headers: req.headers, isRequest: true, method: req.method }, undefined, flow);
      return;
    }
    const existing = this.servers.get(key);
    if (
      req.method === "ACK" &&
      existing instanceof InviteServerTransaction &&
      existing.state === "Accepted" &&
      !existing.hasAckHandler
    ) {
      // RFC 6026 §7.1: "If an ACK is received while the INVITE server transaction is in the
      // Accepted state, then the ACK must be passed up to the TU." A 2xx ACK only lands here when
      // it reuses the INVITE's key (RFC 2543 peers without a branch cookie, or UAs that reuse the
      // branch); with no handler on the transaction it used to vanish, so it goes to the TU the
      // same way as every other 2xx ACK.
      this.tu?.onRequest(req, undefined, flow);
      return;
    }
    if (existing) {
      this.stats.retransmissionsAbsorbed += req.method === "ACK" ? 0 : 1;
      existing.receiveRequest(req);
      return;
    }
    if (req.method === "ACK") {
      // An ACK that matches no transaction acknowledges a 2xx: it belongs to the dialog (TU).
      this.tu?.onRequest(req, undefined, flow);
      return;
    }
    const tx =
      req.method === "INVITE"
        ? new InviteServerTransaction(key, req, flow, this.ctx)
        : new NonInviteServerTransaction(key, req, flow, this.ctx);
    this.servers.set(key, tx);
    if (tx instanceof InviteServerTransaction && this.opts.sendTrying !== false) {
      // §17.2.1: the server transaction MUST generate a 100 (Trying) response unless it knows
      // that the TU will generate a provisional or final response within 200 ms. We send it now.
      const trying = createResponse(req, 100);
      if (this.opts.userAgent) trying.headers.append("Server", this.opts.userAgent);
      tx.respond(trying);
    }
    if (!this.tu) {
      tx.respond(createResponse(req, 503));
      return;
    }
    this.tu.onRequest(req, tx, flow);
  }

  /**
   * §18.2.1: "the server transport MUST add a received parameter" when the sent-by host differs
   * from the packet source; RFC 3581 §4: with an empty `rport`, the server MUST set it to the
   * source port (and always add `received` then).
   */
  private fixTopVia(req: SipRequest, flow: Flow): void {
    const parsed = topViaOf(req);
    if (!parsed) return;
    const hasRport = parsed.params.has("rport");
    if (parsed.host === flow.remoteAddress && !hasRport) return;
    // The parsed view is shared, so the changed hop is a copy.
    const via = { ...parsed, params: new Map(parsed.params) };
    via.params.set("received", flow.remoteAddress);
    if (hasRport) via.params.set("rport", String(flow.remotePort));
    const field = formatVia(via);
    req.headers.removeFirstValue("Via");
    req.headers.prepend("Via", field);
    rememberTopVia(req, field, via);
  }

  private receiveResponse(res: SipResponse, flow: Flow): void {
    const key = clientKey(res);
    const tx = key !== undefined ? this.clients.get(key) : undefined;
    if (tx) {
      tx.receiveResponse(res);
      return;
    }
    this.stats.strayResponses++;
    this.tu?.onStrayResponse?.(res, flow);
  }

  /** Starts a client transaction. The request must already carry our top Via with a fresh branch. */
  sendRequest(req: SipRequest, flow: Flow, delegate: ClientTransactionDelegate): ClientTransaction {
    const key = clientKey(req);
    if (key === undefined) throw new Error("sendRequest: request needs a Via with branch and a CSeq");
    const tx =
      req.method === "INVITE"
        ? new InviteClientTransaction(key, req, flow, this.ctx, delegate)
        : new NonInviteClientTransaction(key, req, flow, this.ctx, delegate);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** Sends a message outside any transaction (2xx ACKs, stateless responses). */
  sendStateless(msg: SipMessage, flow: Flow): void {
    this.sendRaw(serializeMessage(msg), flow, this.onStatelessSendError);
  }

  private readonly onStatelessSendError = (err: unknown): void => {
    this.opts.log.debug({ err: String(err) }, "stateless send failed");
  };

  /** §18.2.2: responses go back over the flow the request came on; for UDP to received/rport. */
  sendRaw(buf: Buffer, flow: Flow, onError?: (err: unknown) => void): void {
    if (this.tracing) this.emit("trace", { direction: "out", data: buf, flow });
    flow.transport.send(buf, flow.remoteAddress, flow.remotePort, flow.connectionId, onError);
  }

  findServer(key: string): ServerTransaction | undefined {
    return this.servers.get(key);
  }

  /** The INVITE server transaction a CANCEL refers to (§9.2). */
  findInviteForCancel(cancel: SipRequest): InviteServerTransaction | undefined {
    const key = serverKey(cancel, "INVITE");
    const tx = key !== undefined ? this.servers.get(key) : undefined;
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  counts(): { server: number; client: number } {
    return { server: this.servers.size, client: this.clients.size };
  }

  dump(): Array<Record<string, unknown>> {
    return [...this.servers.values(), ...this.clients.values()].map((t) => t.dump());
  }

  close(): void {
    for (const t of [...this.servers.values()]) t.close();
    for (const t of [...this.clients.values()]) t.close();
  }
}
