/**
 * Strict RTP source learning (rtp.conf `strictrtp`, `probation`). The first source seen after
 * (re)negotiation is accepted at once; a different source must then send `probation` packets with
 * consecutive sequence numbers (RFC 3550 §A.1 "probation") before it replaces the first one. Until
 * then its packets are dropped, which keeps a stray or spoofed sender from hijacking the call
 * while still following a phone whose NAT mapping really changed.
 *
 *   (none) --first packet--> LEARNED --new source, seq run reaches probation--> LEARNED (new)
 *
 * `strictrtp=no` accepts everything and follows the latest source immediately. `yes` and
 * `seqno` behave the same here: both learn by sequence numbers.
 * DEVIATION(Asterisk strictrtp=yes): no separate 5 s time-based learning window.
 */
import type { StrictRtpMode } from "../../config/rtp/rtp-schema.js";

export type LearnVerdict = "accept" | "switch" | "drop";

export class SourceLearner {
  /** The accepted source; address strings are kept as given (no per-packet allocation). */
  address: string | undefined;
  port = 0;
  private candAddress: string | undefined;
  private candPort = 0;
  private candSeq = -1;
  private candCount = 0;

  constructor(
    private mode: StrictRtpMode,
    private probation: number,
  ) {}

  configure(mode: StrictRtpMode, probation: number): void {
    this.mode = mode;
    this.probation = Math.max(1, probation);
  }

  /** Forgets the learned source (new offer/answer, new bridge). */
  reset(): void {
    this.address = undefined;
    this.port = 0;
    this.candAddress = undefined;
    this.candCount = 0;
  }

  /** Decides about one packet from `address:port` with RTP sequence number `seq`. */
  check(address: string, port: number, seq: number): LearnVerdict {
    if (this.address === undefined || (this.mode === "no" && (address !== this.address || port !== this.port))) {
      this.address = address;
      this.port = port;
      this.candAddress = undefined;
      return "switch";
    }
    if (port === this.port && address === this.address) return "accept";
    if (this.candAddress === address && this.candPort === port && seq === ((this.candSeq + 1) & 0xffff)) {
      this.candCount++;
    } else {
      this.candAddress = address;
      this.candPort = port;
      this.candCount = 1;
    }
    this.candSeq = seq;
    if (this.candCount < this.probation) return "drop";
    this.address = address;
    this.port = port;
    this.candAddress = undefined;
    this.candCount = 0;
    return "switch";
  }
}
