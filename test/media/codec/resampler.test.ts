/**
 * The fixed-ratio resampler: every pair of telephony rates keeps a tone's frequency and level,
 * keeps images and aliases down, and joins 20 ms chunks as if the stream were one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Resampler } from "../../../src/media/codec/resampler.js";
import { sine, toneFit } from "./tone-analysis.js";

function run(from: number, to: number, hz: number, seconds = 1): { out: Int16Array } {
  const r = new Resampler(from, to);
  const x = sine(hz, from, from * seconds);
  const parts: Int16Array[] = [];
  for (let i = 0; i < x.length; i += from / 50) parts.push(r.process(x.subarray(i, i + from / 50)));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { out };
}

test("resampler: a 1 kHz tone keeps its frequency and level between 8, 16, 32 and 48 kHz, in 20 ms chunks", () => {
  for (const [from, to] of [[8000, 16000], [16000, 8000], [8000, 48000], [48000, 8000], [16000, 48000], [48000, 16000], [32000, 8000]] as const) {
    const { out } = run(from, to, 1000);
    assert.equal(out.length, to, `${from}→${to}: one second in, one second out`);
    const f = toneFit(out, 1000, to, to / 10);
    assert.ok(f.snrDb > 40, `${from}→${to}: SNR ${f.snrDb.toFixed(1)} dB`);
    assert.ok(f.amplitude > 0.97 * 8000 && f.amplitude < 1.02 * 8000, `${from}→${to}: gain ${(f.amplitude / 8000).toFixed(3)}`);
  }
});

test("resampler: downsampling removes what the lower rate cannot carry (a 6 kHz tone from 16 kHz to 8 kHz)", () => {
  const { out } = run(16000, 8000, 6000);
  const rms = Math.sqrt(out.subarray(800).reduce((s, v) => s + v * v, 0) / (out.length - 800));
  assert.ok(rms < 8000 / Math.SQRT2 / 30, `alias at 2 kHz is at least 30 dB down (rms ${rms.toFixed(0)})`);
});

test("resampler: the same rate in and out is the identity", () => {
  const r = new Resampler(8000, 8000);
  const x = sine(440, 8000, 160);
  assert.equal(r.process(x), x);
  assert.equal(r.identity, true);
});
