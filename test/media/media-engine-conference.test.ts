/**
 * Conferences through the real media engine and workers: three legs allocated in different
 * worker threads join one room (the engine moves them into one worker), each fake phone sends
 * its tone as PCMU or PCMA and hears the others' tones, not its own; a leg that leaves stops
 * being heard, a muted one is not heard, and the engine releases everything.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { MediaEngine } from "../../src/media/media-engine.js";
import { CaptureLogger } from "../../src/core/logger.js";
import { createCodec } from "../../src/media/codec/audio-codec.js";
import { parseRtpHeader, writeRtpHeader } from "../../src/media/rtp/rtp-header.js";
import { FakePhone, sleep } from "./fake-phone.js";
import { sine } from "./codec/tone-analysis.js";

let engine: MediaEngine;
const log = new CaptureLogger();
const phones: FakePhone[] = [];

before(async () => {
  engine = new MediaEngine({ rtpStart: 61400, rtpEnd: 61599, bindAddress: "127.0.0.1", workers: 2, strictRtp: "no", probation: 1, log });
  await engine.start();
});

after(async () => {
  for (const p of phones) p.close();
  await engine.close();
});

/** Goertzel power of `hz`, normalised so a full-scale-ish tone is large and silence 0. */
function power(x: Int16Array, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / 8000);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s0 = v + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length);
}

interface Member {
  id: string;
  port: number;
  phone: FakePhone;
  codec: "ulaw" | "alaw";
  pt: number;
  hz: number;
}

async function member(codec: "ulaw" | "alaw", hz: number): Promise<Member> {
  // A group of its own: least-loaded placement spreads the legs over both workers.
  const leg = await engine.allocate({ group: `solo-${hz}` });
  const phone = await FakePhone.open();
  phones.push(phone);
  const pt = codec === "ulaw" ? 0 : 8;
  engine.setRemote(leg.id, phone.address);
  engine.setOptions(leg.id, { format: { codecs: [{ name: codec, payloadType: pt }] } });
  return { id: leg.id, port: leg.localPort, phone, codec, pt, hz };
}

/** Each member sends `ms` of its tone in 20 ms packets, in real time. */
async function talk(members: readonly Member[], ms: number, seq0: number): Promise<void> {
  const tones = members.map((m) => ({ m, codec: createCodec(m.codec)!, pcm: sine(m.hz, 8000, (8 * (ms + 40)) | 0, 6000) }));
  for (let i = 0; i * 20 < ms; i++) {
    for (const t of tones) {
      const payload = t.codec.encode(t.pcm.subarray(i * 160, (i + 1) * 160));
      const pkt = Buffer.alloc(12 + payload.length);
      writeRtpHeader(pkt, t.m.pt, seq0 + i, (seq0 + i) * 160, 0x1000 + t.m.hz);
      payload.copy(pkt, 12);
      t.m.phone.send(pkt, t.m.port);
    }
    await sleep(20);
  }
}

/** What a phone heard since `from` (index into received), decoded in its codec. */
function heard(m: Member, from: number): Int16Array {
  const codec = createCodec(m.codec)!;
  const parts = m.phone.received.slice(from).map((r) => {
    const h = parseRtpHeader(r.msg)!;
    assert.equal(h.payloadType, m.pt, "each phone gets its own codec");
    return codec.decode(r.msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength));
  });
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test("media-engine conference: legs of different workers meet in one room; each hears the others, not itself; leave and mute take effect", async () => {
  const ms = [await member("ulaw", 500), await member("alaw", 800), await member("ulaw", 1200)];
  const settings = { internalRate: "auto" as const, intervalMs: 20 };
  for (const m of ms) engine.joinConference("room-1", m.id, settings, false);
  assert.ok(log.records.some((r) => r.msg === "moving RTP leg to its partner's worker"), "a leg of the other worker moved into the room's");
  await talk(ms, 800, 1);
  for (const m of ms) {
    const pcm = heard(m, 0);
    assert.ok(pcm.length > 8000 * 0.4, `leg ${m.id} received ${pcm.length} samples`);
    const tail = pcm.subarray(pcm.length >> 1);
    const own = power(tail, m.hz);
    for (const o of ms) if (o !== m) assert.ok(power(tail, o.hz) > 100 * own + 1000, `${m.hz} Hz leg hears ${o.hz} Hz (${power(tail, o.hz).toFixed(0)}) above its own (${own.toFixed(1)})`);
  }
  const [a, b, c] = ms as [Member, Member, Member];
  // b leaves, c is muted: a then hears neither.
  engine.leaveConference(b.id);
  engine.muteInConference(c.id, true);
  await sleep(100);
  const mark = a.phone.received.length;
  await talk(ms, 500, 100);
  const after = heard(a, mark);
  assert.ok(power(after, 800) < 5 && power(after, 1200) < 5, `a hears nothing of b (left) or c (muted): ${power(after, 800).toFixed(1)}, ${power(after, 1200).toFixed(1)}`);
  for (const m of ms) engine.release(m.id);
  await sleep(100);
  assert.equal(engine.portsInUse(), 0);
});
