/**
 * Generates an RTP stream from a sample source at real-time pace (Playback(), tones). One
 * `RtpPlayer` per playing leg; the worker's pacer calls `due()`/`sendFrame()` so every player of a
 * worker shares one timer. Packets use the leg's own SSRC and sequence space, with the marker bit
 * on the first packet: "the first packet in a talkspurt" (RFC 3551 §4.1).
 */
import { encodeG711 } from "../codec/g711.js";
import { RTP_HEADER_SIZE, writeRtpHeader } from "../rtp/rtp-header.js";
import type { PlayOptions, PlayResult } from "../relay/types.js";
import type { SampleSource } from "./sample-sources.js";
import { SAMPLE_RATE } from "./sample-sources.js";

/** Our own outgoing RTP identity on a leg (used by playback, keepalives and echo). */
export interface OwnStream {
  ssrc: number;
  seq: number;
  ts: number;
}

/** Buffers cycled per player; a datagram is handed to the kernel long before its buffer returns. */
const RING = 8;

export class RtpPlayer {
  /** `performance.now()` time at which the next packet is due. */
  nextAt: number;
  private readonly frame: Int16Array;
  private readonly ring: Buffer[] = [];
  private ringPos = 0;
  private first = true;
  readonly ptimeMs: number;

  constructor(
    private readonly source: SampleSource,
    private readonly opts: PlayOptions,
    private readonly own: OwnStream,
    readonly finish: (result: PlayResult) => void,
    now: number,
  ) {
    this.ptimeMs = Math.min(120, Math.max(10, opts.ptimeMs ?? 20));
    const samples = (SAMPLE_RATE * this.ptimeMs) / 1000;
    this.frame = new Int16Array(samples);
    for (let i = 0; i < RING; i++) this.ring.push(Buffer.alloc(RTP_HEADER_SIZE + samples));
    this.nextAt = now;
  }

  /**
   * Builds the next packet, or returns undefined when the source has ended. The last, partial
   * frame is padded with silence so every packet has the negotiated ptime.
   */
  nextPacket(): Buffer | undefined {
    const got = this.source.read(this.frame);
    if (got === 0) return undefined;
    if (got < this.frame.length) this.frame.fill(0, got);
    const buf = this.ring[this.ringPos] ?? Buffer.alloc(RTP_HEADER_SIZE + this.frame.length);
    this.ringPos = (this.ringPos + 1) % RING;
    writeRtpHeader(buf, this.opts.payloadType, this.own.seq, this.own.ts, this.own.ssrc, this.first);
    encodeG711(this.opts.codec, this.frame, buf, RTP_HEADER_SIZE);
    this.first = false;
    this.own.seq = (this.own.seq + 1) & 0xffff;
    this.own.ts = (this.own.ts + this.frame.length) >>> 0;
    this.nextAt += this.ptimeMs;
    return buf;
  }
}
