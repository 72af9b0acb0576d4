/** Sound files in Asterisk's formats: written and read back, and which one a leg's codec prefers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeSoundFile, encodeSoundFile, encodeWav, preferredExtensions, soundFormatOf, type SoundFormat } from "../../../src/media/codec/sound-file.js";
import { PbxError } from "../../../src/core/errors.js";

function tone(n: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  return out;
}

/** Correlation of two equal-length signals (1: the same shape). */
function similarity(a: Int16Array, b: Int16Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

test("sound files: every format Switchboard writes reads back as the same audio", () => {
  const audio = tone(8000);
  for (const f of ["wav", "ulaw", "alaw", "sln", "sln16", "g722"] as SoundFormat[]) {
    const back = decodeSoundFile(encodeSoundFile(audio, f), `x.${f}`);
    assert.ok(Math.abs(back.length - audio.length) <= 40, `${f}: ${back.length} samples`);
    // The resampling formats are delayed by their filters: compare the middle, shifted to the best match.
    let best = 0;
    for (let shift = 0; shift < 40; shift++) best = Math.max(best, similarity(audio.subarray(1000, 7000), back.subarray(1000 + shift, 7000 + shift)));
    // Up- and downsampling (sln16, g722) may leave a half-sample delay: cos(π/8) ≈ 0.92 at 1 kHz.
    assert.ok(best > 0.9, `${f}: similarity ${best}`);
  }
  assert.equal(encodeWav(audio).length, 44 + 16000);
  assert.equal(encodeSoundFile(audio, "ulaw").length, 8000);
  assert.equal(encodeSoundFile(audio, "sln16").length, 32000);
});

test("sound files: a leg's codec puts its own format first; gsm is refused with the conversion to use", () => {
  assert.deepEqual(preferredExtensions("ulaw").slice(0, 3), ["ulaw", "pcm", "wav"]);
  assert.deepEqual(preferredExtensions("alaw").slice(0, 2), ["alaw", "wav"]);
  assert.deepEqual(preferredExtensions("g722").slice(0, 2), ["g722", "sln16"]);
  assert.equal(preferredExtensions(undefined)[0], "wav");
  assert.equal(soundFormatOf("gsm"), undefined);
  assert.throws(() => decodeSoundFile(Buffer.alloc(33), "/s/vm-intro.gsm"), (e: unknown) => e instanceof PbxError && /\.gsm files cannot be played here.*sox/.test(e.message));
});
