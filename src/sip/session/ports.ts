/**
 * What the session layer needs from below, as small interfaces: the transaction layer
 * (`TransactionLayer` implements `TransactionPort` structurally) and the INVITE server transaction
 * a UAS session answers on. Unit tests hand in fakes; nothing here names a concrete class.
 */
import type { Clock } from "../../core/clock.js";
import type { SipMessage, SipRequest, SipResponse } from "../message/message.js";
import type { ClientTransactionDelegate } from "../transaction/client-transaction.js";
import type { TimerConfig } from "../transaction/timers.js";
import type { Flow } from "../transport/types.js";

export interface TransactionPort {
  /** T1, T2 … as configured (`[system] timer_t1`); read at use, so a reload applies. */
  readonly timers: TimerConfig;
  /** Starts a client transaction (§17.1) for a request that carries its own top Via. */
  sendRequest(req: SipRequest, flow: Flow, delegate: ClientTransactionDelegate): unknown;
  /** Sends outside any transaction: the ACK for a 2xx (§13.2.2.4, §17.1.1.3). */
  sendStateless(msg: SipMessage, flow: Flow): void;
}

/** The INVITE server transaction of a UAS session (RFC 6026 lets the TU resend 2xx through it). */
export interface InviteServerPort {
  respond(res: SipResponse): void;
}

/** How a session answers a request inside its dialog (through the pipeline, which decorates). */
export type Respond = (res: SipResponse) => void;

/** Shared by every session: the clock and the transaction layer. */
export interface SessionEnvironment {
  clock: Clock;
  transactions: TransactionPort;
}
