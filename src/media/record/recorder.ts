/**
 * Records what a leg's phone sends (Record(), VoiceMail()): each RTP packet is decoded in the
 * leg's codec and resampled to 8 kHz mono; a gap in the RTP timestamps (lost packets, a phone
 * that stops sending in silence) becomes silence of the same length, so the recording keeps the
 * caller's time. The recorder also ends the recording: at the maximum duration, or after a run
 * of silence, judged as Asterisk's DSP judges it (a 20 ms frame is silent when the mean of its
 * absolute sample values is below the threshold). The caller's key press and hangup end it from
 * outside (`stop`).
 */
import { createCodec, type AudioCodec } from "../codec/audio-codec.js";
import { Resampler } from "../codec/resampler.js";
import { parseRtpHeader } from "../rtp/rtp-header.js";
import type { LegFormat } from "../transcode/leg-format.js";

export const RECORD_RATE = 8000;
/** A timestamp jump longer than this is not filled with silence (a new stream, a broken sender). */
const MAX_GAP_MS = 5000;
/**
 * The longest recording kept when nothing else limits it (maxMs 0): an hour, 57.6 MB of 8 kHz
 * audio. The recording is held in memory until it ends.
 */
export const MAX_RECORD_MS = 3_600_000;
const FRAME = RECORD_RATE / 50;

export interface RecordOptions {
  /** Stop after this much audio (0: no limit). */
  maxMs: number;
  /** Stop after this much unbroken silence (0: never for silence). */
  silenceMs: number;
  /** Mean absolute sample value below which a 20 ms frame is silent (Asterisk's silencethreshold). */
  silenceThreshold: number;
}

export type RecordEnd = "stopped" | "maxduration" | "silence" | "hangup";

export interface RecordResult {
  readonly reason: RecordEnd;
  /** 8 kHz mono. */
  readonly samples: Int16Array;
  /** The silence at the end of `samples` (ms), for callers that trim it. */
  readonly trailingSilenceMs: number;
}

interface Decoder {
  codec: AudioCodec;
  resampler: Resampler;
}

export class Recorder {
  private chunks: Int16Array[] = [];
  private total = 0;
  private readonly decoders = new Map<number, Decoder>();
  private ssrc: number | undefined;
  private expectedTs = 0;
  /** Samples of the current, not yet judged 20 ms frame: their absolute sum and count. */
  private frameSum = 0;
  private frameCount = 0;
  private silentSamples = 0;
  /** Wall-clock time of the last packet, to count a phone that sends nothing as silence. */
  private lastPacketAt: number;

  private ended = false;

  constructor(
    private readonly format: LegFormat | undefined,
    private readonly opts: RecordOptions,
    now: number,
    private readonly onEnd: (r: RecordResult) => void,
  ) {
    this.lastPacketAt = now;
  }

  get done(): boolean {
    return this.ended;
  }

  /** Takes one RTP packet (in the clear); ends the recording when it reaches a limit. */
  push(rtp: Buffer, now: number): void {
    if (this.ended) return;
    const end = this.take(rtp, now);
    if (end !== undefined) this.stop(end);
  }

  /** Called regularly: a phone that has sent nothing for a while is silent meanwhile. */
  tick(now: number): void {
    if (this.ended) return;
    const quietMs = now - this.lastPacketAt;
    if (this.opts.silenceMs > 0 && quietMs >= 200 && (this.silentSamples * 1000) / RECORD_RATE + quietMs >= this.opts.silenceMs) this.stop("silence");
    else if ((this.total * 1000) / RECORD_RATE + quietMs >= (this.opts.maxMs > 0 ? Math.min(this.opts.maxMs, MAX_RECORD_MS) : MAX_RECORD_MS)) this.stop("maxduration");
  }

  /** Ends the recording (once) and hands over what it holds; frees the decoders. */
  stop(reason: RecordEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this.finish(reason));
  }

  private take(rtp: Buffer, now: number): RecordEnd | undefined {
    const h = parseRtpHeader(rtp);
    if (h === undefined) return undefined;
    const d = this.decoderFor(h.payloadType);
    if (d === undefined) return undefined;
    if (this.ssrc === h.ssrc) {
      const gap = ((h.timestamp - this.expectedTs) | 0) / d.codec.rtpClockRate;
      if (gap < 0) return undefined; // late or repeated: its time is already in the recording
      // A gap is filled with silence only as long as the time that really passed since the last
      // packet: a sender's timestamps alone cannot grow the recording faster than real time.
      const fill = Math.min(gap * 1000, MAX_GAP_MS, Math.max(0, now - this.lastPacketAt - 20));
      if (fill > 0) {
        const end = this.appendSilence(Math.round((fill * RECORD_RATE) / 1000));
        if (end !== undefined) return end;
      }
    }
    this.lastPacketAt = now;
    this.ssrc = h.ssrc;
    const payload = rtp.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
    if (payload.length === 0) return undefined;
    const decoded = d.codec.decode(payload);
    this.expectedTs = (h.timestamp + Math.round((decoded.length * d.codec.rtpClockRate) / d.codec.sampleRate)) >>> 0;
    return this.append(d.resampler.process(decoded));
  }

  private finish(reason: RecordEnd): RecordResult {
    for (const d of this.decoders.values()) d.codec.close?.();
    this.decoders.clear();
    const samples = new Int16Array(this.total);
    let off = 0;
    for (const c of this.chunks) {
      samples.set(c, off);
      off += c.length;
    }
    this.chunks = [];
    return { reason, samples, trailingSilenceMs: Math.round((Math.min(this.silentSamples, this.total) * 1000) / RECORD_RATE) };
  }

  private appendSilence(n: number): RecordEnd | undefined {
    return n > 0 ? this.append(new Int16Array(n)) : undefined;
  }

  private append(audio: Int16Array): RecordEnd | undefined {
    let take = audio;
    const limit = Math.round((Math.min(this.opts.maxMs > 0 ? this.opts.maxMs : MAX_RECORD_MS, MAX_RECORD_MS) * RECORD_RATE) / 1000);
    if (this.total + take.length > limit) take = take.subarray(0, Math.max(0, limit - this.total));
    if (take.length > 0) {
      this.chunks.push(take.slice());
      this.total += take.length;
    }
    for (let i = 0; i < take.length; i++) {
      const v = take[i]!;
      this.frameSum += v < 0 ? -v : v;
      if (++this.frameCount === FRAME) {
        if (this.frameSum / FRAME < this.opts.silenceThreshold) this.silentSamples += FRAME;
        else this.silentSamples = 0;
        this.frameSum = 0;
        this.frameCount = 0;
      }
    }
    if (this.total >= limit) return "maxduration";
    if (this.opts.silenceMs > 0 && (this.silentSamples * 1000) / RECORD_RATE >= this.opts.silenceMs) return "silence";
    return undefined;
  }

  private decoderFor(pt: number): Decoder | undefined {
    const known = this.decoders.get(pt);
    if (known !== undefined) return known;
    const entry = this.format?.codecs.find((c) => c.payloadType === pt) ?? STATIC[pt];
    if (entry === undefined || this.format?.event?.payloadType === pt) return undefined;
    const codec = createCodec(entry.name, { rate: RECORD_RATE });
    if (codec === undefined) return undefined;
    const d = { codec, resampler: new Resampler(codec.sampleRate, RECORD_RATE) };
    this.decoders.set(pt, d);
    return d;
  }
}

/** The static payload types (RFC 3551) a leg without a negotiated format may still send. */
const STATIC: Readonly<Record<number, { name: string }>> = { 0: { name: "ulaw" }, 8: { name: "alaw" }, 9: { name: "g722" } };
