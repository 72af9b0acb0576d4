/**
 * A small map whose entries expire and whose size is capped: what a session remembers about 2xx
 * responses to its INVITEs (the ACK it sent for each, the dialogs of forks it ended). RFC 3261
 * §13.3.1.4: the UAS retransmits a 2xx for at most 64*T1, so an entry is only useful that long;
 * the cap keeps a peer that invents To tags or CSeq numbers from growing it without bound.
 *
 * Expiry is checked on use (no timers): a closed session leaves nothing scheduled.
 */
import type { Clock } from "../../core/clock.js";

export interface ExpiringMapOptions {
  clock: Clock;
  /** How long an entry lives, read when it is set (64*T1 follows `[system] timer_t1`). */
  lifetimeMs: () => number;
  /** The most entries kept; the oldest goes first. */
  max: number;
}

export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(private readonly o: ExpiringMapOptions) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.o.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V): void {
    this.purge();
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.o.clock.now() + this.o.lifetimeMs() });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.o.max) break;
      this.entries.delete(oldest);
    }
  }

  /** Live entries (expired ones are dropped first). */
  get size(): number {
    this.purge();
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops expired entries; insertion order is (nearly) expiry order, so it stops at the first live one. */
  private purge(): void {
    const now = this.o.clock.now();
    for (const [k, e] of this.entries) {
      if (e.expires > now) break;
      this.entries.delete(k);
    }
  }
}
