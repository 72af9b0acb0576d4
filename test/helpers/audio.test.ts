import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { activeSeconds, analyseTone, assertTone, checkTone, concatWavs, dominantFrequency, makeSilenceWav, makeToneWav, mixWavs, readWav } from "./audio.js";
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

  describe("checkTone: minimum duration (the tone must last, not just be loud for a second)", () => {
    const burst1 = makeToneWav(join(dir, "burst1.wav"), { frequency: 1000, seconds: 1 });
    const silence4 = makeSilenceWav(join(dir, "silence4.wav"), 4);
    const silence05 = makeSilenceWav(join(dir, "silence05.wav"), 0.5);
    const tone15 = makeToneWav(join(dir, "t15.wav"), { frequency: 1000, seconds: 1.5 });
    // A 1 s burst, then silence: what echo or playback that stops after a second looks like.
    const burstIn5 = concatWavs(join(dir, "burst-in-5.wav"), [burst1, silence4]);
    const tone5 = makeToneWav(join(dir, "t5.wav"), { frequency: 1000, seconds: 5 });
    const silence5 = makeSilenceWav(join(dir, "silence5.wav"), 5);

    it("a 1 s burst in a 5 s recording fails a 3 s minimum, and the result says it lasted 1 s", () => {
      const r = checkTone(burstIn5, 1000, { minSeconds: 3 });
      assert.equal(r.ok, false);
      // The old check (loudest second only) would have passed this file.
      assert.equal(Math.abs(r.frequency - 1000) <= 20 && r.share >= 0.8 && r.rms > 300, true, "the loudest second is the tone");
      assert.ok(Math.abs(r.toneSeconds - 1) <= 0.2, `longest run ${r.toneSeconds}`);
      assert.equal(r.toneStart, 0);
      assert.match(r.timeline, /^0\.0-1\.0s 1000Hz, 1\.0-5\.0s silent$/);
      assert.throws(() => assertTone(r, "callee", 1000), /callee did not hear 1000 Hz for 3\.0 s: longest run 1\.0 s .*timeline: 0\.0-1\.0s 1000Hz, 1\.0-5\.0s silent/);
    });

    it("a 1 s burst in a 5 s recording also fails the default minimum (75 % of the recording)", () => {
      const r = checkTone(burstIn5, 1000);
      assert.equal(r.minSeconds, 3.75);
      assert.equal(r.ok, false);
    });

    it("a continuous 5 s tone passes a 3 s minimum and the default, and lasts the whole file", () => {
      const r = checkTone(tone5, 1000, { minSeconds: 3 });
      assert.ok(r.ok, r.timeline);
      assert.equal(r.toneSeconds, 5);
      assert.equal(r.totalToneSeconds, 5);
      assert.equal(r.timeline, "0.0-5.0s 1000Hz");
      assert.equal(checkTone(tone5, 1000).ok, true);
      assert.doesNotThrow(() => assertTone(r, "callee", 1000));
    });

    it("a continuous tone of the wrong frequency fails and is named in the timeline", () => {
      const r = checkTone(tone5, 440, { minSeconds: 3 });
      assert.equal(r.ok, false);
      assert.equal(r.toneSeconds, 0);
      assert.match(r.timeline, /^0\.0-5\.0s ~1000Hz \(0% at 440\)$/);
    });

    it("silence fails any minimum, and the message says so", () => {
      const r = checkTone(silence5, 1000, { minSeconds: 0.2 });
      assert.equal(r.ok, false);
      assert.equal(r.toneSeconds, 0);
      assert.equal(r.timeline, "0.0-5.0s silent");
      assert.throws(() => assertTone(r, "caller", 1000), /longest run 0\.0 s/);
    });

    it("the minimum is for one uninterrupted run: 1.5 s + 0.5 s gap + 1.5 s fails 3 s, passes 1.4 s", () => {
      const gapped = concatWavs(join(dir, "gapped.wav"), [tone15, silence05, tone15]);
      const r = checkTone(gapped, 1000, { minSeconds: 3 });
      assert.equal(r.ok, false);
      assert.ok(Math.abs(r.toneSeconds - 1.4) <= 0.21, `longest run ${r.toneSeconds}`);
      assert.ok(Math.abs(r.totalToneSeconds - 2.8) <= 0.41, `in all ${r.totalToneSeconds}`);
      assert.equal(checkTone(gapped, 1000, { minSeconds: 1.4 }).ok, true);
    });

    it("from/to restrict the check to part of the file; a number as third argument is still minShare", () => {
      const w = readWav(burstIn5);
      assert.equal(analyseTone(w, 1000, { from: 0, to: 1 }).ok, true);
      assert.equal(analyseTone(w, 1000, { from: 2, to: 5 }).totalToneSeconds, 0);
      const mix = mixWavs(join(dir, "mix5.wav"), [tone5, makeToneWav(join(dir, "t440-5.wav"), { frequency: 440, seconds: 5 })]);
      assert.equal(checkTone(mix, 1000).ok, false, "half the energy at 440 Hz is below the 0.8 default share");
      assert.equal(checkTone(mix, 1000, 0.4).ok, true, "passes with minShare 0.4");
    });

    it("an empty recording fails with 'no audio at all'", () => {
      const r = analyseTone({ sampleRate: 8000, channels: 1, samples: new Int16Array(0) }, 1000, { minSeconds: 1 });
      assert.equal(r.ok, false);
      assert.throws(() => assertTone(r, "1002", 1000), /no audio at all/);
    });
  });
});
