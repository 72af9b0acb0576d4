import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseWav, wavTo8kMono } from "../../../src/media/codec/wav.js";
import { PbxError } from "../../../src/core/errors.js";
import { goertzelPower, makeToneWav } from "../../helpers/audio.js";
import { scratchDir } from "../../helpers/processes.js";

// Removed when the file's process exits (processes.ts), so nothing is left in /tmp.
const dir = scratchDir("wav");

test("wav: 8 kHz 16-bit mono PCM loads sample-exact", () => {
  const path = makeToneWav(join(dir, "a.wav"), { frequency: 440, seconds: 0.5 });
  const wav = parseWav(readFileSync(path), path);
  assert.deepEqual([wav.sampleRate, wav.channels, wav.samples.length], [8000, 1, 4000]);
});

test("wav: 16 kHz stereo is downmixed and resampled to 8 kHz keeping the tone", () => {
  const path = makeToneWav(join(dir, "b.wav"), { frequency: 1000, seconds: 1, rate: 16000, channels: 2 });
  const samples = wavTo8kMono(readFileSync(path), path);
  assert.equal(samples.length, 8000);
  assert.ok(goertzelPower(samples, 8000, 1000) > 100 * goertzelPower(samples, 8000, 1500));
});

test("wav: a μ-law WAV is decoded", () => {
  const src = makeToneWav(join(dir, "c.wav"), { frequency: 500, seconds: 0.25 });
  const path = join(dir, "c-ulaw.wav");
  execFileSync("sox", [src, "-e", "u-law", path]);
  const samples = wavTo8kMono(readFileSync(path), path);
  assert.equal(samples.length, 2000);
  assert.ok(goertzelPower(samples, 8000, 500) > 100 * goertzelPower(samples, 8000, 1000));
});

test("wav: 8-bit PCM and non-WAV files are rejected with MEDIA_FILE naming the file and the sox fix", () => {
  const path = join(dir, "d.wav");
  execFileSync("sox", ["-n", "-r", "8000", "-b", "8", "-e", "unsigned-integer", path, "synth", "0.1", "sine", "300"]);
  for (const [buf, name] of [[readFileSync(path), path], [Buffer.from("not a wave file at all"), "x.wav"]] as const) {
    assert.throws(() => parseWav(buf, name), (err: unknown) => err instanceof PbxError && err.code === "MEDIA_FILE" && err.message.includes(name) && err.message.includes("sox"));
  }
});
