/**
 * Tone files and tone checks for media tests (PEERS.md §5): sox makes the WAVs, a small RIFF
 * reader loads 16-bit PCM, and Goertzel filters classify 200 ms windows as silent, carrying the
 * expected tone, or dominated by something else. `checkTone` passes only when the tone lasts
 * (an uninterrupted run of tone windows of at least `minSeconds`), so a test can tell "the far
 * end's 1000 Hz tone arrived for the whole call" from echo, silence, or a second of audio that
 * then stopped; its `timeline` says what was heard when.
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

/** What `checkTone` requires; every field has a default. */
export interface ToneCheckOptions {
  /**
   * Share (0..1) of a window's energy that must lie within ±`toleranceHz` of the expected
   * frequency; default 0.8. Above one half this also makes the tone the dominant frequency.
   */
  readonly minShare?: number;
  /**
   * Seconds the tone must last without interruption (the longest run of consecutive tone
   * windows). Default: 75 % of the analysed span — "most of the recording", since a baresip
   * recording lasts as long as the call, and the call as long as the tone file that ends it.
   * Pass the tone's real length minus a margin when the recording is longer than the tone.
   */
  readonly minSeconds?: number;
  /** Default 20 Hz (PEERS.md §5). */
  readonly toleranceHz?: number;
  /** RMS (of 32767) below which a window counts as silent; default 300. */
  readonly minRms?: number;
  /** Analysis window; default 200 ms (bins 5 Hz apart). */
  readonly windowMs?: number;
  /** Analyse only the part of the file from `from` to `to` seconds. */
  readonly from?: number;
  readonly to?: number;
}

/** One analysis window: silent, carrying the expected tone, or dominated by something else. */
export interface ToneWindow {
  /** Seconds from the start of the file. */
  readonly start: number;
  readonly rms: number;
  /** Energy share within ±toleranceHz of the expected frequency. */
  readonly share: number;
  readonly kind: "silent" | "tone" | "other";
  /** The strongest frequency (10 Hz steps), for windows that are not silent. */
  readonly peakHz?: number;
}

/** The result; `frequency`, `share`, `rms`, `activeSeconds` and `durationSeconds` are of the analysed part. */
export interface ToneCheck extends DominantFrequency {
  readonly activeSeconds: number;
  readonly durationSeconds: number;
  /** Longest run of consecutive windows carrying the expected tone, seconds. */
  readonly toneSeconds: number;
  /** Where that run starts, seconds from the start of the file. */
  readonly toneStart: number;
  /** All windows carrying the tone together, seconds. */
  readonly totalToneSeconds: number;
  /** The requirement applied (see ToneCheckOptions.minSeconds). */
  readonly minSeconds: number;
  /** The windows merged into runs, e.g. "0.0-0.2s silent, 0.2-5.8s 1000Hz, 5.8-6.0s 440Hz". */
  readonly timeline: string;
  /** The tone carries at least `minSeconds` without interruption (right frequency, share, level). */
  readonly ok: boolean;
}

/**
 * Energy share of the band `hz ± toleranceHz` in samples[start, start+n): by Parseval the DFT
 * bins of a real signal hold N·Σx², half of it at positive frequencies, so the bins in the band
 * (one per `sampleRate/n` Hz) over that half give the share directly, without sweeping.
 */
function bandShare(samples: Int16Array, sampleRate: number, start: number, n: number, hz: number, toleranceHz: number): number {
  let energy = 0;
  for (let i = start; i < start + n; i++) energy += (samples[i] ?? 0) ** 2;
  if (energy === 0) return 0;
  const binHz = sampleRate / n;
  let band = 0;
  for (let k = Math.ceil((hz - toleranceHz) / binHz); k * binHz <= hz + toleranceHz; k++) {
    if (k > 0 && k < n / 2) band += goertzelPower(samples, sampleRate, k * binHz, start, n);
  }
  return Math.min(1, (2 * band) / (n * energy));
}

function peakFrequency(samples: Int16Array, sampleRate: number, start: number, n: number, minHz = 50, stepHz = 10): number {
  let best = 0;
  let bestPower = -1;
  for (let f = minHz; f < sampleRate / 2; f += stepHz) {
    const p = goertzelPower(samples, sampleRate, f, start, n);
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  return best;
}

/** Classifies consecutive windows of `wav` (or of its part `from`..`to`) against `expectedHz`. */
export function toneWindows(wav: Wav, expectedHz: number, o: ToneCheckOptions = {}): ToneWindow[] {
  const sr = wav.sampleRate;
  const n = Math.max(1, Math.round((sr * (o.windowMs ?? 200)) / 1000));
  const first = Math.max(0, Math.round((o.from ?? 0) * sr));
  const last = Math.min(wav.samples.length, o.to === undefined ? wav.samples.length : Math.round(o.to * sr));
  const out: ToneWindow[] = [];
  for (let start = first; start + n <= last; start += n) {
    const r = rms(wav.samples, start, n);
    const share = bandShare(wav.samples, sr, start, n, expectedHz, o.toleranceHz ?? 20);
    const silent = r <= (o.minRms ?? 300);
    const kind = silent ? "silent" : share >= (o.minShare ?? 0.8) ? "tone" : "other";
    const w: ToneWindow = { start: start / sr, rms: Math.round(r), share, kind };
    out.push(silent ? w : { ...w, peakHz: kind === "tone" ? expectedHz : peakFrequency(wav.samples, sr, start, n) });
  }
  return out;
}

/**
 * "0.0-0.2s silent, 0.2-5.8s 1000Hz, 5.8-6.0s ~440Hz (2% at 1000)": runs of windows with the
 * same content; neighbouring "other" windows whose peaks lie within 20 Hz form one run.
 */
export function describeWindows(windows: readonly ToneWindow[], windowSeconds: number, expectedHz: number, maxRuns = 16): string {
  interface Run { from: number; to: number; kind: ToneWindow["kind"]; peak: number; shares: number[] }
  const runs: Run[] = [];
  for (const w of windows) {
    const prev = runs.at(-1);
    const peak = w.peakHz ?? 0;
    if (prev !== undefined && prev.kind === w.kind && (w.kind !== "other" || Math.abs(prev.peak - peak) <= 20)) {
      prev.to = w.start + windowSeconds;
      prev.shares.push(w.share);
    } else {
      runs.push({ from: w.start, to: w.start + windowSeconds, kind: w.kind, peak, shares: [w.share] });
    }
  }
  const text = (r: Run): string => {
    if (r.kind === "silent") return "silent";
    if (r.kind === "tone") return `${expectedHz}Hz`;
    const share = r.shares.reduce((x, y) => x + y, 0) / r.shares.length;
    return `~${r.peak}Hz (${Math.round(share * 100)}% at ${expectedHz})`;
  };
  const shown = runs.slice(0, maxRuns).map((r) => `${r.from.toFixed(1)}-${r.to.toFixed(1)}s ${text(r)}`);
  if (runs.length > maxRuns) shown.push(`… ${runs.length - maxRuns} more runs`);
  return shown.join(", ");
}

/** Checks decoded audio (a WAV already read) for `expectedHz` lasting `minSeconds`; see checkTone. */
export function analyseTone(wav: Wav, expectedHz: number, o: ToneCheckOptions = {}): ToneCheck {
  const windowSeconds = (o.windowMs ?? 200) / 1000;
  const windows = toneWindows(wav, expectedHz, o);
  // Everything below describes the analysed part only; times in `windows` stay file times.
  const first = Math.max(0, Math.round((o.from ?? 0) * wav.sampleRate));
  const last = Math.min(wav.samples.length, o.to === undefined ? wav.samples.length : Math.round(o.to * wav.sampleRate));
  const part: Wav = { ...wav, samples: wav.samples.subarray(first, Math.max(first, last)) };
  const durationSeconds = part.samples.length / wav.sampleRate;
  const minSeconds = o.minSeconds ?? Math.max(windowSeconds, 0.75 * durationSeconds);
  let best = 0;
  let bestStart = 0;
  let run = 0;
  let total = 0;
  windows.forEach((w, i) => {
    if (w.kind !== "tone") {
      run = 0;
      return;
    }
    total++;
    run++;
    if (run > best) {
      best = run;
      bestStart = windows[i - run + 1]?.start ?? 0;
    }
  });
  const toneSeconds = best * windowSeconds;
  return {
    ...dominantFrequency(part),
    activeSeconds: activeSeconds(part),
    durationSeconds,
    toneSeconds: Number(toneSeconds.toFixed(3)),
    toneStart: bestStart,
    totalToneSeconds: Number((total * windowSeconds).toFixed(3)),
    minSeconds,
    timeline: describeWindows(windows, windowSeconds, expectedHz),
    // A small epsilon: 15 windows of 0.2 s make 2.9999999999999996 s in floating point.
    ok: best > 0 && toneSeconds + 1e-9 >= minSeconds,
  };
}

/**
 * Loads a WAV and checks that `expectedHz` is its tone for at least `minSeconds` without a
 * break: in each window of that run the level is above silence and the band ±20 Hz around the
 * expected frequency holds `minShare` of the energy. A loud second alone no longer passes: echo
 * or playback that stops after a second fails, and `timeline` in the result says what was there.
 * A number as third argument is `minShare`, as before.
 */
export function checkTone(path: string, expectedHz: number, options: number | ToneCheckOptions = {}): ToneCheck {
  const o: ToneCheckOptions = typeof options === "number" ? { minShare: options } : options;
  return analyseTone(readWav(path), expectedHz, o);
}

/** Throws with the measured timeline unless `check.ok`; `who` names the listener. */
export function assertTone(check: ToneCheck, who: string, expectedHz: number): void {
  if (check.ok) return;
  if (check.durationSeconds === 0) throw new Error(`${who} did not hear ${expectedHz} Hz for ${check.minSeconds.toFixed(1)} s: no audio at all`);
  throw new Error(
    `${who} did not hear ${expectedHz} Hz for ${check.minSeconds.toFixed(1)} s: longest run ${check.toneSeconds.toFixed(1)} s ` +
      `(from ${check.toneStart.toFixed(1)} s), ${check.totalToneSeconds.toFixed(1)} s in all, of ${check.durationSeconds.toFixed(1)} s analysed; ` +
      `loudest second ${check.frequency} Hz (share ${Math.round(check.share * 100)} %); timeline: ${check.timeline}`,
  );
}
