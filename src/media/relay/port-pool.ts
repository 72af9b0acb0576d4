/**
 * RTP/RTCP port pairs inside rtp.conf's `rtpstart`..`rtpend`: RTP on an even port, RTCP on the
 * next one, "RTP data SHOULD be carried on an even UDP port number and the corresponding RTCP
 * packets SHOULD be carried on the next higher (odd) port number" (RFC 3550 §11). The pool only
 * books numbers; binding (and finding ports some other program holds) happens in the workers.
 * Allocation walks round the range from a random start, so a just-freed pair is reused last.
 */
import { ConfigError } from "../../core/errors.js";

export class PortPool {
  private readonly first: number;
  private readonly count: number;
  private readonly held = new Set<number>();
  private cursor: number;

  constructor(rtpStart: number, rtpEnd: number, random: (n: number) => number = (n) => Math.floor(Math.random() * n)) {
    this.first = rtpStart + (rtpStart % 2);
    const lastRtp = rtpEnd - 1 - ((rtpEnd - 1) % 2);
    this.count = lastRtp >= this.first ? (lastRtp - this.first) / 2 + 1 : 0;
    if (this.count === 0) throw new ConfigError(`rtp.conf: rtpstart=${rtpStart} rtpend=${rtpEnd} leave no even RTP port with RTCP on the next port; widen the range`);
    this.cursor = random(this.count);
  }

  /** Number of port pairs in the range. */
  get capacity(): number {
    return this.count;
  }

  /** Number of pairs booked (in use or still closing). */
  get booked(): number {
    return this.held.size;
  }

  /** Books the next free even port; undefined when every pair is booked. */
  take(): number | undefined {
    for (let i = 0; i < this.count; i++) {
      const idx = (this.cursor + i) % this.count;
      const port = this.first + 2 * idx;
      if (!this.held.has(port)) {
        this.held.add(port);
        this.cursor = (idx + 1) % this.count;
        return port;
      }
    }
    return undefined;
  }

  free(port: number): void {
    this.held.delete(port);
  }

  clear(): void {
    this.held.clear();
  }
}
