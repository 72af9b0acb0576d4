/**
 * A 2xx to an INVITE (initial or re-INVITE) waiting for its ACK. RFC 3261 §13.3.1.4: "The 2xx
 * response is passed to the transport with an interval that starts at T1 seconds and doubles for
 * each retransmission until it reaches T2 seconds ... Response retransmissions cease when an ACK
 * request for the response is received." — "This is necessary because the response is
 * retransmitted by the UAS core, independent of the transport protocol": over TCP and TLS too,
 * since a proxy between us and the peer may forward over UDP. "If the server retransmits the 2xx
 * response for 64*T1 seconds without receiving an ACK, the dialog is confirmed, but the session
 * SHOULD be terminated."
 *
 *   start ──T1──> resend ──2T1──> resend … (capped at T2) ──64*T1──> onTimeout
 *     └── acked() at any point: stop
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { TimerConfig } from "../transaction/timers.js";

export interface AcceptedResponseOptions {
  clock: Clock;
  timers: () => TimerConfig;
  /** Hands the 2xx to the transaction (or transport) again. */
  transmit: () => void;
  /** 64*T1 passed without the ACK. */
  onTimeout: () => void;
}

export class AcceptedResponse {
  private timer: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private done = false;
  /** Retransmissions so far, for dump(). */
  retransmissions = 0;

  constructor(private readonly o: AcceptedResponseOptions) {}

  get waiting(): boolean {
    return !this.done;
  }

  /** Call after the first transmission. */
  start(): void {
    const { T1, T2 } = this.o.timers();
    const again = (interval: number) => {
      this.timer = this.o.clock.setTimeout(() => {
        if (this.done) return;
        this.retransmissions++;
        this.o.transmit();
        again(Math.min(2 * interval, T2));
      }, interval);
    };
    again(T1);
    this.deadline = this.o.clock.setTimeout(() => {
      if (this.done) return;
      this.stop();
      this.o.onTimeout();
    }, 64 * T1);
  }

  acked(): void {
    this.stop();
  }

  close(): void {
    this.stop();
  }

  private stop(): void {
    this.done = true;
    this.timer?.cancel();
    this.deadline?.cancel();
    this.timer = undefined;
    this.deadline = undefined;
  }
}
