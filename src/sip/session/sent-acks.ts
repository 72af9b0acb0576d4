/**
 * The ACKs a session sent for 2xx responses to its INVITEs (RFC 3261 §13.2.2.4): "The UAC core
 * MUST generate an ACK request for each 2xx received from the transaction layer", and a
 * retransmitted 2xx is answered with the same ACK again. Kept by INVITE CSeq and remote tag in an
 * ExpiringMap: 64*T1 each (the UAS retransmits no longer, §13.3.1.4) and MAX_CACHED_ACKS at most,
 * so that neither invented To tags nor CSeq numbers grow a session.
 */
import type { Clock } from "../../core/clock.js";
import type { Dialog } from "../dialog/dialog.js";
import type { SipRequest } from "../message/message.js";
import { ExpiringMap } from "./expiring-map.js";
import type { MessageFactory } from "./message-factory.js";
import type { TransactionPort } from "./ports.js";

/** The most ACKs (one per 2xx acknowledged: INVITE CSeq and remote tag) a session keeps. */
export const MAX_CACHED_ACKS = 32;

export interface SentAcksOptions {
  clock: Clock;
  transactions: TransactionPort;
  factory: () => MessageFactory;
}

export class SentAcks {
  private readonly acks: ExpiringMap<SipRequest>;

  constructor(private readonly o: SentAcksOptions) {
    this.acks = new ExpiringMap({ clock: o.clock, lifetimeMs: () => 64 * o.transactions.timers.T1, max: MAX_CACHED_ACKS });
  }

  /** Acknowledges a 2xx to our INVITE with this CSeq in this dialog: the cached ACK, or a new one. */
  send(d: Dialog, seq: number): void {
    const key = keyOf(seq, d.state.remoteTag);
    let ack = this.acks.get(key);
    if (!ack) {
      ack = this.o.factory().ack(d, seq);
      this.acks.set(key, ack);
    }
    this.o.transactions.sendStateless(ack, d.flow);
  }

  /** Sends the ACK again for a retransmitted 2xx; false (nothing sent) when we acknowledged no such 2xx. */
  resend(d: Dialog, seq: number): boolean {
    const ack = this.acks.get(keyOf(seq, d.state.remoteTag));
    if (!ack) return false;
    this.o.transactions.sendStateless(ack, d.flow);
    return true;
  }

  get size(): number {
    return this.acks.size;
  }

  clear(): void {
    this.acks.clear();
  }
}

function keyOf(seq: number, remoteTag: string): string {
  return `${seq}|${remoteTag}`;
}
