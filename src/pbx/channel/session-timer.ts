/**
 * The session timer of one call leg where the peer is the refresher (RFC 4028 §10): every
 * refresh (re-INVITE or UPDATE answered 2xx) restarts it; when none comes in time it fires, and
 * the owner ends the call.
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import { sessionExpiryDelay } from "./session-extensions.js";

export interface SessionTimerOptions {
  clock: Clock;
  /** The session interval in seconds. */
  interval: number;
  /** No refresh arrived in time. */
  onExpired: (interval: number) => void;
}

export class SessionTimer {
  private timer: TimerHandle | undefined;
  private closed = false;
  interval: number;
  /** When the timer fires (clock ms), for `dump()`. */
  private firesAt = 0;

  constructor(private readonly o: SessionTimerOptions) {
    this.interval = o.interval;
  }

  /** Starts (or restarts, on a refresh) the countdown, optionally with a new interval. */
  refresh(interval: number = this.interval): void {
    if (this.closed) return;
    this.interval = interval;
    this.timer?.cancel();
    const delay = sessionExpiryDelay(interval) * 1000;
    this.firesAt = this.o.clock.now() + delay;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.o.onExpired(this.interval);
    }, delay);
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  dump(): { interval: number; expiresInMs: number | undefined } {
    return { interval: this.interval, expiresInMs: this.timer ? Math.max(0, this.firesAt - this.o.clock.now()) : undefined };
  }
}
