/** The recorder: decodes a leg's RTP to 8 kHz, keeps the caller's time across gaps, ends on limits. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCodec } from "../../../src/media/codec/audio-codec.js";
import { RTP_HEADER_SIZE, writeRtpHeader } from "../../../src/media/rtp/rtp-header.js";
import { Recorder, type RecordResult } from "../../../src/media/record/recorder.js";
import type { LegFormat } from "../../../src/media/transcode/leg-format.js";

const ULAW: LegFormat = { codecs: [{ name: "ulaw", payloadType: 0 }], event: { payloadType: 101, clockRate: 8000 } };

function tone(n: number, hz: number, level: number, from = 0): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(level * Math.sin((2 * Math.PI * hz * (from + i)) / 8000));
  return out;
}

function packet(seq: number, ts: number, samples: Int16Array, pt = 0, ssrc = 0x1234): Buffer {
  const payload = createCodec("ulaw")!.encode(samples);
  const buf = Buffer.alloc(RTP_HEADER_SIZE + payload.length);
  writeRtpHeader(buf, pt, seq, ts, ssrc);
  payload.copy(buf, RTP_HEADER_SIZE);
  return buf;
}

function recorder(opts: Partial<{ maxMs: number; silenceMs: number; silenceThreshold: number }> = {}): { rec: Recorder; result: () => RecordResult | undefined } {
  let result: RecordResult | undefined;
  const rec = new Recorder(ULAW, { maxMs: 0, silenceMs: 0, silenceThreshold: 128, ...opts }, 0, (r) => (result = r));
  return { rec, result: () => result };
}

test("recorder: packets become 8 kHz samples; a timestamp gap (lost packets) becomes silence of its length", () => {
  const { rec, result } = recorder();
  rec.push(packet(1, 0, tone(160, 1000, 8000)), 0);
  rec.push(packet(2, 160, tone(160, 1000, 8000, 160)), 20);
  rec.push(packet(5, 640, tone(160, 1000, 8000, 640)), 80);
  rec.stop("stopped");
  const r = result();
  assert.ok(r);
  assert.equal(r.reason, "stopped");
  assert.equal(r.samples.length, 800, "3 packets and a 2-packet gap");
  assert.equal(Math.max(...r.samples.subarray(320, 640).map(Math.abs)), 0, "the gap is silent");
  assert.ok(Math.max(...r.samples.subarray(0, 160)) > 6000, "the tone is there");
});

test("recorder: a late (reordered) packet is dropped, telephone-events are not audio", () => {
  const { rec, result } = recorder();
  rec.push(packet(1, 0, tone(160, 1000, 8000)), 0);
  rec.push(packet(2, 160, tone(160, 1000, 8000)), 20);
  rec.push(packet(1, 0, tone(160, 1000, 8000)), 25);
  rec.push(packet(3, 320, tone(160, 1000, 8000), 101), 40);
  rec.stop("stopped");
  assert.equal(result()?.samples.length, 320);
});

test("recorder: maxMs ends it exactly at the limit; silenceMs ends it after that much quiet and reports it", () => {
  const max = recorder({ maxMs: 100 });
  for (let i = 0; i < 10 && max.result() === undefined; i++) max.rec.push(packet(i, i * 160, tone(160, 1000, 8000, i * 160)), i * 20);
  assert.equal(max.result()?.reason, "maxduration");
  assert.equal(max.result()?.samples.length, 800);
  const quiet = recorder({ silenceMs: 200 });
  let i = 0;
  for (; i < 5; i++) quiet.rec.push(packet(i, i * 160, tone(160, 1000, 8000, i * 160)), i * 20);
  for (; i < 40 && quiet.result() === undefined; i++) quiet.rec.push(packet(i, i * 160, tone(160, 1000, 50, i * 160)), i * 20);
  const r = quiet.result();
  assert.equal(r?.reason, "silence");
  assert.equal(r?.trailingSilenceMs, 200);
  assert.equal(r?.samples.length, 5 * 160 + 10 * 160);
});

test("recorder: a phone that sends nothing counts as silent time (tick); stop() hands the audio over once", () => {
  let calls = 0;
  const rec = new Recorder(ULAW, { maxMs: 0, silenceMs: 1000, silenceThreshold: 128 }, 0, () => calls++);
  rec.push(packet(1, 0, tone(160, 1000, 8000)), 0);
  rec.tick(500);
  assert.equal(calls, 0);
  rec.tick(1100);
  assert.equal(calls, 1);
  rec.stop("hangup");
  assert.equal(calls, 1);
  assert.ok(rec.done);
});

test("recorder: timestamps that jump ahead faster than real time do not grow the recording faster than real time", () => {
  const { rec, result } = recorder();
  // 500 packets, 20 ms apart on the wall clock, each claiming 4.9 s later than the one before.
  for (let i = 0; i < 500; i++) rec.push(packet(i, (i * 4.9 * 8000) >>> 0, tone(160, 1000, 8000)), i * 20);
  rec.stop("stopped");
  const seconds = (result()?.samples.length ?? 0) / 8000;
  assert.ok(seconds <= 10.5, `${seconds} s recorded in 10 s`);
});
