/**
 * Sample generators for Playback(): tones (sums of sines with an on/off cadence), silence and
 * decoded sound files, all at 8 kHz. Each `read()` fills one packet's worth of samples and
 * returns how many were real; fewer than asked means the source has ended.
 */
import type { PlaybackSource } from "../relay/types.js";

export const SAMPLE_RATE = 8000;
const DEFAULT_LEVEL = 0.35;

export interface SampleSource {
  /** Fills `out` from the current position; returns the number of samples produced (0..out.length). */
  read(out: Int16Array): number;
}

/** Sum of sines at `level` of full scale; silent during the off part of the cadence. */
export class ToneSource implements SampleSource {
  private readonly steps: number[];
  private readonly phases: number[];
  private readonly amplitude: number;
  private readonly total: number;
  private readonly onSamples: number;
  private readonly cycle: number;
  private pos = 0;

  constructor(src: Extract<PlaybackSource, { kind: "tone" }>) {
    this.steps = src.frequencies.map((f) => (2 * Math.PI * f) / SAMPLE_RATE);
    this.phases = src.frequencies.map(() => 0);
    this.amplitude = (32767 * Math.min(1, Math.max(0, src.level ?? DEFAULT_LEVEL))) / Math.max(1, src.frequencies.length);
    this.total = Math.round((src.durationMs * SAMPLE_RATE) / 1000);
    const on = src.onMs ?? 0;
    const off = src.offMs ?? 0;
    this.onSamples = Math.round((on * SAMPLE_RATE) / 1000);
    this.cycle = on > 0 && off > 0 ? this.onSamples + Math.round((off * SAMPLE_RATE) / 1000) : 0;
  }

  read(out: Int16Array): number {
    const n = Math.min(out.length, this.total - this.pos);
    for (let i = 0; i < n; i++) {
      const t = this.pos + i;
      const sounding = this.cycle === 0 || t % this.cycle < this.onSamples;
      let v = 0;
      for (let k = 0; k < this.steps.length; k++) {
        const ph = this.phases[k] ?? 0;
        if (sounding) v += Math.sin(ph);
        // Phase keeps running through the off part, so every burst starts cleanly continuous.
        this.phases[k] = (ph + (this.steps[k] ?? 0)) % (2 * Math.PI);
      }
      out[i] = Math.round(v * this.amplitude);
    }
    this.pos += Math.max(0, n);
    return Math.max(0, n);
  }
}

export class SilenceSource implements SampleSource {
  private left: number;
  constructor(durationMs: number) {
    this.left = Math.round((durationMs * SAMPLE_RATE) / 1000);
  }
  read(out: Int16Array): number {
    const n = Math.min(out.length, this.left);
    out.fill(0, 0, n);
    this.left -= n;
    return n;
  }
}

/** Plays decoded 8 kHz mono samples once, or over and over (`loop`) until the player is stopped. */
export class BufferSource implements SampleSource {
  private pos = 0;
  constructor(
    private readonly samples: Int16Array,
    private readonly loop = false,
  ) {}
  read(out: Int16Array): number {
    if (this.loop && this.samples.length > 0) {
      // A loop fills every frame: the end of the buffer runs on into its start.
      let filled = 0;
      while (filled < out.length) {
        if (this.pos >= this.samples.length) this.pos = 0;
        const n = Math.min(out.length - filled, this.samples.length - this.pos);
        out.set(this.samples.subarray(this.pos, this.pos + n), filled);
        this.pos += n;
        filled += n;
      }
      return filled;
    }
    const n = Math.min(out.length, this.samples.length - this.pos);
    out.set(this.samples.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }
}
