/**
 * Bounded per-key event memory for sliding-window detectors. Each key keeps only its last `cap`
 * timestamps (enough to know whether `cap` events fell inside the window), and the number of
 * keys is capped: when full, the key untouched for longest goes first (Map insertion order, with
 * a re-insert on every hit). A spoofed-source flood can therefore not grow memory without bound.
 */
export interface WindowCount {
  /** Events of this key inside the window, this one included. */
  count: number;
  /** Time of the oldest event still inside the window. */
  first: number;
}

export class SlidingWindow {
  private readonly keys = new Map<string, number[]>();

  constructor(private readonly maxKeys = 50_000) {}

  /** Records an event of `key` at `now` and counts the key's events in the last `windowMs`. */
  hit(key: string, now: number, windowMs: number, cap: number): WindowCount {
    let times = this.keys.get(key);
    if (times === undefined) {
      times = [];
      if (this.keys.size >= this.maxKeys) {
        const oldest = this.keys.keys().next();
        if (!oldest.done) this.keys.delete(oldest.value);
      }
    } else this.keys.delete(key);
    this.keys.set(key, times);
    times.push(now);
    const from = now - windowMs;
    while (times.length > 0 && ((times[0] ?? now) <= from || times.length > Math.max(1, cap))) times.shift();
    return { count: times.length, first: times[0] ?? now };
  }

  /** Forgets every key for which `match` is true. */
  forget(match: (key: string) => boolean): void {
    for (const key of this.keys.keys()) if (match(key)) this.keys.delete(key);
  }

  /** Drops keys with no event in the last `windowMs`. */
  prune(now: number, windowMs: number): void {
    for (const [key, times] of this.keys) {
      const last = times[times.length - 1];
      if (last === undefined || last <= now - windowMs) this.keys.delete(key);
    }
  }

  get size(): number {
    return this.keys.size;
  }
}

/** Distinct values (usernames) seen per key within a window, bounded like {@link SlidingWindow}. */
export class DistinctWindow {
  private readonly keys = new Map<string, Map<string, number>>();

  constructor(
    private readonly maxKeys = 50_000,
    private readonly maxValues = 32,
  ) {}

  /** Records `value` for `key` at `now`; returns the distinct values seen in the last `windowMs`. */
  add(key: string, value: string, now: number, windowMs: number): string[] {
    let values = this.keys.get(key);
    if (values === undefined) {
      values = new Map();
      if (this.keys.size >= this.maxKeys) {
        const oldest = this.keys.keys().next();
        if (!oldest.done) this.keys.delete(oldest.value);
      }
    } else this.keys.delete(key);
    this.keys.set(key, values);
    values.delete(value);
    values.set(value, now);
    const from = now - windowMs;
    for (const [v, at] of values) if (at <= from || values.size > this.maxValues) values.delete(v);
    return [...values.keys()];
  }

  /** When the oldest value of `key` still remembered was last seen; undefined for none. */
  oldest(key: string): number | undefined {
    const values = this.keys.get(key);
    if (values === undefined) return undefined;
    let min: number | undefined;
    for (const at of values.values()) if (min === undefined || at < min) min = at;
    return min;
  }

  forget(key: string): void {
    this.keys.delete(key);
  }

  prune(now: number, windowMs: number): void {
    for (const [key, values] of this.keys) {
      let newest = -Infinity;
      for (const at of values.values()) newest = Math.max(newest, at);
      if (newest <= now - windowMs) this.keys.delete(key);
    }
  }
}
