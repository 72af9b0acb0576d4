/**
 * Generates an RTP stream from a sample source at real-time pace (Playback(), tones). One
 * `RtpPlayer` per playing leg; the worker's pacer calls `due()`/`sendFrame()` so every player of a
 * worker shares one timer. Packets use the leg's own SSRC and sequence space, with the marker bit
 * on the first packet: "the first packet in a talkspurt" (RFC 3551 §4.1).
 */
import { createCodec, type AudioCodec } from "../codec/audio-codec.js";
import { Resampler } from "../codec/resampler.js";
import { sendPtime } from "../codec/ptime.js";
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

/** Asterisk's names for the encodings PlayOptions used to take. */
const LEGACY: Readonly<Record<string, string>> = { PCMU: "ulaw", PCMA: "alaw" };

export class RtpPlayer {
  /** `performance.now()` time at which the next packet is due. */
  nextAt: number;
  private readonly frame: Int16Array;
  private readonly codec: AudioCodec;
  private readonly resampler: Resampler;
  private readonly ticks: number;
  private first = true;
  readonly ptimeMs: number;

  constructor(
    private readonly source: SampleSource,
    private readonly opts: PlayOptions,
    private readonly own: OwnStream,
    readonly finish: (result: PlayResult) => void,
    now: number,
  ) {
    const name = LEGACY[opts.codec] ?? opts.codec;
    this.ptimeMs = sendPtime(name, opts.ptimeMs);
    const codec = createCodec(name, { rate: SAMPLE_RATE, ...(opts.fmtp !== undefined ? { fmtp: opts.fmtp } : {}) });
    if (codec === undefined) throw new Error(`cannot play to a leg in ${name}`);
    this.codec = codec;
    this.resampler = new Resampler(SAMPLE_RATE, codec.sampleRate);
    this.frame = new Int16Array((SAMPLE_RATE * this.ptimeMs) / 1000);
    this.ticks = (codec.rtpClockRate * this.ptimeMs) / 1000;
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
    const payload = this.codec.encode(this.resampler.process(this.frame));
    const buf = Buffer.allocUnsafe(RTP_HEADER_SIZE + payload.length);
    writeRtpHeader(buf, this.opts.payloadType, this.own.seq, this.own.ts, this.own.ssrc, this.first);
    payload.copy(buf, RTP_HEADER_SIZE);
    this.first = false;
    this.own.seq = (this.own.seq + 1) & 0xffff;
    this.own.ts = (this.own.ts + this.ticks) >>> 0;
    this.nextAt += this.ptimeMs;
    return buf;
  }

  /** Frees the codec's state (Opus). */
  close(): void {
    this.codec.close?.();
  }
}
