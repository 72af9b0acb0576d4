/**
 * Built-in sounds Playback() can name without any sound file. Frequencies and cadences are the
 * North American call-progress tones (the `us` zone of Asterisk's indications.conf):
 *
 * | Name              | Sound                                   | Length |
 * |-------------------|-----------------------------------------|--------|
 * | `tone:dial`       | 350+440 Hz, continuous                  | 10 s   |
 * | `tone:ring`       | 440+480 Hz, 2 s on / 4 s off            | 12 s (two cycles) |
 * | `tone:busy`       | 480+620 Hz, 0.5 s on / 0.5 s off        | 5 s    |
 * | `tone:congestion` | 480+620 Hz, 0.25 s on / 0.25 s off      | 5 s    |
 * | `beep`, `tone:beep` | 1000 Hz                               | 250 ms |
 * | `tone:1000`       | 1000 Hz test tone                       | 5 s    |
 * | `silence/1` … `silence/10` | silence                        | 1–10 s |
 *
 * Anything else is a WAV file: `resolvePlayback("hello", dir)` → `<dir>/hello.wav`.
 */
import { isAbsolute, join } from "node:path";
import type { PlaybackSource } from "../relay/types.js";

const tone = (frequencies: number[], durationMs: number, onMs?: number, offMs?: number): PlaybackSource =>
  onMs === undefined || offMs === undefined ? { kind: "tone", frequencies, durationMs } : { kind: "tone", frequencies, durationMs, onMs, offMs };

function silences(): Record<string, PlaybackSource> {
  const out: Record<string, PlaybackSource> = {};
  for (let s = 1; s <= 10; s++) out[`silence/${s}`] = { kind: "silence", durationMs: s * 1000 };
  return out;
}

export const BUILTIN_TONES: Readonly<Record<string, PlaybackSource>> = Object.freeze({
  "tone:dial": tone([350, 440], 10_000),
  "tone:ring": tone([440, 480], 12_000, 2000, 4000),
  "tone:busy": tone([480, 620], 5000, 500, 500),
  "tone:congestion": tone([480, 620], 5000, 250, 250),
  "tone:beep": tone([1000], 250),
  beep: tone([1000], 250),
  "tone:1000": tone([1000], 5000),
  ...silences(),
});

/**
 * Maps a Playback() argument to a source: a built-in name, or a WAV file (".wav" added when
 * missing; relative names are looked up in `soundsDir`).
 */
export function resolvePlayback(name: string, soundsDir: string): PlaybackSource {
  const builtin = BUILTIN_TONES[name];
  if (builtin !== undefined) return builtin;
  const file = name.toLowerCase().endsWith(".wav") ? name : `${name}.wav`;
  return { kind: "file", path: isAbsolute(file) ? file : join(soundsDir, file) };
}
