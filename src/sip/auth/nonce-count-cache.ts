/**
 * Replay defence for qop=auth (RFC 7616 §3.4: "The nc value is the hexadecimal count of the
 * number of requests (including the current request) that the client has sent with the nonce
 * value in this request ... The purpose of this directive is to allow the server to detect
 * request replays by maintaining its own copy of this count — if the same nc value is seen
 * twice, then the request is a replay.").
 *
 * Remembers the highest nc accepted per nonce in a bounded LRU: memory stays fixed under a flood
 * of fresh nonces, and a nonce evicted from the cache merely loses replay protection for the
 * rest of its (short) lifetime.
 */
export class NonceCountCache {
  /** Map iteration order is insertion order, so the first key is the least recently used. */
  private readonly entries = new Map<string, number>();

  constructor(private readonly maxEntries = 50_000) {
    if (!(maxEntries > 0)) throw new RangeError(`maxEntries must be positive, got ${maxEntries}`);
  }

  /** The highest nc accepted so far for this nonce. */
  last(nonce: string): number | undefined {
    return this.entries.get(nonce);
  }

  /** Records an accepted nc; refreshes the entry's recency and evicts the oldest when full. */
  accept(nonce: string, nc: number): void {
    this.entries.delete(nonce);
    this.entries.set(nonce, nc);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
