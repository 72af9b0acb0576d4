import { test } from "node:test";
import assert from "node:assert/strict";
import { ConferenceRoom, type ConferenceLeg } from "../../../src/media/conference/conference-room.js";
import { createCodec } from "../../../src/media/codec/audio-codec.js";
import { parseRtpHeader, writeRtpHeader } from "../../../src/media/rtp/rtp-header.js";
import type { LegFormat } from "../../../src/media/transcode/leg-format.js";
import { sine } from "../codec/tone-analysis.js";

/** Power of `hz` in `x` (Goertzel), normalised by length. */
function power(x: Int16Array, hz: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s0 = v + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length);
}

class FakeLeg implements ConferenceLeg {
  readonly own = { ssrc: 1234, seq: 0, ts: 0 };
  readonly options: { format: LegFormat };
  player: unknown = undefined;
  closed = false;
  readonly sent: Buffer[] = [];
  constructor(
    readonly id: string,
    codec: string,
    pt: number,
  ) {
    this.options = { format: { codecs: [{ name: codec, payloadType: pt }] } };
  }
  sendOwn(buf: Buffer): void {
    this.sent.push(Buffer.from(buf));
  }
  /** What this leg's phone heard, decoded. */
  heard(): { pcm: Int16Array; rate: number } {
    const c = this.options.format.codecs[0]!;
    const codec = createCodec(c.name)!;
    const parts = this.sent.map((b) => {
      const h = parseRtpHeader(b)!;
      assert.equal(h.payloadType, c.payloadType);
      return codec.decode(b.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength));
    });
    const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      pcm.set(p, at);
      at += p.length;
    }
    return { pcm, rate: codec.sampleRate };
  }
}

/** Feeds each leg its tone as 20 ms packets in real time for `ms`. */
async function talk(room: ConferenceRoom, legs: Array<{ leg: FakeLeg; hz: number }>, ms: number): Promise<void> {
  const streams = legs.map(({ leg, hz }) => {
    const c = leg.options.format.codecs[0]!;
    const codec = createCodec(c.name)!;
    return { leg, codec, pt: c.payloadType, pcm: sine(hz, codec.sampleRate, (codec.sampleRate * (ms + 100)) / 1000, 6000) };
  });
  for (let i = 0; i * 20 < ms; i++) {
    for (const s of streams) {
      const n = s.codec.sampleRate / 50;
      const payload = s.codec.encode(s.pcm.subarray(i * n, (i + 1) * n));
      const pkt = Buffer.alloc(12 + payload.length);
      writeRtpHeader(pkt, s.pt, i, i * 160, 99);
      payload.copy(pkt, 12);
      room.push(s.leg.id, pkt);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("ConferenceRoom: three members on PCMU, PCMA and G.722 each hear the other two tones, not their own", async () => {
  const room = new ConferenceRoom("100", { internalRate: "auto", intervalMs: 20 });
  const a = new FakeLeg("a", "ulaw", 0);
  const b = new FakeLeg("b", "alaw", 8);
  const c = new FakeLeg("c", "g722", 9);
  for (const l of [a, b, c]) room.join(l, false);
  assert.equal(room.internalRate, 16000, "auto follows the widest codec");
  try {
    await talk(room, [{ leg: a, hz: 500 }, { leg: b, hz: 800 }, { leg: c, hz: 1200 }], 800);
  } finally {
    room.stop();
  }
  const tones = { a: 500, b: 800, c: 1200 };
  for (const leg of [a, b, c]) {
    const { pcm, rate } = leg.heard();
    assert.ok(pcm.length > rate * 0.4, `${leg.id} received ${pcm.length} samples`);
    const tail = pcm.subarray(Math.floor(pcm.length / 3));
    const own = power(tail, tones[leg.id as keyof typeof tones], rate);
    for (const [other, hz] of Object.entries(tones)) {
      if (other === leg.id) continue;
      const p = power(tail, hz, rate);
      assert.ok(p > 100 * own + 1, `${leg.id} hears ${other} (${hz} Hz: ${p.toFixed(0)}) far above its own (${own.toFixed(1)})`);
    }
  }
});

test("ConferenceRoom: a muted member is not heard, and still hears the others", async () => {
  const room = new ConferenceRoom("m", { internalRate: 8000, intervalMs: 20 });
  const a = new FakeLeg("a", "ulaw", 0);
  const b = new FakeLeg("b", "ulaw", 0);
  room.join(a, true);
  room.join(b, false);
  try {
    await talk(room, [{ leg: a, hz: 500 }, { leg: b, hz: 800 }], 500);
  } finally {
    room.stop();
  }
  const heardByB = b.heard();
  const heardByA = a.heard();
  assert.ok(power(heardByB.pcm, 500, 8000) < 1, "b hears nothing of muted a");
  assert.ok(power(heardByA.pcm.subarray(1600), 800, 8000) > 1000, "a hears b");
});

test("ConferenceRoom: no audio is sent to a member while a prompt plays to it", async () => {
  const room = new ConferenceRoom("p", { internalRate: 8000, intervalMs: 20 });
  const a = new FakeLeg("a", "ulaw", 0);
  const b = new FakeLeg("b", "ulaw", 0);
  a.player = {};
  room.join(a, false);
  room.join(b, false);
  try {
    await talk(room, [{ leg: b, hz: 800 }], 300);
  } finally {
    room.stop();
  }
  assert.equal(a.sent.length, 0);
});
