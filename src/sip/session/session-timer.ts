/**
 * The session timer of one dialog (RFC 4028 §10), in either role:
 *
 *   refresher       fires at half the session interval → the session sends a refresh
 *   non-refresher   fires slightly before expiry (N - min(32, N/3)) → the session sends BYE
 *
 * Every successful refresh (a 2xx to a re-INVITE or UPDATE, in either direction) restarts it, with
 * the interval and role that refresh agreed.
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import { sessionExpiryDelay, sessionRefreshDelay } from "./extension-headers.js";

/** The longest delay a Node timer keeps (2^31-1 ms); longer ones fire after 1 ms. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export type SessionTimerRole = "refresher" | "non-refresher";

export interface SessionTimerOptions {
  clock: Clock;
  /** The session interval in seconds. */
  interval: number;
  /** Who refreshes; the peer by default. */
  role?: SessionTimerRole;
  /** No refresh arrived in time (non-refresher). */
  onExpired: (interval: number) => void;
  /** Time to send our refresh (refresher). */
  onRefreshDue?: (interval: number) => void;
}

export class SessionTimer {
  private timer: TimerHandle | undefined;
  private closed = false;
  interval: number;
  role: SessionTimerRole;
  /** When the timer fires (clock ms), for `dump()`. */
  private firesAt = 0;

  constructor(private readonly o: SessionTimerOptions) {
    this.interval = o.interval;
    this.role = o.role ?? "non-refresher";
  }

  /** Starts (or restarts, on a refresh) the countdown, optionally with a new interval and role. */
  refresh(interval: number = this.interval, role: SessionTimerRole = this.role): void {
    if (this.closed) return;
    this.interval = interval;
    this.role = role;
    this.timer?.cancel();
    const delay = Math.min(MAX_TIMER_DELAY_MS, (role === "refresher" ? sessionRefreshDelay(interval) : sessionExpiryDelay(interval)) * 1000);
    this.firesAt = this.o.clock.now() + delay;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      if (this.role === "refresher") this.o.onRefreshDue?.(this.interval);
      else this.o.onExpired(this.interval);
    }, delay);
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  dump(): { interval: number; role: SessionTimerRole; expiresInMs: number | undefined } {
    return { interval: this.interval, role: this.role, expiresInMs: this.timer ? Math.max(0, this.firesAt - this.o.clock.now()) : undefined };
  }
}
