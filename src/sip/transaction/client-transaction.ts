/**
 * Client transactions (RFC 3261 §17.1, with RFC 6026's Accepted state for INVITE).
 *
 *  INVITE client (§17.1.1): Calling (Timer A retransmits, Timer B times out) → Proceeding (1xx)
 *  → 2xx: Accepted (RFC 6026, Timer M; further 2xx go to the TU) | 300-699: Completed (ACK sent,
 *  final retransmissions re-ACKed, Timer D) → Terminated.
 *
 *  Non-INVITE client (§17.1.2): Trying (Timer E retransmits, Timer F times out) → Proceeding
 *  (1xx; Timer E continues at T2) → Completed (final; Timer K) → Terminated.
 */
import type { TimerHandle } from "../../core/clock.js";
import { Headers } from "../message/headers.js";
import { SipRequest, type SipResponse } from "../message/message.js";

const EMPTY = Buffer.alloc(0);
import type { Flow } from "../transport/types.js";
import type { TransactionContext } from "./context.js";

export interface ClientTransactionDelegate {
  onResponse(res: SipResponse): void;
  /** Timer B/F fired, or the transport failed: the TU treats it as 408 (§8.1.3.1). */
  onTimeout?(): void;
  onTransportError?(err: unknown): void;
}

export type ClientInviteState = "Calling" | "Proceeding" | "Accepted" | "Completed" | "Terminated";
export type ClientNonInviteState = "Trying" | "Proceeding" | "Completed" | "Terminated";

abstract class BaseClientTransaction {
  abstract state: string;
  protected timers: TimerHandle[] = [];
  protected wire: Buffer;
  readonly method: string;
  private req: SipRequest | undefined;
  readonly createdAt: number;

  constructor(
    readonly key: string,
    request: SipRequest,
    readonly flow: Flow,
    protected readonly ctx: TransactionContext,
    readonly delegate: ClientTransactionDelegate,
  ) {
    this.wire = ctx.serialize(request);
    this.method = request.method;
    this.req = request;
    this.createdAt = ctx.clock.now();
  }

  /** The request that started the transaction; released once a final response arrived. */
  get request(): SipRequest | undefined {
    return this.req;
  }

  /**
   * After the final response nothing is retransmitted any more; the transaction only waits out
   * Timer K/D/M to absorb response retransmissions, so the request and its bytes are dropped to keep
   * the memory of lingering transactions small under load.
   */
  protected release(): void {
    this.req = undefined;
    this.wire = EMPTY;
  }

  protected transmit(buf: Buffer = this.wire): void {
    this.ctx.sendRaw(buf, this.flow, "request", this.onSendError);
  }

  /** §17.1.4: a transport failure is reported to the TU (as a timeout when it has no handler). */
  private readonly onSendError = (err: unknown): void => {
    if (this.state === "Terminated") return;
    this.terminate();
    if (this.delegate.onTransportError) this.delegate.onTransportError(err);
    else this.delegate.onTimeout?.();
  };

  protected after(ms: number, fn: () => void): void {
    this.timers.push(this.ctx.clock.setTimeout(fn, ms));
  }

  protected clearTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }

  protected timeout(): void {
    if (this.state === "Terminated") return;
    this.terminate();
    this.delegate.onTimeout?.();
  }

  terminate(): void {
    if (this.state === "Terminated") return;
    this.state = "Terminated";
    this.clearTimers();
    this.ctx.remove(this.key, "client");
  }

  close(): void {
    this.terminate();
  }

  abstract start(): void;
  abstract receiveResponse(res: SipResponse): void;

  dump(): Record<string, unknown> {
    return { key: this.key, method: this.method, state: this.state };
  }
}

export class NonInviteClientTransaction extends BaseClientTransaction {
  state: ClientNonInviteState = "Trying";

  start(): void {
    this.transmit();
    const { T1, T2, timerB } = this.ctx.timers;
    if (!this.flow.transport.reliable) {
      // Timer E: retransmit at T1, doubling up to T2 (in Proceeding, always T2).
      const retransmit = (interval: number) => {
        this.after(interval, () => {
          if (this.state !== "Trying" && this.state !== "Proceeding") return;
          this.transmit();
          retransmit(this.state === "Proceeding" ? T2 : Math.min(2 * interval, T2));
        });
      };
      retransmit(T1);
    }
    this.after(timerB, () => this.timeout()); // Timer F
  }

  receiveResponse(res: SipResponse): void {
    if (this.state === "Completed" || this.state === "Terminated") return;
    if (res.status < 200) {
      this.state = "Proceeding";
      this.delegate.onResponse(res);
      return;
    }
    this.state = "Completed";
    this.clearTimers();
    this.release();
    this.delegate.onResponse(res);
    // Timer K: T4 for unreliable transports (absorbs retransmitted finals), zero otherwise.
    if (this.flow.transport.reliable) this.terminate();
    else this.after(this.ctx.timers.T4, () => this.terminate());
  }
}

export class InviteClientTransaction extends BaseClientTransaction {
  state: ClientInviteState = "Calling";
  private ackWire: Buffer | undefined;

  start(): void {
    this.transmit();
    const { T1, timerB } = this.ctx.timers;
    if (!this.flow.transport.reliable) {
      // Timer A: retransmit at T1, doubling each time, while in Calling.
      const retransmit = (interval: number) => {
        this.after(interval, () => {
          if (this.state !== "Calling") return;
          this.transmit();
          retransmit(2 * interval);
        });
      };
      retransmit(T1);
    }
    // Timer B: §17.1.1.2: "If the client transaction is still in the "Calling" state when timer
    // B fires, the client transaction SHOULD inform the TU that a timeout has occurred." Once a
    // provisional response has arrived (Proceeding) the callee may ring for as long as it likes;
    // ending the call with a 408 after 32 s of ringing would be wrong.
    this.after(timerB, () => {
      if (this.state === "Calling") this.timeout();
    });
  }

  receiveResponse(res: SipResponse): void {
    switch (this.state) {
      case "Calling":
      case "Proceeding":
        if (res.status < 200) {
          this.state = "Proceeding";
          this.delegate.onResponse(res);
        } else if (res.status < 300) {
          this.state = "Accepted";
          this.clearTimers();
          this.release();
          this.after(64 * this.ctx.timers.T1, () => this.terminate()); // Timer M
          this.delegate.onResponse(res);
        } else {
          this.state = "Completed";
          this.clearTimers();
          this.sendAck(res);
          this.release();
          this.delegate.onResponse(res);
          // Timer D: at least 32 s for unreliable transports, zero for reliable ones.
          if (this.flow.transport.reliable) this.terminate();
          else this.after(Math.max(32000, 64 * this.ctx.timers.T1), () => this.terminate());
        }
        return;
      case "Accepted":
        // RFC 6026 §8.4: retransmitted or forked 2xx responses go to the TU.
        if (res.status >= 200 && res.status < 300) this.delegate.onResponse(res);
        return;
      case "Completed":
        // §17.1.1.2: retransmissions of the final response are answered with the ACK again.
        if (res.status >= 300 && this.ackWire) this.transmit(this.ackWire);
        return;
      default:
        return;
    }
  }

  /**
   * §17.1.1.3: the ACK for a non-2xx final response has the Request-URI, Call-ID, From, CSeq
   * number and top Via of the INVITE, the To of the response, and CSeq method ACK.
   */
  private sendAck(res: SipResponse): void {
    const h = new Headers();
    const request = this.request;
    if (!request) return;
    const inv = request.headers;
    const topVia = inv.getAll("Via")[0];
    if (topVia) h.append("Via", topVia);
    for (const f of inv.fields) if (f.name === "Route") h.append("Route", f.value);
    h.append("Max-Forwards", "70");
    h.append("From", inv.get("From") ?? "");
    h.append("To", res.headers.get("To") ?? inv.get("To") ?? "");
    h.append("Call-ID", inv.get("Call-ID") ?? "");
    const seq = (inv.get("CSeq") ?? "1").trim().split(/\s+/)[0] ?? "1";
    h.append("CSeq", `${seq} ACK`);
    const ack = new SipRequest("ACK", request.uri, h);
    this.ackWire = this.ctx.serialize(ack);
    this.transmit(this.ackWire);
  }
}

export type ClientTransaction = NonInviteClientTransaction | InviteClientTransaction;
