/**
 * MixMonitor's tap on one leg: what the leg's phone sends (the receive direction, Asterisk's
 * "read") and what it is sent (transmit, "write": the bridged partner's audio, prompts, tones)
 * are decoded in the worker, put on one time line, and written as one mixed file and/or one
 * file per direction (options r and t).
 *
 * The time line is the wall clock, started by the first packet either way. Each direction keeps
 * its own count of samples; a direction that falls behind the clock by more than a packet and
 * some jitter (a gap, a phone that does not send, a partner not yet bridged) is filled with
 * silence, and one that runs ahead of it (a sender faster than real time) loses what is too far
 * ahead. What both directions have reached is mixed (summed, saturating) and written at each
 * housekeeping tick, so the files lag the call by a fraction of a second and the two directions
 * stay in step. With `bridgedOnly` (option b) nothing is taken while the leg has no partner, and
 * the time line pauses.
 *
 *   packets ──► Track (decode, resample, align) ─┐
 *                                                ├─► mix ──► SoundWriter (mixed file)
 *   packets ──► Track ───────────────────────────┘ └─► SoundWriter (r / t files)
 */
import { createCodec, type AudioCodec } from "../codec/audio-codec.js";
import { Resampler } from "../codec/resampler.js";
import { parseRtpHeader } from "../rtp/rtp-header.js";
import type { LegFormat } from "../transcode/leg-format.js";
import { monitorRate, SoundWriter, type MonitorFormat } from "./sound-writer.js";

/** How far a direction may lag the clock before silence fills the gap, beyond one packet. */
const JITTER_MS = 60;
/** At a tick, each direction is filled with silence up to this far behind the clock. */
const TICK_LAG_MS = 200;
/** Audio further than this ahead of the clock is dropped. */
const MAX_AHEAD_MS = 300;

export interface MonitorFile {
  path: string;
  format: MonitorFormat;
}

/** What MixMonitor() asks of the worker. Plain data (it crosses postMessage and moves with the leg). */
export interface MixMonitorSpec {
  /** Names this monitor on its leg (StopMixMonitor's MixMonitorID). */
  tapId: string;
  /** The mixed file; absent when only r()/t() files are written. */
  mix?: MonitorFile;
  /** Option r: what the leg's phone sends. */
  receive?: MonitorFile;
  /** Option t: what the leg's phone is sent (hears). */
  transmit?: MonitorFile;
  /** Option a: continue existing files. */
  append: boolean;
  /** Option b: only while the leg is bridged. */
  bridgedOnly: boolean;
  /** Linear factors on each direction (options V and v). */
  receiveGain: number;
  transmitGain: number;
}

export type MixMonitorEnd = "stopped" | "hangup" | "error";

export interface MixMonitorResult {
  readonly reason: MixMonitorEnd;
  /** Why it failed (reason error). */
  readonly message?: string;
  /** Audio written to the mixed file (or the longest direction file), ms. */
  readonly durationMs: number;
}

/** What the tap needs to know of its leg. */
export interface TapLeg {
  /** The formats to decode by payload type: the leg's own, then its partner's (packets relayed untouched keep the partner's numbers). */
  formats(): Array<LegFormat | undefined>;
  bridged(): boolean;
}

interface Decoder {
  codec: AudioCodec;
  resampler: Resampler;
}

const STATIC: Readonly<Record<number, string>> = { 0: "ulaw", 8: "alaw", 9: "g722" };

/** One direction: decoded audio on the shared time line, not yet written. */
export class Track {
  /** Samples put on the time line so far (written and pending). */
  pos = 0;
  private pending: Int16Array[] = [];
  private pendingLength = 0;
  private readonly decoders = new Map<string, Decoder | undefined>();

  constructor(
    private readonly rate: number,
    private readonly gain: number,
  ) {}

  /** Decodes one RTP packet; undefined when it is not audio this track can decode (events, CN, unknown). */
  decode(rtp: Buffer, formats: Array<LegFormat | undefined>): Int16Array | undefined {
    const h = parseRtpHeader(rtp);
    if (h === undefined || h.payloadLength === 0) return undefined;
    const pt = h.payloadType;
    let name: string | undefined;
    for (const f of formats) {
      if (f?.event?.payloadType === pt) return undefined;
      name ??= f?.codecs.find((c) => c.payloadType === pt)?.name;
    }
    name ??= STATIC[pt];
    if (name === undefined) return undefined;
    const key = `${pt}:${name}`;
    let d = this.decoders.get(key);
    if (d === undefined && !this.decoders.has(key)) {
      const codec = createCodec(name, { rate: this.rate });
      d = codec === undefined ? undefined : { codec, resampler: new Resampler(codec.sampleRate, this.rate) };
      this.decoders.set(key, d);
    }
    if (d === undefined) return undefined;
    return d.resampler.process(d.codec.decode(rtp.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)));
  }

  /** Puts decoded audio on the time line, whose clock says `target` samples have passed. */
  put(audio: Int16Array, target: number): void {
    const jitter = (JITTER_MS * this.rate) / 1000;
    if (this.pos < target - audio.length - jitter) this.silence(target - audio.length - this.pos);
    const room = Math.floor(target + (MAX_AHEAD_MS * this.rate) / 1000 - this.pos);
    if (room <= 0) return;
    let take = room < audio.length ? audio.subarray(0, room) : audio;
    if (this.gain !== 1) take = scaled(take, this.gain);
    else take = take.slice();
    this.pending.push(take);
    this.pendingLength += take.length;
    this.pos += take.length;
  }

  /** Fills with silence so the track reaches `to` samples. */
  fillTo(to: number): void {
    if (to > this.pos) this.silence(Math.floor(to - this.pos));
  }

  private silence(n: number): void {
    if (n <= 0) return;
    this.pending.push(new Int16Array(n));
    this.pendingLength += n;
    this.pos += n;
  }

  /** Takes the first `n` pending samples (n ≤ pending). */
  take(n: number): Int16Array {
    const out = new Int16Array(n);
    let off = 0;
    while (off < n) {
      const c = this.pending[0]!;
      const k = Math.min(c.length, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (k === c.length) this.pending.shift();
      else this.pending[0] = c.subarray(k);
    }
    this.pendingLength -= n;
    return out;
  }

  get pendingSamples(): number {
    return this.pendingLength;
  }

  close(): void {
    for (const d of this.decoders.values()) d?.codec.close?.();
    this.decoders.clear();
  }
}

function scaled(audio: Int16Array, gain: number): Int16Array {
  const out = new Int16Array(audio.length);
  for (let i = 0; i < audio.length; i++) out[i] = clamp(audio[i]! * gain);
  return out;
}

function clamp(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
}

/** Sums two directions sample by sample, saturating as Asterisk's mixing does. */
export function mixSamples(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = clamp((a[i] ?? 0) + (b[i] ?? 0));
  return out;
}

/** A file of the tap and, when it is written at another rate than the tap works at, its resampler. */
class Sink {
  private readonly resampler: Resampler | undefined;
  constructor(
    readonly writer: SoundWriter,
    rate: number,
  ) {
    this.resampler = writer.rate === rate ? undefined : new Resampler(rate, writer.rate);
  }

  write(samples: Int16Array): void {
    this.writer.write(this.resampler ? this.resampler.process(samples) : samples);
  }
}

export class MixTap {
  readonly rate: number;
  private readonly rx: Track;
  private readonly tx: Track;
  private readonly sinks: { mix?: Sink; receive?: Sink; transmit?: Sink } = {};
  /** Clock time (ms) at which the time line was at sample 0; undefined until it starts (or while paused). */
  private t0: number | undefined;
  private ended = false;

  /** Opens the files; throws MEDIA_FILE (nothing left open) when one cannot be written. */
  constructor(
    readonly spec: MixMonitorSpec,
    private readonly leg: TapLeg,
    private readonly onEnd: (r: MixMonitorResult) => void,
  ) {
    const first = spec.mix ?? spec.receive ?? spec.transmit;
    this.rate = first === undefined ? 8000 : monitorRate(first.format);
    this.rx = new Track(this.rate, spec.receiveGain);
    this.tx = new Track(this.rate, spec.transmitGain);
    try {
      for (const k of ["mix", "receive", "transmit"] as const) {
        const f = spec[k];
        if (f !== undefined) this.sinks[k] = new Sink(new SoundWriter(f.path, f.format, spec.append), this.rate);
      }
    } catch (err) {
      this.closeFiles();
      throw err;
    }
  }

  get done(): boolean {
    return this.ended;
  }

  /** What the leg's phone sent. */
  pushReceived(rtp: Buffer, now: number): void {
    this.push(this.rx, rtp, now);
  }

  /** What goes to the leg's phone. */
  pushSent(rtp: Buffer, now: number): void {
    this.push(this.tx, rtp, now);
  }

  private push(track: Track, rtp: Buffer, now: number): void {
    if (this.ended || !this.active()) return;
    const audio = track.decode(rtp, this.leg.formats());
    if (audio === undefined || audio.length === 0) return;
    this.t0 ??= now - (Math.max(this.rx.pos, this.tx.pos) * 1000) / this.rate;
    track.put(audio, this.target(now));
  }

  private target(now: number): number {
    return this.t0 === undefined ? 0 : Math.floor(((now - this.t0) * this.rate) / 1000);
  }

  /** False while option b holds the recording (the leg has no partner); the time line pauses meanwhile. */
  private active(): boolean {
    if (!this.spec.bridgedOnly || this.leg.bridged()) return true;
    if (this.t0 !== undefined) {
      this.align(Math.max(this.rx.pos, this.tx.pos));
      this.t0 = undefined;
    }
    return false;
  }

  /** Housekeeping: directions that fell behind get silence, and what both reached is written. */
  tick(now: number): void {
    if (this.ended || !this.active() || this.t0 === undefined) return;
    const upTo = this.target(now) - (TICK_LAG_MS * this.rate) / 1000;
    this.rx.fillTo(upTo);
    this.tx.fillTo(upTo);
    try {
      this.flush();
    } catch (err) {
      this.end("error", (err as Error).message);
    }
  }

  /** Fills both directions to `to` samples and writes everything. */
  private align(to: number): void {
    this.rx.fillTo(to);
    this.tx.fillTo(to);
    this.flush();
  }

  private flush(): void {
    const n = Math.min(this.rx.pendingSamples, this.tx.pendingSamples);
    if (n <= 0) return;
    const r = this.rx.take(n);
    const t = this.tx.take(n);
    this.sinks.receive?.write(r);
    this.sinks.transmit?.write(t);
    this.sinks.mix?.write(mixSamples(r, t));
  }

  /** Ends the recording (once): what is pending is written, the files closed, `onEnd` told. */
  stop(reason: MixMonitorEnd): void {
    if (this.ended) return;
    try {
      this.align(Math.max(this.rx.pos, this.tx.pos));
    } catch (err) {
      return this.end("error", (err as Error).message);
    }
    this.end(reason);
  }

  /**
   * The leg moves to another worker: what is pending is written and the files closed, without
   * telling `onEnd`; the spec returned continues them there (append).
   */
  handover(): MixMonitorSpec {
    if (!this.ended) {
      try {
        this.align(Math.max(this.rx.pos, this.tx.pos));
      } catch {
        // The new worker reports it when it cannot continue the file.
      }
      this.ended = true;
      this.closeFiles();
    }
    return { ...this.spec, append: true };
  }

  private end(reason: MixMonitorEnd, message?: string): void {
    if (this.ended) return;
    this.ended = true;
    const written = Math.max(...[this.sinks.mix, this.sinks.receive, this.sinks.transmit].map((s) => (s === undefined ? 0 : s.writer.samplesWritten / s.writer.rate)));
    this.closeFiles();
    this.onEnd({ reason, ...(message !== undefined ? { message } : {}), durationMs: Math.round(written * 1000) });
  }

  private closeFiles(): void {
    this.rx.close();
    this.tx.close();
    for (const s of [this.sinks.mix, this.sinks.receive, this.sinks.transmit]) s?.writer.close();
  }
}
