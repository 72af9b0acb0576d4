import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alawToSample, decodeG711, encodeG711, g711Silence, linearToAlaw, linearToUlaw, ulawToSample } from "../../../src/media/codec/g711.js";
import { scratchDir } from "../../helpers/processes.js";

/** Every 16-bit value once, as raw little-endian PCM (sox runs with -D: no dither, so it encodes exactly). */
function allSamples(): Int16Array {
  const s = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) s[i] = i - 32768;
  return s;
}

function sox(args: string[]): void {
  execFileSync("sox", args);
}

for (const [law, soxName] of [["PCMU", "u-law"], ["PCMA", "a-law"]] as const) {
  test(`g711: ${law} encoding of every 16-bit sample matches sox -e ${soxName}`, () => {
    const dir = scratchDir("g711");
    const samples = allSamples();
    writeFileSync(join(dir, "in.raw"), Buffer.from(samples.buffer));
    sox(["-D", "-t", "raw", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", join(dir, "in.raw"), "-t", "raw", "-e", soxName, "-b", "8", join(dir, "out.raw")]);
    const expected = readFileSync(join(dir, "out.raw"));
    const ours = new Uint8Array(samples.length);
    encodeG711(law, samples, ours);
    let mismatches = 0;
    for (let i = 0; i < ours.length; i++) if (ours[i] !== expected[i]) mismatches++;
    assert.equal(expected.length, 65536);
    assert.equal(mismatches, 0);
  });

  test(`g711: ${law} decoding of all 256 codes matches sox`, () => {
    const dir = scratchDir("g711");
    const codes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    writeFileSync(join(dir, "in.raw"), codes);
    sox(["-t", "raw", "-r", "8000", "-c", "1", "-b", "8", "-e", soxName, join(dir, "in.raw"), "-t", "raw", "-b", "16", "-e", "signed-integer", join(dir, "out.raw")]);
    const out = readFileSync(join(dir, "out.raw"));
    const expected = Array.from({ length: 256 }, (_, i) => out.readInt16LE(i * 2));
    assert.deepEqual(Array.from(decodeG711(law, codes)), expected);
  });
}

test("g711: encode then decode stays within the quantisation step and keeps the sign", () => {
  for (const x of [-32768, -20000, -1000, -100, -1, 0, 1, 100, 1000, 20000, 32767]) {
    for (const [enc, dec] of [[linearToUlaw, ulawToSample], [linearToAlaw, alawToSample]] as const) {
      const y = dec(enc(x));
      assert.ok(Math.abs(y - x) <= Math.max(16, Math.abs(x) / 16), `${x} -> ${y}`);
      if (Math.abs(x) > 100) assert.equal(Math.sign(y), Math.sign(x));
    }
  }
});

test("g711: silence codes decode to (near) zero", () => {
  assert.ok(Math.abs(ulawToSample(g711Silence("PCMU"))) <= 8);
  assert.ok(Math.abs(alawToSample(g711Silence("PCMA"))) <= 8);
});
