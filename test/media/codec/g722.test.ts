/**
 * G.722 (ITU-T G.722, mode 1): a tone through our encoder and decoder comes back at unit gain
 * with the quality the sub-band split allows (6-bit ADPCM below 4 kHz, 2-bit above), the codes
 * have the Recommendation's layout, and state carries across packets. Interoperation with another
 * implementation is proven with baresip's G.722 in test/integration/transcode-audio.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { G722Decoder, G722Encoder } from "../../../src/media/codec/g722.js";
import { createCodec } from "../../../src/media/codec/audio-codec.js";
import { sine, toneFit } from "./tone-analysis.js";

function roundTrip(x: Int16Array, packet = 320): Int16Array {
  const enc = new G722Encoder();
  const dec = new G722Decoder();
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i += packet) out.set(dec.decode(enc.encode(x.subarray(i, i + packet))), i);
  return out;
}

test("g722: tones in the lower band come back at unit gain, 40 dB or better above the coding noise", () => {
  for (const hz of [300, 1000, 3000]) {
    const f = toneFit(roundTrip(sine(hz, 16000, 16000)), hz, 16000);
    assert.ok(f.snrDb > 40, `${hz} Hz: SNR ${f.snrDb.toFixed(1)} dB`);
    assert.ok(Math.abs(f.amplitude / 8000 - 1) < 0.02, `${hz} Hz: gain ${(f.amplitude / 8000).toFixed(3)}`);
  }
});

test("g722: tones in the higher band (4-7 kHz, 2-bit ADPCM) still come back, 18 dB or better", () => {
  for (const hz of [5000, 6500]) {
    const f = toneFit(roundTrip(sine(hz, 16000, 16000)), hz, 16000);
    assert.ok(f.snrDb > 18, `${hz} Hz: SNR ${f.snrDb.toFixed(1)} dB`);
  }
});

test("g722: one octet per two samples; silence decodes to near silence", () => {
  const enc = new G722Encoder();
  const codes = enc.encode(new Int16Array(320));
  assert.equal(codes.length, 160);
  const out = new G722Decoder().decode(codes);
  assert.equal(out.length, 320);
  assert.ok(out.every((s) => Math.abs(s) < 64), "decoded silence stays quiet");
});

test("g722: the result does not depend on how the stream is cut into packets (state carries over)", () => {
  const x = sine(1000, 16000, 9600);
  const whole = new G722Encoder().encode(x);
  const enc = new G722Encoder();
  const parts = Buffer.concat([enc.encode(x.subarray(0, 160)), enc.encode(x.subarray(160, 2400)), enc.encode(x.subarray(2400))]);
  assert.deepEqual(parts, whole);
});

test("g722: full-scale input and random codes never overflow 16 bits or throw", () => {
  const loud = new Int16Array(3200).map((_, i) => (i % 2 === 0 ? 32767 : -32768));
  const out = roundTrip(loud);
  assert.ok(out.every((s) => s >= -32768 && s <= 32767));
  const junk = Buffer.alloc(1600).map((_, i) => (i * 131 + 7) & 0xff);
  const decoded = new G722Decoder().decode(junk);
  assert.equal(decoded.length, 3200);
});

test("g722: as a codec it takes 16 kHz audio on an 8000 Hz RTP clock (RFC 3551 §4.5.2)", () => {
  const c = createCodec("g722");
  assert.ok(c);
  assert.equal(c.sampleRate, 16000);
  assert.equal(c.rtpClockRate, 8000);
  assert.equal(c.encode(new Int16Array(320)).length, 160, "20 ms = 160 octets");
});
