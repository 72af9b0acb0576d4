/** The built-in hold music: not silence, not one tone, never a test phone's 440 or 1000 Hz, a seamless loop. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { holdMusic, MUSIC_RATE, noteFrequency, renderHoldMusic } from "../../../src/pbx/moh/generated-music.js";
import { activeSeconds, analyseTone, dominantFrequency, toneWindows, type Wav } from "../../helpers/audio.js";

const wav = (): Wav => ({ sampleRate: MUSIC_RATE, channels: 1, samples: holdMusic() });

test("hold music: 16 s at 8 kHz, sounding all the time, at a comfortable level without clipping", () => {
  const s = holdMusic();
  assert.equal(s.length, 16 * MUSIC_RATE);
  assert.equal(activeSeconds(wav()), 16, "no silent 20 ms block");
  let peak = 0;
  for (const v of s) peak = Math.max(peak, Math.abs(v));
  assert.ok(peak > 8000 && peak < 16000, `peak ${peak} (about -9 dBFS)`);
});

test("hold music: a melody, not a tone — the loudest frequency moves between many notes", () => {
  const peaks = new Set(toneWindows(wav(), 1000).map((w) => w.peakHz));
  assert.ok(peaks.size >= 8, `loudest frequencies of the 200 ms windows: ${[...peaks].join(", ")}`);
  // No frequency carries most of the energy of the loudest second.
  assert.ok(dominantFrequency(wav()).share < 0.9);
});

test("hold music: never a test phone's tone (440 Hz or 1000 Hz dominates no window)", () => {
  for (const hz of [440, 1000]) {
    const c = analyseTone(wav(), hz);
    assert.equal(c.totalToneSeconds, 0, `${hz} Hz: ${c.timeline}`);
    assert.ok(Math.abs(dominantFrequency(wav()).frequency - hz) > 20);
  }
});

test("hold music: the end runs into the start without a jump (the loop does not click)", () => {
  const s = holdMusic();
  const jump = Math.abs((s[0] ?? 0) - (s[s.length - 1] ?? 0));
  let typical = 0;
  for (let i = 1; i < s.length; i++) typical = Math.max(typical, Math.abs((s[i] ?? 0) - (s[i - 1] ?? 0)));
  assert.ok(jump <= typical, `jump ${jump} at the loop point, largest step inside ${typical}`);
});

test("hold music: rendered once per process, and the same every time", () => {
  assert.equal(holdMusic(), holdMusic());
  assert.deepEqual(renderHoldMusic(), holdMusic());
  assert.equal(Math.round(noteFrequency(69)), 440);
  assert.equal(Math.round(noteFrequency(60)), 262);
});
