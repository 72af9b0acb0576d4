/**
 * Tone files and tone checks for media tests (PEERS.md §5): sox makes the WAVs, a small RIFF
 * reader loads 16-bit PCM, and a Goertzel sweep finds the dominant frequency in the loudest
 * second, so a test can tell "the far end's 1000 Hz tone arrived" from echo or silence.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface ToneOptions {
  readonly frequency: number;
  readonly seconds: number;
  readonly rate?: number;
  readonly channels?: number;
  /** 0..1 amplitude; default 0.5. */
  readonly volume?: number;
}

/** Writes a sine tone WAV (16-bit signed PCM) with sox. */
export function makeToneWav(path: string, o: ToneOptions): string {
  execFileSync("sox", [
    "-n", "-r", String(o.rate ?? 8000), "-c", String(o.channels ?? 1), "-b", "16", "-e", "signed-integer", path,
    "synth", String(o.seconds), "sine", String(o.frequency), "vol", String(o.volume ?? 0.5),
  ]);
  return path;
}

/** Writes a silent WAV of `seconds`. */
export function makeSilenceWav(path: string, seconds: number, rate = 8000): string {
  execFileSync("sox", ["-n", "-r", String(rate), "-c", "1", "-b", "16", "-e", "signed-integer", path, "trim", "0", String(seconds)]);
  return path;
}

/** Mixes WAV files of equal format into one (sox -m). */
export function mixWavs(path: string, inputs: readonly string[]): string {
  execFileSync("sox", ["-m", ...inputs, path]);
  return path;
}

/** Appends WAV files of equal format one after the other (sox without -m concatenates). */
export function concatWavs(path: string, inputs: readonly string[]): string {
  execFileSync("sox", [...inputs, path]);
  return path;
}

export interface Wav {
  readonly sampleRate: number;
  readonly channels: number;
  /** Samples of the first channel. */
  readonly samples: Int16Array;
}

/**
 * Reads a RIFF/WAVE file with 16-bit PCM data (format 1, or WAVE_FORMAT_EXTENSIBLE carrying PCM).
 * Chunks other than `fmt ` and `data` are skipped; a data size of 0 or past the end (recorders
 * killed mid-call) means "up to the end of the file".
 */
export function readWav(path: string): Wav {
  const buf = readFileSync(path);
  if (buf.length < 12 || buf.toString("latin1", 0, 4) !== "RIFF" || buf.toString("latin1", 8, 12) !== "WAVE") {
    throw new Error(`${path}: not a RIFF/WAVE file`);
  }
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString("latin1", off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === "fmt ") {
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === "data") {
      if (fmt === undefined) throw new Error(`${path}: data chunk before fmt chunk`);
      if (fmt.bits !== 16 || (fmt.format !== 1 && fmt.format !== 0xfffe)) throw new Error(`${path}: only 16-bit PCM is supported (format ${fmt.format}, ${fmt.bits} bits)`);
      if (size === 0 || body + size > buf.length) size = buf.length - body;
      const frames = Math.floor(size / (2 * fmt.channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = buf.readInt16LE(body + i * 2 * fmt.channels);
      return { sampleRate: fmt.rate, channels: fmt.channels, samples };
    }
    off = body + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

/** Goertzel power of `frequency` over samples[start, start+length). */
export function goertzelPower(samples: Int16Array, sampleRate: number, frequency: number, start = 0, length = samples.length - start): number {
  const w = (2 * Math.PI * frequency) / sampleRate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  const end = Math.min(samples.length, start + length);
  for (let n = start; n < end; n++) {
    const s = (samples[n] ?? 0) + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

function rms(samples: Int16Array, start: number, length: number): number {
  let sum = 0;
  const end = Math.min(samples.length, start + length);
  for (let n = start; n < end; n++) sum += (samples[n] ?? 0) ** 2;
  return Math.sqrt(sum / Math.max(1, end - start));
}

/** Seconds of 20 ms blocks whose RMS exceeds `threshold` (of 32767). */
export function activeSeconds(wav: Wav, threshold = 300, blockMs = 20): number {
  const block = Math.max(1, Math.round((wav.sampleRate * blockMs) / 1000));
  let active = 0;
  for (let start = 0; start + block <= wav.samples.length; start += block) if (rms(wav.samples, start, block) > threshold) active++;
  return (active * blockMs) / 1000;
}

export interface DominantFrequency {
  /** Frequency with the highest Goertzel power, Hz. */
  readonly frequency: number;
  /** Share (0..1) of the swept power that lies within ±20 Hz of `frequency`. */
  readonly share: number;
  /** RMS of the analysed window. */
  readonly rms: number;
}

/** Sweeps 50 Hz … rate/2 in `stepHz` steps over the loudest 1 s window (20 ms hops). */
export function dominantFrequency(wav: Wav, stepHz = 10, minHz = 50): DominantFrequency {
  const sr = wav.sampleRate;
  const win = Math.min(sr, wav.samples.length);
  const hop = Math.max(1, Math.round(sr / 50));
  let bestStart = 0;
  let bestRms = -1;
  for (let start = 0; start + win <= wav.samples.length; start += hop) {
    const r = rms(wav.samples, start, win);
    if (r > bestRms) {
      bestRms = r;
      bestStart = start;
    }
  }
  const powers: Array<[number, number]> = [];
  for (let f = minHz; f < sr / 2; f += stepHz) powers.push([f, goertzelPower(wav.samples, sr, f, bestStart, win)]);
  let peak: [number, number] = [0, -1];
  let total = 0;
  for (const p of powers) {
    total += p[1];
    if (p[1] > peak[1]) peak = p;
  }
  let near = 0;
  for (const [f, p] of powers) if (Math.abs(f - peak[0]) <= 20) near += p;
  return { frequency: peak[0], share: total > 0 ? near / total : 0, rms: Math.max(0, bestRms) };
}

export interface ToneCheck extends DominantFrequency {
  readonly activeSeconds: number;
  readonly durationSeconds: number;
  /** Dominant frequency within ±20 Hz of the expected one, share ≥ minShare, and not silent. */
  readonly ok: boolean;
}

/** Loads a WAV and checks it carries `expectedHz` as its dominant tone. */
export function checkTone(path: string, expectedHz: number, minShare = 0.8): ToneCheck {
  const wav = readWav(path);
  const dom = dominantFrequency(wav);
  const act = activeSeconds(wav);
  return {
    ...dom,
    activeSeconds: act,
    durationSeconds: wav.samples.length / wav.sampleRate,
    ok: dom.rms > 300 && Math.abs(dom.frequency - expectedHz) <= 20 && dom.share >= minShare,
  };
}
