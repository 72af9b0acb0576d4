/**
 * The small adaptive jitter buffer in front of a transcoder's decoder: stateful decoders (G.722,
 * Opus) must see a stream in order, so packets that arrive out of order are put back in order.
 * Its depth starts at zero — packets pass at once, adding no delay — and grows by one packet
 * (up to MAX_DEPTH) each time one arrives too late to be used, so a network that reorders gets a
 * buffer as deep as it needs; after DECAY_PACKETS in order it shrinks by one again. A packet held
 * while the next one is missing waits for at most `depth` packets (then the gap counts as lost and
 * is concealed downstream) or, when the stream pauses, until `flush()` from the worker's tick.
 */

const MAX_DEPTH = 4;
const DECAY_PACKETS = 500;

/** Sequence-number distance b - a in 16-bit arithmetic (RFC 3550 §A.1). */
const ahead = (a: number, b: number): number => ((b - a + 0x8000) & 0xffff) - 0x8000;

/** A jump back further than this is the sender restarting its numbering, not a late packet. */
const MAX_LATE = 64;

export class JitterBuffer {
  private expected = -1;
  private ssrc = -1;
  private readonly held = new Map<number, { packet: Buffer; at: number }>();
  depth = 0;
  /** Packets that came after their place had been given up (counted once each). */
  late = 0;
  private inOrder = 0;

  /** Forgets the stream: the next packet starts it again (the relay withheld packets meanwhile). */
  reset(release: (p: Buffer) => void): void {
    this.drain(release);
    this.expected = -1;
  }

  /** Takes one packet; `release` gets every packet that can go on now, in order. */
  push(packet: Buffer, now: number, release: (p: Buffer) => void): void {
    const seq = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    if (ssrc !== this.ssrc) {
      // Another source (a restarted stream, an SBC switching streams): a fresh sequence space.
      this.drain(release);
      this.ssrc = ssrc;
      this.expected = seq;
    }
    if (this.expected < 0) this.expected = seq;
    let d = ahead(this.expected, seq);
    if (d < -MAX_LATE) {
      this.drain(release);
      this.expected = seq;
      d = 0;
    }
    if (d < 0) {
      // Too late: its slot was concealed already. A deeper buffer would have caught it.
      this.late++;
      this.inOrder = 0;
      if (this.depth < MAX_DEPTH) this.depth++;
      return;
    }
    if (d > 0x1000) {
      // A jump far ahead is a new stream position (a restart), not reordering.
      this.drain(release);
      this.expected = seq;
    }
    this.held.set(seq, { packet, at: now });
    this.release(release, false);
    if (++this.inOrder >= DECAY_PACKETS && this.depth > 0) {
      this.depth--;
      this.inOrder = 0;
    }
  }

  /** Lets go of packets held longer than the buffer's depth allows (the stream paused or stopped). */
  flush(now: number, release: (p: Buffer) => void): void {
    if (this.held.size === 0) return;
    let oldest = Infinity;
    for (const h of this.held.values()) oldest = Math.min(oldest, h.at);
    if (now - oldest >= (this.depth + 1) * 20) this.release(release, true);
  }

  private release(release: (p: Buffer) => void, force: boolean): void {
    for (;;) {
      const next = this.held.get(this.expected);
      if (next !== undefined) {
        this.held.delete(this.expected);
        this.expected = (this.expected + 1) & 0xffff;
        release(next.packet);
        continue;
      }
      // The expected packet is missing: wait while fewer than `depth` packets are held behind it.
      if (this.held.size === 0 || (!force && this.held.size <= this.depth)) return;
      // Give it up: skip to the earliest held packet (the gap is lost and gets concealed).
      let best = -1;
      let bestAhead = Infinity;
      for (const seq of this.held.keys()) {
        const a = ahead(this.expected, seq);
        if (a < bestAhead) {
          bestAhead = a;
          best = seq;
        }
      }
      this.expected = best;
    }
  }

  private drain(release: (p: Buffer) => void): void {
    this.release(release, true);
    this.held.clear();
  }
}
