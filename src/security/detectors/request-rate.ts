/**
 * Request and packet rates per source address, as token buckets: an address may send `burst`
 * at once and `rate` per second on average. Two buckets per address:
 *  - packets, taken in the transport before any parsing, so floods of garbage that never become
 *    SIP requests are caught too (`PacketRateDetector`, on the hot path: no allocation once an
 *    address has a bucket);
 *  - requests, taken in the pipeline's flood stage with a per-method weight
 *    (`RequestRateDetector`), so INVITE storms can cost more than OPTIONS pings.
 * A bucket that runs dry reports one finding; it reports again only after it has refilled.
 */
import type { FindingKind, FindingSink } from "./finding.js";

export interface RateSettings {
  /** Tokens per second; 0 = unlimited. */
  rate: number;
  /** Bucket size. */
  burst: number;
}

interface Bucket {
  tokens: number;
  last: number;
  /** Requests (or packets) taken since the bucket was created, and when that was. */
  count: number;
  since: number;
  /** Whitelisted: never limited (decided once, when the bucket is created). */
  exempt: boolean;
  /** A finding was emitted for the current dry spell. */
  reported: boolean;
}

/** Token buckets keyed by address, bounded in number. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(
    private readonly kind: FindingKind,
    private readonly unit: string,
    private readonly settings: () => RateSettings,
    private readonly isExempt: (ip: string) => boolean,
    private readonly emit: FindingSink,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes `cost` tokens for `ip`; false when the bucket is dry (the caller drops the input). */
  take(ip: string, cost: number, now: number): boolean {
    const { rate, burst } = this.settings();
    if (rate <= 0) return true;
    let b = this.buckets.get(ip);
    if (b === undefined) {
      this.makeRoom(now, rate, burst);
      b = { tokens: burst, last: now, count: 0, since: now, exempt: this.isExempt(ip), reported: false };
      this.buckets.set(ip, b);
    }
    if (b.exempt) return true;
    b.count++;
    b.tokens = Math.min(burst, b.tokens + ((now - b.last) * rate) / 1000);
    b.last = now;
    if (b.tokens >= cost) {
      b.tokens -= cost;
      if (b.tokens >= burst / 2) b.reported = false;
      return true;
    }
    if (!b.reported) {
      b.reported = true;
      const seconds = Math.max(1, Math.ceil((now - b.since) / 1000));
      this.emit({
        kind: this.kind,
        ip,
        summary: `${this.unit} rate above ${rate}/s (burst ${burst}): ${b.count} ${this.unit}s in ${seconds} s`,
        evidence: { [`${this.unit}s`]: b.count, seconds, rate, burst },
      });
    }
    return false;
  }

  /** Forgets every bucket (after a reload: whitelist and limits may have changed). */
  clear(): void {
    this.buckets.clear();
  }

  forget(ip: string): void {
    this.buckets.delete(ip);
  }

  /** Drops buckets that have refilled completely: their addresses have been quiet. */
  prune(now: number): void {
    const { rate, burst } = this.settings();
    for (const [ip, b] of this.buckets) {
      if (rate <= 0 || b.tokens + ((now - b.last) * rate) / 1000 >= burst) this.buckets.delete(ip);
    }
  }

  get size(): number {
    return this.buckets.size;
  }

  private makeRoom(now: number, rate: number, burst: number): void {
    if (this.buckets.size < this.maxKeys) return;
    // A full sweep at most once a second; otherwise the oldest bucket makes room.
    if (now - this.lastSweep >= 1000) {
      this.lastSweep = now;
      for (const [ip, b] of this.buckets) if (b.tokens + ((now - b.last) * rate) / 1000 >= burst) this.buckets.delete(ip);
    }
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
  }
}

/** Raw packets per address, before parsing. */
export class PacketRateDetector {
  private readonly buckets: TokenBuckets;

  constructor(settings: () => RateSettings, isExempt: (ip: string) => boolean, emit: FindingSink) {
    this.buckets = new TokenBuckets("packet-flood", "packet", settings, isExempt, emit);
  }

  take(ip: string, now: number): boolean {
    return this.buckets.take(ip, 1, now);
  }

  clear(): void {
    this.buckets.clear();
  }

  forget(ip: string): void {
    this.buckets.forget(ip);
  }

  prune(now: number): void {
    this.buckets.prune(now);
  }
}

/** Weighted SIP requests per address. */
export class RequestRateDetector {
  private readonly buckets: TokenBuckets;

  constructor(
    settings: () => RateSettings,
    private readonly weights: () => ReadonlyMap<string, number>,
    isExempt: (ip: string) => boolean,
    emit: FindingSink,
  ) {
    this.buckets = new TokenBuckets("request-rate", "request", settings, isExempt, emit);
  }

  take(ip: string, method: string, now: number): boolean {
    return this.buckets.take(ip, this.weights().get(method) ?? 1, now);
  }

  clear(): void {
    this.buckets.clear();
  }

  forget(ip: string): void {
    this.buckets.forget(ip);
  }

  prune(now: number): void {
    this.buckets.prune(now);
  }
}

/** Parses `method_weights` items (`INVITE:2`); invalid items were refused by the schema. */
export function parseMethodWeights(items: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) {
    const [method = "", weight = ""] = item.split(":");
    const w = Number(weight);
    if (method && Number.isFinite(w)) out.set(method.toUpperCase(), w);
  }
  return out;
}
