import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { activeSeconds, checkTone, concatWavs, dominantFrequency, makeSilenceWav, makeToneWav, mixWavs, readWav } from "./audio.js";
import { scratchDir } from "./processes.js";

describe("audio helper (sox tones, WAV reader, Goertzel detector)", () => {
  const dir = scratchDir("audio");
  const t1000 = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: 3 });
  const t440 = makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: 3 });
  const silence = makeSilenceWav(join(dir, "silence.wav"), 3);

  it("readWav: sox 8 kHz mono tone reads back 24000 samples at 8000 Hz", () => {
    const wav = readWav(t1000);
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.channels, 1);
    assert.equal(wav.samples.length, 24000);
    // vol 0.5 of full scale: peaks near 16384.
    const peak = wav.samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    assert.ok(peak > 15000 && peak < 17000, `peak ${peak}`);
  });

  it("dominantFrequency: 1000 Hz tone is detected within ±20 Hz with a share above 95 %", () => {
    const r = checkTone(t1000, 1000);
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(Math.abs(r.frequency - 1000) <= 20);
    assert.ok(r.share > 0.95, `share ${r.share}`);
  });

  it("dominantFrequency: 440 Hz tone is detected as 440 Hz and fails a 1000 Hz check", () => {
    const r = checkTone(t440, 1000);
    assert.ok(Math.abs(r.frequency - 440) <= 20, `got ${r.frequency}`);
    assert.equal(r.ok, false);
    assert.equal(checkTone(t440, 440).ok, true);
  });

  it("checkTone: silence is not a tone and has no active time", () => {
    const r = checkTone(silence, 1000);
    assert.equal(r.ok, false);
    assert.equal(r.activeSeconds, 0);
  });

  it("dominantFrequency: a 1000+440 Hz mixture has no dominant share above 80 %", () => {
    const mix = mixWavs(join(dir, "mix.wav"), [t1000, t440]);
    const r = dominantFrequency(readWav(mix));
    assert.ok([440, 1000].some((f) => Math.abs(r.frequency - f) <= 20), `got ${r.frequency}`);
    assert.ok(r.share > 0.3 && r.share < 0.8, `share ${r.share}`);
    assert.equal(checkTone(mix, 1000).ok, false);
  });

  it("activeSeconds: 2 s of tone followed by 3 s of silence counts about 2 s", () => {
    const tone2 = makeToneWav(join(dir, "t2.wav"), { frequency: 1000, seconds: 2 });
    const seq = join(dir, "seq.wav");
    concatWavs(seq, [tone2, silence]);
    const act = activeSeconds(readWav(seq));
    assert.ok(Math.abs(act - 2) <= 0.05, `active ${act}`);
  });

  it("readWav: 16 kHz and 48 kHz stereo files keep their rate; detector still finds 1000 Hz", () => {
    const w16 = makeToneWav(join(dir, "t16.wav"), { frequency: 1000, seconds: 1, rate: 16000 });
    const w48 = makeToneWav(join(dir, "t48.wav"), { frequency: 1000, seconds: 1, rate: 48000, channels: 2 });
    assert.equal(readWav(w16).sampleRate, 16000);
    const s = readWav(w48);
    assert.equal(s.sampleRate, 48000);
    assert.equal(s.channels, 2);
    assert.equal(s.samples.length, 48000);
    assert.ok(checkTone(w48, 1000).ok);
  });
});
