/**
 * One direction of a transcoded bridge: RTP from one leg's phone decoded to linear audio,
 * resampled to the other leg's codec rate, cut into that leg's packetization time and encoded,
 * sent under the receiving leg's own SSRC, sequence and timestamp space (the OwnStream playback
 * and keepalives use, so its phone sees one stream).
 *
 * Timestamps follow the sender's. A few packets lost (a gap in sequence numbers matching the gap
 * in timestamps, up to MAX_CONCEAL_MS) are concealed: Opus from the next packet's in-band FEC and
 * its own concealment, other codecs by repeating the last audio, fading; so the far end hears no
 * click and our stream stays continuous. Any other gap (silence suppression, hold) moves our
 * timestamps on by the same time, so the far end's jitter buffer keeps its timing, and the next
 * packet carries the marker bit (RFC 3551 §4.1, the start of a talkspurt). RFC 4733
 * telephone-events pass with their payload type mapped and their timestamp and duration moved
 * into our clock; comfort noise (RFC 3389) is not carried across codecs.
 */
import { createCodec, naturalRate, type AudioCodec } from "../codec/audio-codec.js";
import { Resampler } from "../codec/resampler.js";
import { sendPtime } from "../codec/ptime.js";
import type { OwnStream } from "../playback/rtp-player.js";
import { parseRtpHeader, RTP_HEADER_SIZE, writeRtpHeader } from "../rtp/rtp-header.js";
import { JitterBuffer } from "./jitter-buffer.js";
import type { LegFormat } from "./leg-format.js";

/** RFC 3389 comfort noise, static payload type 13. */
const PT_CN = 13;
/** A timestamp jump larger than this (in seconds) is a new stream, not a gap. */
const MAX_GAP_SECONDS = 30;
/** Lost audio up to this long is concealed rather than skipped. */
const MAX_CONCEAL_MS = 100;
/** A packet that decodes to more than this much audio is not taken (a hostile or broken sender). */
const MAX_PACKET_MS = 120;


interface Decoder {
  codec: AudioCodec;
  resampler: Resampler;
}

/**
 * The rate to decode a sender's stream at: the receiver's, except that an Opus sender whose
 * `sprop-maxcapturerate` (RFC 7587 §6.1) says it captures less is decoded at the lowest Opus
 * rate that holds what it captures, and resampled from there.
 */
function decodeRate(entry: { name: string; fmtp?: string }, target: number): number {
  if (entry.name !== "opus") return target;
  const capture = Number(/(?:^|;)\s*sprop-maxcapturerate\s*=\s*(\d+)/i.exec(entry.fmtp ?? "")?.[1]);
  if (!Number.isFinite(capture) || capture <= 0 || capture >= target) return target;
  return [8000, 12000, 16000, 24000, 48000].find((r) => r >= capture) ?? target;
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
  private expectedSeq = -1;
  /** When the last packet was taken (performance.now()), for breaks in the sender's stream. */
  private lastAt: number | undefined;
  private lastOwnTs = 0;
  /** The last decoded audio (at the encoder's rate), repeated to cover a lost packet. */
  private lastAudio: Int16Array = new Int16Array(0);
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
  /** Packets lost on the way from the sender and concealed. */
  concealed = 0;
  /** Puts reordered packets back in order before they are decoded. */
  readonly jitter = new JitterBuffer();

  constructor(
    readonly from: LegFormat,
    readonly to: LegFormat,
    private readonly own: OwnStream,
    /** Whose stream `own` is (the leg the output goes to), so a new partner gets a new transcoder. */
    readonly sink?: object,
  ) {
    const target = to.codecs[0];
    const source = from.codecs[0];
    const rate = source === undefined ? undefined : naturalRate(source.name);
    const encoder = target === undefined ? undefined : createCodec(target.name, { ...(rate !== undefined ? { rate } : {}), ...(target.fmtp !== undefined ? { fmtp: target.fmtp } : {}) });
    if (target === undefined || encoder === undefined) throw new Error(`cannot encode ${target?.name ?? "(no codec)"}`);
    this.encoder = encoder;
    this.outPt = target.payloadType;
    const ptime = sendPtime(target.name, to.ptimeMs);
    this.frameSamples = Math.round((encoder.sampleRate * ptime) / 1000);
    this.frameTicks = Math.round((encoder.rtpClockRate * ptime) / 1000);
  }

  /** Frees the codecs' state. */
  close(): void {
    this.encoder.close?.();
    for (const d of this.decoders.values()) d.codec.close?.();
    this.decoders.clear();
  }

  get encodes(): string {
    return this.encoder.name;
  }

  /** Takes one RTP packet from the sending phone (already decrypted) and sends what it yields. */
  push(msg: Buffer, send: (packet: Buffer) => void, now = performance.now()): void {
    if (msg.length < RTP_HEADER_SIZE) {
      this.undecodable++;
      return;
    }
    // The socket's buffer is reused for the next datagram only when we let go of it; a held one is copied.
    this.jitter.push(this.jitter.depth > 0 ? Buffer.from(msg) : msg, now, (p) => this.process(p, send));
  }

  /**
   * The relay withheld the sender's packets for a while (a prompt or inband digit toward the
   * receiver, hold): what comes next is a new talkspurt, not a loss to conceal. Held packets are
   * dropped, the sender's clock forgotten, and the next packet is marked.
   */
  resync(): void {
    this.jitter.reset(() => {});
    this.expectedTs = undefined;
    this.pending = new Int16Array(0);
    this.markNext = true;
  }

  /** Packets the jitter buffer held past its depth (called from the worker's periodic tick). */
  flush(now: number, send: (packet: Buffer) => void): void {
    this.jitter.flush(now, (p) => this.process(p, send));
  }

  private process(msg: Buffer, send: (packet: Buffer) => void): void {
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
    const payload = msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
    const lost = this.followTimestamps(h.ssrc, h.sequenceNumber, h.timestamp, d.codec.rtpClockRate);
    if (lost > 0) this.conceal(d, lost, payload);
    const decoded = d.codec.decode(payload);
    if (decoded.length > (d.codec.sampleRate * MAX_PACKET_MS) / 1000) {
      this.undecodable++;
      return;
    }
    this.packetsDecoded++;
    this.expectedTs = (h.timestamp + Math.round((decoded.length * d.codec.rtpClockRate) / d.codec.sampleRate)) >>> 0;
    const audio = d.resampler.process(decoded);
    if (audio.length > 0) this.lastAudio = audio;
    this.append(audio);
    this.drain(send);
    this.lastOwnTs = this.own.ts;
  }

  /** Encodes and sends every whole frame that is buffered. */
  private drain(send: (p: Buffer) => void): void {
    while (this.pending.length >= this.frameSamples) {
      const frame = this.pending.subarray(0, this.frameSamples);
      this.pending = this.pending.subarray(this.frameSamples);
      this.emit(this.encoder.encode(frame), this.outPt, send);
      this.own.ts = (this.own.ts + this.frameTicks) >>> 0;
    }
  }

  /** Audio for `ticks` (the sender's clock) lost before `next`: the codec's own concealment, else the last audio fading. */
  private conceal(d: Decoder, ticks: number, next: Uint8Array): void {
    const samples = Math.round((ticks * d.codec.sampleRate) / d.codec.rtpClockRate);
    if (d.codec.conceal !== undefined) {
      const last = Math.min(samples, Math.round(d.codec.sampleRate / 50));
      if (samples > last) this.append(d.resampler.process(d.codec.conceal(samples - last)));
      this.append(d.resampler.process(d.codec.conceal(last, next)));
      return;
    }
    const want = Math.round((samples * this.encoder.sampleRate) / d.codec.sampleRate);
    const src = this.lastAudio;
    const out = new Int16Array(want);
    for (let i = 0; i < want && src.length > 0; i++) out[i] = Math.round((src[i % src.length] as number) * (1 - i / want) * 0.7);
    this.append(out);
  }

  private decoderFor(pt: number): Decoder | undefined {
    const known = this.decoders.get(pt);
    if (known !== undefined) return known;
    const entry = this.from.codecs.find((c) => c.payloadType === pt);
    const codec = entry === undefined ? undefined : createCodec(entry.name, { rate: decodeRate(entry, this.encoder.sampleRate) });
    if (codec === undefined) return undefined;
    const d = { codec, resampler: new Resampler(codec.sampleRate, this.encoder.sampleRate) };
    this.decoders.set(pt, d);
    return d;
  }

  /**
   * A new sender SSRC restarts the mapping. A forward jump in its timestamps is either packets
   * lost (the sequence numbers skipped as many, and it is short): returns how much to conceal, in
   * the sender's clock; or a pause (silence suppression, hold): ours move on by the same time,
   * what is buffered is dropped (it belonged before the pause) and the next packet is marked.
   */
  private followTimestamps(ssrc: number, seq: number, ts: number, clock: number): number {
    const expectedSeq = this.expectedSeq;
    this.expectedSeq = (seq + 1) & 0xffff;
    const now = performance.now();
    const last = this.lastAt;
    const lastTs = this.lastOwnTs;
    this.lastAt = now;
    if (ssrc !== this.inSsrc || this.expectedTs === undefined || clock !== this.expectedClock) {
      // A new source, a new clock, or the first packet after a resync: a new talkspurt. Ours moves
      // on by the time that passed since the last packet we took, so the receiver's playout stays
      // in time with the wall clock.
      const restart = this.inSsrc !== -1;
      this.inSsrc = ssrc;
      this.expectedClock = clock;
      this.expectedTs = ts;
      if (restart) this.newTalkspurt(last === undefined ? 0 : now - last, lastTs);
      this.lastOwnTs = this.own.ts;
      return 0;
    }
    const gap = (ts - this.expectedTs) | 0;
    if (gap === 0) return 0;
    if (gap < 0 || gap > MAX_GAP_SECONDS * clock) {
      // Timestamps went back, or jumped further than any pause: the sender restarted its clock.
      this.newTalkspurt(last === undefined ? 0 : now - last, lastTs);
      this.lastOwnTs = this.own.ts;
      return 0;
    }
    const skipped = (seq - expectedSeq) & 0xffff;
    if (skipped > 0 && skipped <= 5 && gap <= (MAX_CONCEAL_MS * clock) / 1000) {
      this.concealed += skipped;
      return gap;
    }
    this.own.ts = (this.own.ts + Math.round((gap * this.encoder.rtpClockRate) / clock)) >>> 0;
    this.pending = new Int16Array(0);
    this.markNext = true;
    return 0;
  }

  /**
   * Our stream after a break of `elapsedMs`: timestamps move on by it (less what others sending on
   * the stream meanwhile, a prompt or a digit, already moved them since `lastTs`), and the next
   * packet is marked.
   */
  private newTalkspurt(elapsedMs: number, lastTs: number): void {
    const elapsed = Math.round((Math.max(0, elapsedMs) * this.encoder.rtpClockRate) / 1000);
    const moved = (this.own.ts - lastTs) >>> 0;
    if (moved < elapsed) this.own.ts = (this.own.ts + elapsed - moved) >>> 0;
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
