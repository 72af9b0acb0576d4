/**
 * One conference inside a relay worker: its members' legs all live in this worker, so the mix
 * never crosses a thread. What each member's phone sends is decoded, resampled to the room's
 * internal rate and queued; every mixing interval one frame is taken from each queue, the
 * mix-minus computed (mix-minus.ts), and each member's frame resampled to its own codec's rate,
 * cut into its packetization time, encoded and sent under the leg's own SSRC, sequence and
 * timestamp space (the stream its prompts and keepalives use, so its phone sees one source).
 *
 * Members on different codecs (G.711 µ-law and A-law, G.722, Opus, L16) meet at the internal
 * rate. `internal_sample_rate=auto` mixes at the highest natural rate among the members' codecs
 * (8 kHz for a G.711-only room, 16 kHz once a G.722 phone joins); a fixed rate stays fixed.
 *
 * Each queue waits for a frame and a margin (JITTER_MS) before it is read, so packets arriving
 * a little early or late against our clock do not starve the mix; a queue that runs dry is read
 * as silence and waits for its margin again, one that grows beyond MAX_QUEUE_MS (the phone's
 * clock runs faster than ours) loses its oldest audio. RFC 4733 events are not mixed (the
 * relay leg reports them as digits); comfort noise is taken as silence.
 */
import { createCodec, naturalRate, type AudioCodec } from "../codec/audio-codec.js";
import { OPUS_RATES } from "../codec/opus.js";
import { sendPtime } from "../codec/ptime.js";
import { Resampler } from "../codec/resampler.js";
import { parseRtpHeader, RTP_HEADER_SIZE, writeRtpHeader } from "../rtp/rtp-header.js";
import type { OwnStream } from "../playback/rtp-player.js";
import type { LegFormat } from "../transcode/leg-format.js";
import { mixMinus } from "./mix-minus.js";

/** RFC 3389 comfort noise, static payload type 13. */
const PT_CN = 13;
/** Audio queued beyond one frame before a member's queue is read. */
const JITTER_MS = 40;
/** A member's queue is cut back to this when its phone sends faster than we mix. */
const MAX_QUEUE_MS = 200;
/** More than this behind (an event-loop stall) and the mixer skips ahead instead of bursting. */
const MAX_LAG_MS = 200;

export interface ConferenceSettings {
  /** Hz, or "auto": the highest natural rate of the members' codecs. */
  internalRate: number | "auto";
  /** The mixing interval in ms (10, 20, 40 or 80). */
  intervalMs: number;
}

/** What the room needs of a relay leg. */
export interface ConferenceLeg {
  readonly id: string;
  readonly own: OwnStream;
  readonly options: { format?: LegFormat | undefined; remoteReceives?: boolean | undefined };
  /** A prompt or digit toward this phone replaces the mix meanwhile. */
  readonly player: unknown;
  readonly closed: boolean;
  sendOwn(buf: Buffer): void;
}

interface Decoder {
  codec: AudioCodec;
  resampler: Resampler;
}

interface Encoder {
  codec: AudioCodec;
  resampler: Resampler;
  payloadType: number;
  frameSamples: number;
  frameTicks: number;
}

class Member {
  muted = false;
  readonly decoders = new Map<number, Decoder | undefined>();
  /** What the phone said, at the internal rate, not yet mixed. */
  queue: Int16Array = new Int16Array(0);
  primed = false;
  encoder: Encoder | undefined;
  /** Mixed audio at the encoder's rate, not yet a whole packet. */
  pending: Int16Array = new Int16Array(0);
  markNext = true;
  /** Packets decoded and sent, for the console. */
  decoded = 0;
  encoded = 0;

  constructor(readonly leg: ConferenceLeg) {}

  close(): void {
    for (const d of this.decoders.values()) d?.codec.close?.();
    this.decoders.clear();
    this.encoder?.codec.close?.();
    this.encoder = undefined;
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  if (a.length === 0) return b;
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A codec instance at `rate` when it can run there (Opus), else at its own. */
function codecAt(name: string, rate: number, fmtp?: string): AudioCodec | undefined {
  const r = name === "opus" ? (OPUS_RATES.includes(rate) ? rate : 48000) : undefined;
  return createCodec(name, { ...(r !== undefined ? { rate: r } : {}), ...(fmtp !== undefined ? { fmtp } : {}) });
}

export class ConferenceRoom {
  private readonly members = new Map<string, Member>();
  private rate = 8000;
  private timer: NodeJS.Timeout | undefined;
  private nextAt = 0;
  closed = false;

  constructor(
    readonly id: string,
    private readonly settings: ConferenceSettings,
  ) {
    this.rate = typeof settings.internalRate === "number" ? settings.internalRate : 8000;
  }

  get size(): number {
    return this.members.size;
  }

  get internalRate(): number {
    return this.rate;
  }

  has(legId: string): boolean {
    return this.members.has(legId);
  }

  /** Adds a leg (or refreshes its codec after a re-INVITE); the mixer starts with the first. */
  join(leg: ConferenceLeg, muted: boolean): void {
    let m = this.members.get(leg.id);
    if (m === undefined) {
      m = new Member(leg);
      this.members.set(leg.id, m);
    }
    m.muted = muted;
    this.refreshRate();
    this.rebuild(m);
    if (this.timer === undefined) {
      this.nextAt = performance.now() + this.settings.intervalMs;
      this.schedule();
    }
  }

  leave(legId: string): void {
    const m = this.members.get(legId);
    if (m === undefined) return;
    m.close();
    this.members.delete(legId);
    if (this.members.size === 0) this.stop();
    else this.refreshRate();
  }

  setMuted(legId: string, muted: boolean): void {
    const m = this.members.get(legId);
    if (m === undefined) return;
    m.muted = muted;
    m.queue = new Int16Array(0);
    m.primed = false;
  }

  /** The leg's format changed (a re-INVITE): new decoders and encoder. */
  formatChanged(legId: string): void {
    const m = this.members.get(legId);
    if (m === undefined) return;
    this.refreshRate();
    this.rebuild(m);
  }

  /** One RTP packet (decrypted, not an event) from a member's phone. */
  push(legId: string, msg: Buffer): void {
    const m = this.members.get(legId);
    if (m === undefined || m.muted) return;
    const h = parseRtpHeader(msg);
    if (h === undefined || h.payloadLength === 0 || h.payloadType === PT_CN) return;
    const d = this.decoderFor(m, h.payloadType);
    if (d === undefined) return;
    const pcm = d.codec.decode(msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength));
    m.decoded++;
    let q = concat(m.queue, d.resampler.process(pcm));
    const max = (this.rate * MAX_QUEUE_MS) / 1000;
    if (q.length > max) q = q.subarray(q.length - max);
    m.queue = q;
  }

  stats(legId: string): { rate: number; decoded: number; encoded: number; muted: boolean } | undefined {
    const m = this.members.get(legId);
    return m === undefined ? undefined : { rate: this.rate, decoded: m.decoded, encoded: m.encoded, muted: m.muted };
  }

  stop(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const m of this.members.values()) m.close();
    this.members.clear();
  }

  private schedule(): void {
    this.timer = setTimeout(this.tick, Math.max(0, this.nextAt - performance.now()));
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    if (this.closed || this.members.size === 0) return;
    const now = performance.now();
    if (now - this.nextAt > MAX_LAG_MS) this.nextAt = now;
    while (this.nextAt <= now + 1) {
      this.mixOnce();
      this.nextAt += this.settings.intervalMs;
    }
    this.schedule();
  };

  /** Takes one interval from every member, mixes, and sends each its share (the timer calls it; the benchmark too). */
  mixOnce(): void {
    const frame = Math.round((this.rate * this.settings.intervalMs) / 1000);
    const list = [...this.members.values()];
    const inputs = list.map((m) => this.take(m, frame));
    const outputs = mixMinus(inputs, frame);
    for (let i = 0; i < list.length; i++) {
      const m = list[i] as Member;
      try {
        this.send(m, outputs[i] ?? new Int16Array(frame));
      } catch {
        // A codec that fails stops this member's audio, never the room.
        m.encoder = undefined;
      }
    }
  }

  private take(m: Member, frame: number): Int16Array | undefined {
    if (m.muted) return undefined;
    const margin = (this.rate * JITTER_MS) / 1000;
    if (!m.primed) {
      if (m.queue.length < frame + margin) return undefined;
      m.primed = true;
    }
    if (m.queue.length < frame) {
      // Ran dry: what is left, then wait for the margin again.
      const rest = m.queue;
      m.queue = new Int16Array(0);
      m.primed = false;
      return rest.length > 0 ? rest : undefined;
    }
    const out = m.queue.subarray(0, frame);
    m.queue = m.queue.subarray(frame);
    return out;
  }

  private send(m: Member, mixed: Int16Array): void {
    const e = m.encoder;
    const leg = m.leg;
    if (e === undefined || leg.closed) return;
    if (leg.player !== undefined || leg.options.remoteReceives === false) {
      // A prompt or a digit plays to this phone on the same stream, or the phone holds the call
      // (sendonly/inactive): the mix waits, and starts a new talkspurt.
      m.pending = new Int16Array(0);
      m.markNext = true;
      return;
    }
    let pending = concat(m.pending, e.resampler.process(mixed));
    const own = leg.own;
    while (pending.length >= e.frameSamples) {
      const payload = e.codec.encode(pending.subarray(0, e.frameSamples));
      pending = pending.subarray(e.frameSamples);
      const out = Buffer.allocUnsafe(RTP_HEADER_SIZE + payload.length);
      writeRtpHeader(out, e.payloadType, own.seq, own.ts, own.ssrc, m.markNext);
      payload.copy(out, RTP_HEADER_SIZE);
      m.markNext = false;
      own.seq = (own.seq + 1) & 0xffff;
      own.ts = (own.ts + e.frameTicks) >>> 0;
      m.encoded++;
      leg.sendOwn(out);
    }
    m.pending = pending;
  }

  private decoderFor(m: Member, pt: number): Decoder | undefined {
    if (m.decoders.has(pt)) return m.decoders.get(pt);
    const entry = m.leg.options.format?.codecs.find((c) => c.payloadType === pt) ?? (pt === 0 ? { name: "ulaw" } : pt === 8 ? { name: "alaw" } : undefined);
    const codec = entry === undefined ? undefined : codecAt(entry.name, this.rate);
    const d = codec === undefined ? undefined : { codec, resampler: new Resampler(codec.sampleRate, this.rate) };
    m.decoders.set(pt, d);
    return d;
  }

  /** New decoders (made on demand) and the encoder for the member's first format, at the current rate. */
  private rebuild(m: Member): void {
    m.close();
    m.queue = new Int16Array(0);
    m.primed = false;
    m.pending = new Int16Array(0);
    m.markNext = true;
    const target = m.leg.options.format?.codecs[0] ?? { name: "ulaw", payloadType: 0 };
    const codec = codecAt(target.name, this.rate, "fmtp" in target ? target.fmtp : undefined);
    if (codec === undefined) return;
    const ptime = sendPtime(target.name, m.leg.options.format?.ptimeMs);
    m.encoder = {
      codec,
      resampler: new Resampler(this.rate, codec.sampleRate),
      payloadType: target.payloadType,
      frameSamples: Math.round((codec.sampleRate * ptime) / 1000),
      frameTicks: Math.round((codec.rtpClockRate * ptime) / 1000),
    };
  }

  /** With `auto`, the rate follows the members' codecs; a change rebuilds every member's codecs. */
  private refreshRate(): void {
    if (this.settings.internalRate !== "auto") return;
    let best = 8000;
    for (const m of this.members.values()) {
      const name = m.leg.options.format?.codecs[0]?.name;
      const r = name === undefined ? undefined : naturalRate(name);
      if (r !== undefined && r > best) best = r;
    }
    if (best === this.rate) return;
    this.rate = best;
    for (const m of this.members.values()) this.rebuild(m);
  }
}
