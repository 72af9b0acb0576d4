/** MixMonitor's tap: both directions decoded onto one time line, mixed, written as a valid WAV as it goes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCodec } from "../../../src/media/codec/audio-codec.js";
import { RTP_HEADER_SIZE, writeRtpHeader } from "../../../src/media/rtp/rtp-header.js";
import { mixSamples, MixTap, type MixMonitorResult, type MixMonitorSpec, type TapLeg } from "../../../src/media/record/mix-tap.js";
import { SoundWriter } from "../../../src/media/record/sound-writer.js";
import type { LegFormat } from "../../../src/media/transcode/leg-format.js";
import { goertzelPower, readWav } from "../../helpers/audio.js";

const ULAW: LegFormat = { codecs: [{ name: "ulaw", payloadType: 0 }], event: { payloadType: 101, clockRate: 8000 } };

function tone(n: number, hz: number, level: number, from = 0): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(level * Math.sin((2 * Math.PI * hz * (from + i)) / 8000));
  return out;
}

function packet(seq: number, samples: Int16Array, pt = 0, ssrc = 0x1234): Buffer {
  const payload = pt === 101 ? Buffer.from([1, 0x80, 0, 160]) : createCodec("ulaw")!.encode(samples);
  const buf = Buffer.alloc(RTP_HEADER_SIZE + payload.length);
  writeRtpHeader(buf, pt, seq, seq * 160, ssrc);
  payload.copy(buf, RTP_HEADER_SIZE);
  return buf;
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "mixtap-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function spec(dir: string, o: { [K in keyof MixMonitorSpec]?: MixMonitorSpec[K] | undefined } = {}): MixMonitorSpec {
  const s: Record<string, unknown> = { tapId: "t1", mix: { path: join(dir, "call.wav"), format: "wav" }, append: false, bridgedOnly: false, receiveGain: 1, transmitGain: 1, ...o };
  for (const k of Object.keys(s)) if (s[k] === undefined) delete s[k];
  return s as unknown as MixMonitorSpec;
}

function leg(bridged = true): TapLeg & { isBridged: boolean } {
  const l = { isBridged: bridged, formats: () => [ULAW], bridged: () => l.isBridged };
  return l;
}

/** Feeds `ms` of 20 ms packets each way (400 Hz received, 1000 Hz sent), ticking every 100 ms. */
function run(tap: MixTap, fromMs: number, ms: number, o: { receive?: boolean; send?: boolean } = {}): void {
  for (let t = fromMs; t < fromMs + ms; t += 20) {
    const seq = t / 20;
    if (o.receive !== false) tap.pushReceived(packet(seq, tone(160, 400, 6000, seq * 160)), t);
    if (o.send !== false) tap.pushSent(packet(seq, tone(160, 1000, 6000, seq * 160), 0, 0x9999), t);
    if (t % 100 === 0) tap.tick(t);
  }
}

function power(samples: Int16Array, hz: number): number {
  return goertzelPower(samples, 8000, hz) / samples.length;
}

test("mix tap: both directions are mixed into one 8 kHz WAV holding both tones, its header sizes right", () => {
  withDir((dir) => {
    let result: MixMonitorResult | undefined;
    const tap = new MixTap(spec(dir), leg(), (r) => (result = r));
    run(tap, 0, 2000);
    tap.stop("stopped");
    assert.equal(result?.reason, "stopped");
    const path = join(dir, "call.wav");
    const buf = readFileSync(path);
    assert.equal(buf.readUInt32LE(4), statSync(path).size - 8, "RIFF size");
    assert.equal(buf.readUInt32LE(40), statSync(path).size - 44, "data size");
    const wav = readWav(path);
    assert.equal(wav.sampleRate, 8000);
    assert.ok(Math.abs(wav.samples.length - 16000) <= 320, `about 2 s (${wav.samples.length} samples)`);
    const p400 = power(wav.samples, 400);
    const p1000 = power(wav.samples, 1000);
    const p700 = power(wav.samples, 700);
    assert.ok(p400 > 100 * p700 && p1000 > 100 * p700, `both tones present (400: ${p400}, 1000: ${p1000}, 700: ${p700})`);
    assert.ok(Math.abs(result.durationMs - 2000) <= 40);
  });
});

test("mix tap: r and t files each hold one direction only", () => {
  withDir((dir) => {
    const tap = new MixTap(spec(dir, { mix: undefined, receive: { path: join(dir, "rx.wav"), format: "wav" }, transmit: { path: join(dir, "tx.wav"), format: "wav" } }), leg(), () => {});
    run(tap, 0, 1000);
    tap.stop("hangup");
    const rx = readWav(join(dir, "rx.wav")).samples;
    const tx = readWav(join(dir, "tx.wav")).samples;
    assert.equal(rx.length, tx.length, "the two files stay in step");
    assert.ok(power(rx, 400) > 100 * power(rx, 1000), "receive file: 400 Hz only");
    assert.ok(power(tx, 1000) > 100 * power(tx, 400), "transmit file: 1000 Hz only");
  });
});

test("mix tap: a direction with no audio is silence on the time line (one party not yet talking)", () => {
  withDir((dir) => {
    const tap = new MixTap(spec(dir, { transmit: { path: join(dir, "tx.wav"), format: "wav" } }), leg(), () => {});
    run(tap, 0, 1000, { send: false });
    run(tap, 1000, 1000);
    tap.stop("stopped");
    const mix = readWav(join(dir, "call.wav")).samples;
    const tx = readWav(join(dir, "tx.wav")).samples;
    assert.ok(Math.abs(mix.length - 16000) <= 320, `2 s (${mix.length})`);
    assert.ok(power(tx.subarray(0, 6400), 1000) < 1, "the first second of what was sent is silent");
    assert.ok(power(tx.subarray(9600), 1000) > 1000, "then the tone");
  });
});

test("mix tap: telephone-event packets and unknown payload types are not audio", () => {
  withDir((dir) => {
    const tap = new MixTap(spec(dir), leg(), () => {});
    for (let t = 0; t < 1000; t += 20) {
      tap.pushReceived(packet(t / 20, tone(160, 400, 6000), 101), t);
      tap.pushSent(packet(t / 20, tone(160, 400, 6000), 96), t);
      if (t % 100 === 0) tap.tick(t);
    }
    tap.stop("stopped");
    assert.equal(readWav(join(dir, "call.wav")).samples.length, 0, "the time line never started");
  });
});

test("mix tap: with bridgedOnly (option b) nothing is taken while the leg has no partner, and the time line pauses", () => {
  withDir((dir) => {
    const l = leg(false);
    const tap = new MixTap(spec(dir, { bridgedOnly: true }), l, () => {});
    run(tap, 0, 1000);
    l.isBridged = true;
    run(tap, 1000, 1000);
    l.isBridged = false;
    run(tap, 2000, 1000);
    tap.stop("stopped");
    const n = readWav(join(dir, "call.wav")).samples.length;
    assert.ok(Math.abs(n - 8000) <= 320, `only the bridged second is kept (${n} samples)`);
  });
});

test("mix tap: gains scale each direction (V: spoken, v: heard)", () => {
  withDir((dir) => {
    const tap = new MixTap(spec(dir, { mix: undefined, receive: { path: join(dir, "rx.wav"), format: "wav" }, transmit: { path: join(dir, "tx.wav"), format: "wav" }, receiveGain: 4, transmitGain: 0.25 }), leg(), () => {});
    run(tap, 0, 500);
    tap.stop("stopped");
    const peak = (s: Int16Array): number => s.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(peak(readWav(join(dir, "rx.wav")).samples) > 20000, "receive ×4");
    assert.ok(peak(readWav(join(dir, "tx.wav")).samples) < 2000, "transmit ÷4");
  });
});

test("mix tap: a 16 kHz format decodes and writes at 16 kHz", () => {
  withDir((dir) => {
    const tap = new MixTap(spec(dir, { mix: { path: join(dir, "call.wav16"), format: "wav16" } }), leg(), () => {});
    run(tap, 0, 1000);
    tap.stop("stopped");
    const wav = readWav(join(dir, "call.wav16"));
    assert.equal(wav.sampleRate, 16000);
    assert.ok(Math.abs(wav.samples.length - 16000) <= 640);
  });
});

test("mix tap: handover closes a valid file, and a tap continuing it appends (a leg moving between workers)", () => {
  withDir((dir) => {
    let ended = false;
    const first = new MixTap(spec(dir), leg(), () => (ended = true));
    run(first, 0, 1000);
    const next = first.handover();
    assert.equal(ended, false, "a handover is not the end");
    assert.equal(next.append, true);
    const second = new MixTap(next, leg(), () => (ended = true));
    run(second, 5000, 1000);
    second.stop("hangup");
    assert.equal(ended, true);
    const n = readWav(join(dir, "call.wav")).samples.length;
    assert.ok(Math.abs(n - 16000) <= 640, `both parts (${n})`);
  });
});

test("mix tap: a file that cannot be opened throws MEDIA_FILE and leaves nothing open", () => {
  withDir((dir) => {
    writeFileSync(join(dir, "file"), "x");
    assert.throws(() => new MixTap(spec(dir, { mix: { path: join(dir, "file", "call.wav"), format: "wav" } }), leg(), () => {}), /cannot write the recording/);
  });
});

test("sound writer: append refuses a WAV of another format; mixSamples saturates", () => {
  withDir((dir) => {
    const path = join(dir, "a.wav");
    const w = new SoundWriter(path, "wav16", false);
    w.write(new Int16Array(10));
    w.close();
    assert.throws(() => new SoundWriter(path, "wav", true), /option a/);
    const ok = new SoundWriter(path, "wav16", true);
    ok.write(new Int16Array(6));
    ok.close();
    assert.equal(readWav(path).samples.length, 16);
  });
  assert.deepEqual([...mixSamples(Int16Array.of(30000, -30000, 5), Int16Array.of(30000, -30000, 7))], [32767, -32768, 12]);
});
