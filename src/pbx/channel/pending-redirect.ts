/**
 * A redirect (AMI Redirect, `channel redirect`) between the moment it is asked for and the moment
 * the dialplan executor takes it, as Asterisk's asynchronous goto: the channel's current
 * application is woken (prompts, waits, Dial end at once) and, when it returns, the executor goes
 * on at the target instead of the next priority.
 *
 *   idle ──request(target)──► pending (waiters woken) ──take()──► idle
 */
import type { RedirectTarget } from "../dialplan/channel.js";

export class PendingRedirect {
  private target: RedirectTarget | undefined;
  private wake: (() => void) | undefined;
  private requested: Promise<void> | undefined;

  /** True between request() and take(). */
  get pending(): boolean {
    return this.target !== undefined;
  }

  /** Sends the channel to `target` (a later request before the take replaces it) and wakes its waits. */
  request(target: RedirectTarget): void {
    this.target = target;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The target, once; the next waits wait for the next request. */
  take(): RedirectTarget | undefined {
    const t = this.target;
    this.target = undefined;
    if (t !== undefined) this.requested = undefined;
    return t;
  }

  /** Resolves when a redirect is asked for (at once while one is pending). */
  whenRequested(): Promise<void> {
    if (this.target !== undefined) return Promise.resolve();
    this.requested ??= new Promise<void>((r) => (this.wake = r));
    return this.requested;
  }
}
