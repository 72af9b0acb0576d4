import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MediaEngine } from "../../src/media/media-engine.js";
import { nullLogger } from "../../src/core/logger.js";
import { PbxError } from "../../src/core/errors.js";
import { decodeG711 } from "../../src/media/codec/g711.js";
import { parseRtpHeader } from "../../src/media/rtp/rtp-header.js";
import { BUILTIN_TONES, resolvePlayback } from "../../src/media/playback/builtin-tones.js";
import { dominantFrequency, makeToneWav } from "../helpers/audio.js";
import { scratchDir } from "../helpers/processes.js";
import { FakePhone, sleep, type Received } from "./fake-phone.js";

let engine: MediaEngine;
const phones: FakePhone[] = [];
const dir = scratchDir("playback");

/**
 * Waits for the `n` packets a playback of known length sends, then a little longer to see that no
 * more follow. The packets travel on loopback from the relay worker, so play() resolving does not
 * mean they have all been read yet; waiting for them (not sleeping) keeps a loaded machine green.
 */
async function exactly(p: FakePhone, n: number): Promise<Received[]> {
  await p.waitFor(n, 10_000);
  await sleep(100);
  assert.equal(p.received.length, n, `${p.received.length} packets, expected ${n}`);
  return p.received;
}

async function leg() {
  const l = await engine.allocate();
  const p = await FakePhone.open();
  phones.push(p);
  engine.setRemote(l.id, p.address);
  return { l, p };
}

function decodeAll(received: Received[], law: "PCMU" | "PCMA"): Int16Array {
  const parts = received.map((r) => decodeG711(law, r.msg.subarray(12)));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

before(async () => {
  engine = new MediaEngine({ rtpStart: 61200, rtpEnd: 61299, bindAddress: "127.0.0.1", workers: 1, strictRtp: "yes", probation: 4, log: nullLogger });
  await engine.start();
});

after(async () => {
  for (const p of phones) p.close();
  await engine.close();
});

test("media-engine: play() of a 1000 Hz tone sends ~50 PCMU packets/s that decode to 1000 Hz", async () => {
  const { l, p } = await leg();
  const start = performance.now();
  const result = await engine.play(l.id, { kind: "tone", frequencies: [1000], durationMs: 1000 }, { payloadType: 0, codec: "PCMU" });
  const elapsed = performance.now() - start;
  assert.equal(result, "done");
  const got = await exactly(p, 50);
  // Real-time pace: one second of audio cannot be done sooner. The upper bound only catches a
  // player that hangs; it is 10x so that load on a small machine cannot trip it.
  assert.ok(elapsed > 900 && elapsed < 10_000, `real-time pace (${Math.round(elapsed)} ms)`);
  const headers = got.map((r) => parseRtpHeader(r.msg)!);
  assert.ok(headers.every((h) => h.payloadType === 0 && h.payloadLength === 160));
  assert.equal(headers[0]!.marker, true, "marker on the first packet of the talkspurt");
  for (let i = 1; i < headers.length; i++) {
    assert.equal(headers[i]!.sequenceNumber, (headers[i - 1]!.sequenceNumber + 1) & 0xffff);
    assert.equal(headers[i]!.timestamp, (headers[i - 1]!.timestamp + 160) >>> 0);
    assert.equal(headers[i]!.ssrc, headers[0]!.ssrc);
  }
  // Paced, not sent in one burst (a burst arrives within a few ms). The receiving side runs on a
  // loaded event loop too, so the bounds are loose: a stall there bunches arrivals.
  const spacing = (got.at(-1)!.at - got[0]!.at) / (got.length - 1);
  assert.ok(spacing > 5 && spacing < 200, `20 ms pacing (${spacing.toFixed(1)} ms on average)`);
  const dom = dominantFrequency({ sampleRate: 8000, channels: 1, samples: decodeAll(got, "PCMU") });
  assert.equal(dom.frequency, 1000);
  assert.ok(dom.share > 0.9);
});

test("media-engine: play() of an 8 kHz WAV as PCMA carries the file's tone", async () => {
  const { l, p } = await leg();
  const wav = makeToneWav(join(dir, "700.wav"), { frequency: 700, seconds: 0.5 });
  assert.equal(await engine.play(l.id, { kind: "file", path: wav }, { payloadType: 8, codec: "PCMA" }), "done");
  await exactly(p, 25);
  assert.ok(p.received.every((r) => parseRtpHeader(r.msg)?.payloadType === 8));
  assert.equal(dominantFrequency({ sampleRate: 8000, channels: 1, samples: decodeAll(p.received, "PCMA") }).frequency, 700);
});

test("media-engine: busy tone cadence alternates 0.5 s tone and 0.5 s silence", async () => {
  const { l, p } = await leg();
  await engine.play(l.id, { ...BUILTIN_TONES["tone:busy"]!, durationMs: 1000 } as never, { payloadType: 0, codec: "PCMU" });
  await exactly(p, 50);
  const samples = decodeAll(p.received, "PCMU");
  const energy = (from: number, to: number) => samples.subarray(from, to).reduce((n, s) => n + Math.abs(s), 0) / (to - from);
  assert.ok(energy(400, 3600) > 1000, "tone in the first half second");
  assert.ok(energy(4400, 7600) < 20, "silence in the second");
});

test("media-engine: stopPlayback() ends play() with 'stopped' and the packets stop", async () => {
  const { l, p } = await leg();
  const playing = engine.play(l.id, { kind: "tone", frequencies: [440], durationMs: 10_000 }, { payloadType: 0, codec: "PCMU" });
  await p.waitFor(5);
  engine.stopPlayback(l.id);
  assert.equal(await playing, "stopped");
  const count = p.received.length;
  await sleep(100);
  assert.equal(p.received.length, count);
});

test("media-engine: a second play() stops the first, and release() stops the second", async () => {
  const { l } = await leg();
  const first = engine.play(l.id, { kind: "silence", durationMs: 5000 }, { payloadType: 0, codec: "PCMU" });
  const second = engine.play(l.id, { kind: "silence", durationMs: 5000 }, { payloadType: 0, codec: "PCMU" });
  assert.equal(await first, "stopped");
  engine.release(l.id);
  assert.equal(await second, "stopped");
});

test("media-engine: play() of a missing file rejects with MEDIA_FILE", async () => {
  const { l } = await leg();
  await assert.rejects(engine.play(l.id, { kind: "file", path: join(dir, "nope.wav") }, { payloadType: 0, codec: "PCMU" }), (err: unknown) => err instanceof PbxError && err.code === "MEDIA_FILE" && err.message.includes("nope.wav"));
});

test("builtin-tones: dialplan names map to tones, silence and WAV paths", () => {
  assert.deepEqual(resolvePlayback("tone:ring", "/snd"), BUILTIN_TONES["tone:ring"]);
  assert.deepEqual(resolvePlayback("silence/1", "/snd"), { kind: "silence", durationMs: 1000 });
  assert.deepEqual(resolvePlayback("hello-world", "/snd"), { kind: "file", path: "/snd/hello-world.wav" });
  assert.deepEqual(resolvePlayback("/abs/x.wav", "/snd"), { kind: "file", path: "/abs/x.wav" });
});

test("media-engine: a looped samples source plays past its end until stopPlayback, which resolves it stopped", async () => {
  const { l, p } = await leg();
  // 100 ms of 500 Hz: a loop must keep sending after its 5 packets.
  const samples = new Int16Array(800).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 500 * i) / 8000)));
  const done = engine.play(l.id, { kind: "samples", samples, loop: true }, { payloadType: 0, codec: "PCMU" });
  await p.waitFor(15, 10_000);
  engine.stopPlayback(l.id);
  assert.equal(await done, "stopped");
  const pcm = decodeAll(p.received.slice(0, 15), "PCMU");
  assert.ok(Math.abs(dominantFrequency({ sampleRate: 8000, channels: 1, samples: pcm }).frequency - 500) <= 10);
});

test("media-engine: stopPlayback while a file is still being read wins: the file never starts", async () => {
  const { l, p } = await leg();
  const file = makeToneWav(join(dir, "late-stop.wav"), { frequency: 700, seconds: 2 });
  const done = engine.play(l.id, { kind: "file", path: file }, { payloadType: 0, codec: "PCMU" });
  engine.stopPlayback(l.id);
  assert.equal(await done, "stopped");
  await sleep(300);
  assert.equal(p.received.length, 0, "no packet of the stopped file");
});
