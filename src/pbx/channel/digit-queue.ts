/**
 * The DTMF digits a caller pressed while the call is in the dialplan, in order, and the one
 * application waiting for the next (Read, Background, VoiceMail's `#`). Keys nobody reads keep
 * only the latest 64, so typing ahead works and a held-down flood cannot grow memory.
 */
import type { Clock } from "../../core/clock.js";

const KEEP = 64;

export interface DigitWait {
  /** The digit, or undefined on timeout, cancel or the end of the call. */
  readonly digit: Promise<string | undefined>;
  /** Stops waiting; a digit that arrives later stays queued. */
  cancel(): void;
}

export class DigitQueue {
  private readonly queue: string[] = [];
  private waiter: ((d: string | undefined) => void) | undefined;
  private ended = false;

  constructor(private readonly clock: Clock) {}

  heard(digit: string): void {
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w(digit);
      return;
    }
    if (this.queue.push(digit) > KEEP) this.queue.shift();
  }

  /** The call is over: whoever waits gets undefined, and so does every later wait. */
  end(): void {
    this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
  }

  /** Drops what was typed ahead (VoiceMailMain's login asks afresh). */
  clear(): void {
    this.queue.length = 0;
  }

  /** The next digit within `timeoutMs` (Infinity: until cancelled or the end of the call). */
  wait(timeoutMs: number): DigitWait {
    const queued = this.queue.shift();
    if (queued !== undefined) return { digit: Promise.resolve(queued), cancel: () => {} };
    if (this.ended) return { digit: Promise.resolve(undefined), cancel: () => {} };
    // One waiter at a time: a new wait ends the old one.
    this.waiter?.(undefined);
    let settle: (d: string | undefined) => void = () => {};
    const digit = new Promise<string | undefined>((resolve) => (settle = resolve));
    let timer: { cancel(): void } | undefined;
    const done = (d: string | undefined): void => {
      timer?.cancel();
      if (this.waiter === done) this.waiter = undefined;
      settle(d);
    };
    if (Number.isFinite(timeoutMs)) timer = this.clock.setTimeout(() => done(undefined), Math.max(0, timeoutMs));
    this.waiter = done;
    return { digit, cancel: () => done(undefined) };
  }
}
