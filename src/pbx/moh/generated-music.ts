/**
 * Switchboard's own hold music, made in-process so music on hold works with no sound files: a
 * 16-second loop in E-flat major at 8 kHz — a soft pad holding each chord of I–vi–IV–V, a bass
 * note on the first and third beat, and a plucked melody over two phrases, the second answering
 * the first. Each voice is a few sine partials under an envelope (attack, exponential decay,
 * release), so notes start and end without clicks, and the loop's end runs into its start.
 *
 * The key has no A: no note lies near 440 Hz or 1000 Hz, the test tones the phones of the
 * integration tests send, so a test can tell the music from either phone.
 */

export const MUSIC_RATE = 8000;
/** 120 beats a minute. */
const BEAT_SECONDS = 0.5;
const BEATS_PER_BAR = 4;

/** MIDI note numbers of the pitches used (60 = middle C). */
const N = { Ab2: 44, Bb2: 46, C3: 48, Eb3: 51, Eb4: 63, F4: 65, G4: 67, Ab4: 68, Bb4: 70, C5: 72, D5: 74, Eb5: 75, F5: 77, G5: 79, Ab5: 80, Bb5: 82 } as const;

/** The chords, one per bar: bass root and the pad's three notes. */
const BARS: ReadonlyArray<{ bass: number; pad: readonly number[] }> = [
  { bass: N.Eb3, pad: [N.Eb4, N.G4, N.Bb4] }, // E♭
  { bass: N.C3, pad: [N.Eb4, N.G4, N.C5] }, // Cm
  { bass: N.Ab2, pad: [N.Eb4, N.Ab4, N.C5] }, // A♭
  { bass: N.Bb2, pad: [N.F4, N.Bb4, N.D5] }, // B♭
];

/** The melody as [note, beats]; two phrases over the four chords, 32 beats in all. */
const MELODY: ReadonlyArray<readonly [number, number]> = [
  [N.G5, 1], [N.F5, 0.5], [N.Eb5, 0.5], [N.Bb4, 1], [N.Eb5, 1],
  [N.C5, 1], [N.Eb5, 0.5], [N.G5, 0.5], [N.F5, 1], [N.Eb5, 1],
  [N.C5, 1], [N.Eb5, 1], [N.Ab5, 1], [N.G5, 1],
  [N.F5, 1.5], [N.Eb5, 0.5], [N.D5, 1], [N.Bb4, 1],
  [N.Eb5, 1], [N.G5, 1], [N.Bb5, 1], [N.G5, 1],
  [N.G5, 1], [N.F5, 0.5], [N.Eb5, 0.5], [N.C5, 2],
  [N.Ab5, 1], [N.G5, 0.5], [N.F5, 0.5], [N.Eb5, 1], [N.C5, 1],
  [N.D5, 1], [N.F5, 1], [N.Eb5, 2],
];

/** Equal temperament, A4 = 440 Hz. */
export function noteFrequency(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}

interface Voice {
  /** Partials as [multiple of the fundamental, relative level]. */
  partials: ReadonlyArray<readonly [number, number]>;
  attack: number;
  /** Exponential decay time constant while the note lasts (Infinity: sustained). */
  decay: number;
  release: number;
  level: number;
}

const PLUCK: Voice = { partials: [[1, 1], [2, 0.3], [3, 0.12]], attack: 0.008, decay: 0.45, release: 0.06, level: 0.22 };
const BASS: Voice = { partials: [[1, 1], [2, 0.5], [3, 0.2]], attack: 0.01, decay: 0.6, release: 0.08, level: 0.2 };
const PAD: Voice = { partials: [[1, 1], [2, 0.15]], attack: 0.25, decay: Infinity, release: 0.25, level: 0.045 };

/** Adds one note into `out` (which wraps around: a note ringing past the end continues at the start). */
function addNote(out: Float64Array, voice: Voice, midi: number, startSec: number, lengthSec: number): void {
  const f = noteFrequency(midi);
  const start = Math.round(startSec * MUSIC_RATE);
  const held = Math.round(lengthSec * MUSIC_RATE);
  const release = Math.round(voice.release * MUSIC_RATE);
  const attack = Math.max(1, Math.round(voice.attack * MUSIC_RATE));
  const partials = voice.partials.filter(([k]) => k * f < MUSIC_RATE / 2 - 200);
  for (let i = 0; i < held + release; i++) {
    const t = i / MUSIC_RATE;
    let env = i < attack ? i / attack : Number.isFinite(voice.decay) ? Math.exp(-(i - attack) / MUSIC_RATE / voice.decay) : 1;
    if (i >= held) env *= 1 - (i - held) / release;
    let v = 0;
    for (const [k, a] of partials) v += a * Math.sin(2 * Math.PI * f * k * t);
    const at = (start + i) % out.length;
    out[at] = (out[at] ?? 0) + voice.level * env * v;
  }
}

/** Renders the loop: 16 s of 8 kHz 16-bit samples whose end joins its start. */
export function renderHoldMusic(): Int16Array {
  const bars = BARS.length * 2;
  const barSec = BEATS_PER_BAR * BEAT_SECONDS;
  const mix = new Float64Array(Math.round(bars * barSec * MUSIC_RATE));
  for (let b = 0; b < bars; b++) {
    const chord = BARS[b % BARS.length]!;
    const at = b * barSec;
    for (const note of chord.pad) addNote(mix, PAD, note, at, barSec - PAD.release);
    addNote(mix, BASS, chord.bass, at, 2 * BEAT_SECONDS);
    addNote(mix, BASS, chord.bass + 12, at + 2 * BEAT_SECONDS, 2 * BEAT_SECONDS);
  }
  let beat = 0;
  for (const [note, beats] of MELODY) {
    addNote(mix, PLUCK, note, beat * BEAT_SECONDS, beats * BEAT_SECONDS);
    beat += beats;
  }
  let peak = 0;
  for (const v of mix) peak = Math.max(peak, Math.abs(v));
  // Normalised to a comfortable level (about -9 dBFS at its loudest), like speech prompts.
  const gain = peak > 0 ? (0.35 * 32767) / peak : 0;
  const out = new Int16Array(mix.length);
  for (let i = 0; i < mix.length; i++) out[i] = Math.round((mix[i] ?? 0) * gain);
  return out;
}

let cached: Int16Array | undefined;

/** The loop, rendered once per process (about 0.1 s of work). */
export function holdMusic(): Int16Array {
  cached ??= renderHoldMusic();
  return cached;
}
