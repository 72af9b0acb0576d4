/**
 * Server transactions (RFC 3261 §17.2, with RFC 6026's Accepted state for INVITE).
 *
 *  INVITE server transaction (§17.2.1 + RFC 6026 §7.1):
 *
 *                 |INVITE: pass to TU, send 100 Trying
 *                 V
 *            +-----------+ INVITE retransmit: resend last response
 *            | Proceeding|--------------------------------+
 *            +-----------+ 1xx from TU: send              |
 *          2xx |     | 300-699 from TU: send              |
 *              V     V                                    |
 *     +--------+  +-----------+ Timer G: resend response  |
 *     |Accepted|  | Completed | Timer H: timeout → TU     |
 *     +--------+  +-----------+                           |
 *  Timer L |         | ACK                                |
 *          |         V                                    |
 *          |     +-----------+ Timer I                    |
 *          |     | Confirmed |--------+                   |
 *          V     +-----------+        V                   |
 *     Terminated <--------------- Terminated <------------+
 *
 *  Non-INVITE server transaction (§17.2.2): Trying → Proceeding (1xx) → Completed (final;
 *  retransmitted requests get the final response again) → Timer J → Terminated.
 */
import type { TimerHandle } from "../../core/clock.js";
import type { SipRequest, SipResponse } from "../message/message.js";
import type { Flow } from "../transport/types.js";
import type { TransactionContext } from "./context.js";

export type ServerInviteState = "Proceeding" | "Completed" | "Confirmed" | "Accepted" | "Terminated";
export type ServerNonInviteState = "Trying" | "Proceeding" | "Completed" | "Terminated";

export interface ServerTransactionDelegate {
  /** Timer H fired: no ACK for a final non-2xx response. */
  onTimeout?(): void;
  /** The transport failed to deliver a response. */
  onTransportError?(err: unknown): void;
  onTerminated?(): void;
}

abstract class BaseServerTransaction {
  abstract state: string;
  delegate: ServerTransactionDelegate = {};
  protected lastResponse: Buffer | undefined;
  protected lastStatus = 0;
  protected timers: TimerHandle[] = [];
  readonly createdAt: number;
  readonly method: string;
  private req: SipRequest | undefined;

  constructor(
    readonly key: string,
    request: SipRequest,
    readonly flow: Flow,
    protected readonly ctx: TransactionContext,
  ) {
    this.createdAt = ctx.clock.now();
    this.method = request.method;
    this.req = request;
  }

  /** The request that created the transaction; released once a final response is sent. */
  get request(): SipRequest | undefined {
    return this.req;
  }

  /**
   * After the final response only the response bytes are needed (to answer retransmissions
   * until Timer J/H/L fires), so the parsed request is dropped to keep memory per waiting
   * transaction small under load.
   */
  protected releaseRequest(): void {
    this.req = undefined;
  }

  get finalStatus(): number {
    return this.lastStatus;
  }

  protected transmit(buf: Buffer): void {
    this.ctx.sendRaw(buf, this.flow, "response", this.onSendError);
  }

  /** One handler per transaction (not per send). */
  private readonly onSendError = (err: unknown): void => {
    this.delegate.onTransportError?.(err);
    this.terminate();
  };

  protected after(ms: number, fn: () => void): void {
    this.timers.push(this.ctx.clock.setTimeout(fn, ms));
  }

  protected clearTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }

  /** Idempotent: cancels timers and removes the transaction from the table. */
  terminate(): void {
    if (this.state === "Terminated") return;
    this.state = "Terminated";
    this.clearTimers();
    this.ctx.remove(this.key, "server");
    this.delegate.onTerminated?.();
  }

  close(): void {
    this.terminate();
  }

  abstract respond(res: SipResponse): void;
  abstract receiveRequest(req: SipRequest): void;

  dump(): Record<string, unknown> {
    return { key: this.key, method: this.method, state: this.state, status: this.lastStatus };
  }
}

export class NonInviteServerTransaction extends BaseServerTransaction {
  state: ServerNonInviteState = "Trying";

  receiveRequest(_req: SipRequest): void {
    // §17.2.2: in Trying, retransmissions are discarded; in Proceeding and Completed the
    // most recent response is passed to the transport for retransmission.
    if ((this.state === "Proceeding" || this.state === "Completed") && this.lastResponse) {
      this.transmit(this.lastResponse);
    }
  }

  respond(res: SipResponse): void {
    if (this.state === "Completed" || this.state === "Terminated") return;
    const buf = this.ctx.serialize(res);
    this.lastResponse = buf;
    this.lastStatus = res.status;
    this.transmit(buf);
    if (res.status < 200) {
      this.state = "Proceeding";
      return;
    }
    this.state = "Completed";
    this.releaseRequest();
    // Timer J: 64*T1 for unreliable transports, zero for reliable ones.
    if (this.flow.transport.reliable) this.terminate();
    else this.after(64 * this.ctx.timers.T1, () => this.terminate());
  }
}

export class InviteServerTransaction extends BaseServerTransaction {
  state: ServerInviteState = "Proceeding";
  private ackHandler: ((ack: SipRequest) => void) | undefined;

  /** Called by the layer for ACKs that match this transaction (non-2xx ACK, or 2xx ACK in Accepted). */
  onAck(fn: (ack: SipRequest) => void): void {
    this.ackHandler = fn;
  }

  /** True when an ACK arriving in Accepted has somewhere to go inside the transaction. */
  get hasAckHandler(): boolean {
    return this.ackHandler !== undefined;
  }

  receiveRequest(req: SipRequest): void {
    if (req.method === "ACK") {
      if (this.state === "Completed") {
        this.state = "Confirmed";
        this.clearTimers();
        // Timer I: T4 for unreliable transports, zero for reliable ones.
        if (this.flow.transport.reliable) this.terminate();
        else this.after(this.ctx.timers.T4, () => this.terminate());
      } else if (this.state === "Accepted") {
        this.ackHandler?.(req);
      }
      return;
    }
    // A retransmitted INVITE: "the server transaction MUST pass [the most recent provisional
    // response] to the transport layer for retransmission" (Proceeding), and likewise the final
    // response in Completed. In Accepted (RFC 6026 §7.1) it is absorbed.
    if ((this.state === "Proceeding" || this.state === "Completed") && this.lastResponse) {
      this.transmit(this.lastResponse);
    }
  }

  respond(res: SipResponse): void {
    const buf = this.ctx.serialize(res);
    if (this.state === "Accepted" && res.status >= 200 && res.status < 300) {
      // RFC 6026 §7.1: 2xx retransmissions from the TU are sent in Accepted.
      this.transmit(buf);
      return;
    }
    if (this.state !== "Proceeding") return;
    this.lastResponse = buf;
    this.lastStatus = res.status;
    this.transmit(buf);
    if (res.status < 200) return;
    if (res.status < 300) {
      this.state = "Accepted";
      this.after(64 * this.ctx.timers.T1, () => this.terminate()); // Timer L
      return;
    }
    this.state = "Completed";
    const { T1, T2 } = this.ctx.timers;
    if (!this.flow.transport.reliable) {
      // Timer G: retransmit the final response at T1, doubling up to T2.
      const retransmit = (interval: number) => {
        this.after(interval, () => {
          if (this.state !== "Completed" || !this.lastResponse) return;
          this.transmit(this.lastResponse);
          retransmit(Math.min(2 * interval, T2));
        });
      };
      retransmit(T1);
    }
    // Timer H: give up waiting for the ACK after 64*T1.
    this.after(64 * T1, () => {
      if (this.state !== "Completed") return;
      this.delegate.onTimeout?.();
      this.terminate();
    });
  }
}

export type ServerTransaction = NonInviteServerTransaction | InviteServerTransaction;
