/**
 * One direction of a transcoded bridge: RTP from one leg's phone decoded to linear audio,
 * resampled to the other leg's codec rate, cut into that leg's packetization time and encoded,
 * sent under the receiving leg's own SSRC, sequence and timestamp space (the OwnStream playback
 * and keepalives use, so its phone sees one stream).
 *
 * Timestamps follow the sender's: a gap in its timestamps (silence suppression, a lost packet,
 * hold) moves ours on by the same time, so the far end's jitter buffer keeps its timing, and the
 * next packet carries the marker bit (RFC 3551 §4.1, the start of a talkspurt). RFC 4733
 * telephone-events pass with their payload type mapped and their timestamp and duration moved
 * into our clock; comfort noise (RFC 3389) is not carried across codecs.
 */
import { createCodec, type AudioCodec } from "../codec/audio-codec.js";
import { Resampler } from "../codec/resampler.js";
import type { OwnStream } from "../playback/rtp-player.js";
import { parseRtpHeader, RTP_HEADER_SIZE, writeRtpHeader } from "../rtp/rtp-header.js";
import type { LegFormat } from "./leg-format.js";

/** RFC 3389 comfort noise, static payload type 13. */
const PT_CN = 13;
/** A timestamp jump larger than this (in seconds) is a new stream, not a gap. */
const MAX_GAP_SECONDS = 30;

interface Decoder {
  codec: AudioCodec;
  resampler: Resampler;
}

export class Transcoder {
  private readonly decoders = new Map<number, Decoder>();
  private readonly encoder: AudioCodec;
  private readonly outPt: number;
  private readonly frameSamples: number;
  /** RTP clock ticks of one output frame. */
  private readonly frameTicks: number;
  private pending: Int16Array = new Int16Array(0);
  /** The sender's SSRC and the timestamp its next packet should have; undefined before the first. */
  private inSsrc = -1;
  private expectedTs: number | undefined;
  private expectedClock = 8000;
  private markNext = true;
  /** The sender's event timestamp we last mapped, and ours for it. */
  private eventIn: number | undefined;
  private eventOut = 0;
  /** Packets decoded and encoded, for the console and the media doctor. */
  packetsDecoded = 0;
  packetsEncoded = 0;
  /** Packets that could not be decoded: an unknown payload type or a broken header. */
  undecodable = 0;

  constructor(
    readonly from: LegFormat,
    readonly to: LegFormat,
    private readonly own: OwnStream,
  ) {
    const target = to.codecs[0];
    const encoder = target === undefined ? undefined : createCodec(target.name);
    if (target === undefined || encoder === undefined) throw new Error(`cannot encode ${target?.name ?? "(no codec)"}`);
    this.encoder = encoder;
    this.outPt = target.payloadType;
    const ptime = to.ptimeMs ?? 20;
    this.frameSamples = Math.round((encoder.sampleRate * ptime) / 1000);
    this.frameTicks = Math.round((encoder.rtpClockRate * ptime) / 1000);
  }

  get encodes(): string {
    return this.encoder.name;
  }

  /** Takes one RTP packet from the sending phone (already decrypted) and sends what it yields. */
  push(msg: Buffer, send: (packet: Buffer) => void): void {
    const h = parseRtpHeader(msg);
    if (h === undefined) {
      this.undecodable++;
      return;
    }
    if (this.from.event !== undefined && h.payloadType === this.from.event.payloadType) {
      this.relayEvent(msg, h.payloadOffset, h.payloadLength, h.timestamp, h.marker, send);
      return;
    }
    if (h.payloadType === PT_CN) return;
    const d = this.decoderFor(h.payloadType);
    if (d === undefined) {
      this.undecodable++;
      return;
    }
    this.followTimestamps(h.ssrc, h.timestamp, d.codec.rtpClockRate);
    const decoded = d.codec.decode(msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength));
    this.packetsDecoded++;
    this.expectedTs = (h.timestamp + Math.round((decoded.length * d.codec.rtpClockRate) / d.codec.sampleRate)) >>> 0;
    this.append(d.resampler.process(decoded));
    while (this.pending.length >= this.frameSamples) {
      const frame = this.pending.subarray(0, this.frameSamples);
      this.pending = this.pending.subarray(this.frameSamples);
      this.emit(this.encoder.encode(frame), this.outPt, send);
      this.own.ts = (this.own.ts + this.frameTicks) >>> 0;
    }
  }

  private decoderFor(pt: number): Decoder | undefined {
    const known = this.decoders.get(pt);
    if (known !== undefined) return known;
    const entry = this.from.codecs.find((c) => c.payloadType === pt);
    const codec = entry === undefined ? undefined : createCodec(entry.name);
    if (codec === undefined) return undefined;
    const d = { codec, resampler: new Resampler(codec.sampleRate, this.encoder.sampleRate) };
    this.decoders.set(pt, d);
    return d;
  }

  /**
   * A new sender SSRC restarts the mapping; a forward jump in its timestamps moves ours on by the
   * same time (what is buffered is dropped: it belonged before the gap) and marks the next packet.
   */
  private followTimestamps(ssrc: number, ts: number, clock: number): void {
    if (ssrc !== this.inSsrc || this.expectedTs === undefined || clock !== this.expectedClock) {
      this.inSsrc = ssrc;
      this.expectedClock = clock;
      this.expectedTs = ts;
      return;
    }
    const gap = (ts - this.expectedTs) | 0;
    if (gap <= 0 || gap > MAX_GAP_SECONDS * clock) return;
    this.own.ts = (this.own.ts + Math.round((gap * this.encoder.rtpClockRate) / clock)) >>> 0;
    this.pending = new Int16Array(0);
    this.markNext = true;
  }

  private append(samples: Int16Array): void {
    if (this.pending.length === 0) {
      this.pending = samples;
      return;
    }
    const joined = new Int16Array(this.pending.length + samples.length);
    joined.set(this.pending);
    joined.set(samples, this.pending.length);
    this.pending = joined;
  }

  /**
   * RFC 4733 §2.5: the packets of one event share the timestamp of its start; ours is where our
   * stream stands when it begins. The duration field counts the event's clock.
   */
  private relayEvent(msg: Buffer, offset: number, length: number, ts: number, marker: boolean, send: (p: Buffer) => void): void {
    const outEvent = this.to.event;
    const inEvent = this.from.event;
    if (outEvent === undefined || inEvent === undefined || length < 4) return;
    if (this.eventIn !== ts) {
      this.eventIn = ts;
      this.eventOut = this.own.ts;
    }
    const body = Buffer.from(msg.subarray(offset, offset + 4));
    if (inEvent.clockRate !== outEvent.clockRate) {
      body.writeUInt16BE(Math.min(0xffff, Math.round((body.readUInt16BE(2) * outEvent.clockRate) / inEvent.clockRate)), 2);
    }
    const out = Buffer.allocUnsafe(RTP_HEADER_SIZE + 4);
    writeRtpHeader(out, outEvent.payloadType, this.own.seq, this.eventOut, this.own.ssrc, marker);
    body.copy(out, RTP_HEADER_SIZE);
    this.own.seq = (this.own.seq + 1) & 0xffff;
    send(out);
  }

  private emit(payload: Buffer, pt: number, send: (p: Buffer) => void): void {
    const out = Buffer.allocUnsafe(RTP_HEADER_SIZE + payload.length);
    writeRtpHeader(out, pt, this.own.seq, this.own.ts, this.own.ssrc, this.markNext);
    payload.copy(out, RTP_HEADER_SIZE);
    this.markNext = false;
    this.own.seq = (this.own.seq + 1) & 0xffff;
    this.packetsEncoded++;
    send(out);
  }
}
