/**
 * The UAS side of RFC 3262 (reliable provisional responses) for one INVITE server transaction:
 * numbers the 18x responses with RSeq, retransmits each until its PRACK arrives, holds back the
 * next one meanwhile, matches PRACKs by RAck, and gives up after 64*T1.
 *
 *   send(18x) ──> [unacked] ──PRACK(RAck matches)──> acked ──> next queued 18x is sent
 *                    │ retransmit at T1, 2T1, 4T1 …
 *                    └── 64*T1 without PRACK ──> onGiveUp (the INVITE is answered 5xx)
 */
import { randomPooled } from "../../core/random.js";
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { SipRequest, SipResponse } from "../message/message.js";
import { parseRAck } from "./extension-headers.js";

export interface ReliableProvisionalsOptions {
  clock: Clock;
  T1: number;
  /** The INVITE's CSeq number, which PRACKs name in RAck. */
  inviteSeq: number;
  /** Hands a response to the INVITE server transaction. */
  transmit: (res: SipResponse) => void;
  /** 64*T1 passed without a PRACK for `status`. */
  onGiveUp: (status: number) => void;
  /** First RSeq; random by default. */
  firstRSeq?: number;
}

interface Outstanding {
  res: SipResponse;
  rseq: number;
  hasSdp: boolean;
  timer: TimerHandle | undefined;
}

export class ReliableProvisionals {
  private nextRSeq: number;
  private unacked: Outstanding | undefined;
  private readonly queue: SipResponse[] = [];
  /** Reliable responses sent but never PRACKed after we stopped retransmitting (final sent). */
  private readonly lingering = new Set<number>();
  private ackWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly o: ReliableProvisionalsOptions) {
    // §3: "The value of the header field for the first reliable provisional response in a
    // transaction MUST be between 1 and 2**31 - 1."
    // Drawn from the CSPRNG pool like tags, so that RSeq values are not predictable either.
    this.nextRSeq = o.firstRSeq ?? 1 + (randomPooled(2).readUInt16BE(0) & 0x7fff);
  }

  /** True while a reliable provisional awaits its PRACK. */
  get pending(): boolean {
    return this.unacked !== undefined;
  }

  /** True while the unacknowledged provisional carries SDP (the 2xx must then wait, §3). */
  get pendingWithSdp(): boolean {
    return this.unacked?.hasSdp === true;
  }

  /**
   * Sends a 1xx (not 100) reliably. §3: "the UAS MUST NOT send a second reliable provisional
   * response until the first is acknowledged" — later ones wait in a queue.
   */
  send(res: SipResponse): void {
    if (this.closed) return;
    if (this.unacked) {
      this.queue.push(res);
      return;
    }
    this.start(res);
  }

  private start(res: SipResponse): void {
    const rseq = this.nextRSeq++;
    // §3: "it MUST include a Require header field containing the option tag 100rel, and MUST
    // include an RSeq header field."
    res.headers.append("Require", "100rel");
    res.headers.append("RSeq", String(rseq));
    const entry: Outstanding = { res, rseq, hasSdp: res.body.length > 0, timer: undefined };
    this.unacked = entry;
    this.o.transmit(res);
    // §3: "The reliable provisional response is passed to the transaction layer periodically
    // with an interval that starts at T1 seconds and doubles for each retransmission." …
    // "If a reliable provisional response is retransmitted for 64*T1 seconds without reception
    // of a corresponding PRACK, the UAS SHOULD reject the original request with a 5xx response."
    const deadline = this.o.clock.now() + 64 * this.o.T1;
    const again = (interval: number) => {
      entry.timer = this.o.clock.setTimeout(() => {
        if (this.unacked !== entry) return;
        if (this.o.clock.now() >= deadline) {
          this.unacked = undefined;
          this.queue.length = 0;
          this.wake();
          this.o.onGiveUp(res.status);
          return;
        }
        this.o.transmit(res);
        again(Math.min(2 * interval, deadline - this.o.clock.now()));
      }, interval);
    };
    again(this.o.T1);
  }

  /**
   * A PRACK for this INVITE. §3: a PRACK that matches an unacknowledged reliable provisional
   * response "MUST be responded to with a 2xx"; one that matches none gets 481.
   */
  onPrack(req: SipRequest): 200 | 481 {
    const rack = parseRAck(req.headers.get("RAck"));
    if (!rack || rack.method !== "INVITE" || rack.cseq !== this.o.inviteSeq) return 481;
    if (this.unacked && this.unacked.rseq === rack.rseq) {
      this.unacked.timer?.cancel();
      this.unacked = undefined;
      const next = this.queue.shift();
      if (next && !this.closed) this.start(next);
      if (!this.pendingWithSdp) this.wake();
      return 200;
    }
    if (this.lingering.delete(rack.rseq)) return 200;
    return 481;
  }

  /** Resolves once no reliable provisional with SDP awaits its PRACK (or after give-up/close). */
  whenSdpAcked(): Promise<void> {
    if (!this.pendingWithSdp || this.closed) return Promise.resolve();
    return new Promise((r) => this.ackWaiters.push(r));
  }

  private wake(): void {
    for (const w of this.ackWaiters.splice(0)) w();
  }

  /**
   * The final response went out. §3: "If the UAS does send a final response when reliable
   * responses are still unacknowledged, it SHOULD NOT continue to retransmit the unacknowledged
   * reliable provisional responses, but it MUST be prepared to process PRACK requests for those
   * outstanding responses." Queued ones are dropped: the final response supersedes them.
   */
  finalSent(): void {
    if (this.unacked) {
      this.unacked.timer?.cancel();
      this.lingering.add(this.unacked.rseq);
      this.unacked = undefined;
    }
    this.queue.length = 0;
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.unacked?.timer?.cancel();
    this.unacked = undefined;
    this.queue.length = 0;
    this.wake();
  }

  dump(): { pending: number | undefined; queued: number } {
    return { pending: this.unacked?.rseq, queued: this.queue.length };
  }
}
