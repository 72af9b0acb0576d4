/**
 * DTMF in the relay workers over real sockets: RFC 4733 events a phone sends are reported once
 * per key; keys a phone sends as tones are detected (dtmfDetect: "inband"); digits go to a phone
 * as RFC 4733 events or as tones in its codec; a phone without telephone-event gets none of its
 * partner's events.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { MediaEngine } from "../../src/media/media-engine.js";
import { CaptureLogger } from "../../src/core/logger.js";
import { encodeG711 } from "../../src/media/codec/g711.js";
import { parseRtpHeader } from "../../src/media/rtp/rtp-header.js";
import { FakePhone, sleep } from "./fake-phone.js";

let engine: MediaEngine;
const phones: FakePhone[] = [];
const digits: string[] = [];
const ULAW = { codecs: [{ name: "ulaw", payloadType: 0 }], event: { payloadType: 101, clockRate: 8000 } };

before(async () => {
  engine = new MediaEngine({ rtpStart: 61400, rtpEnd: 61599, bindAddress: "127.0.0.1", workers: 1, strictRtp: "no", probation: 4, noMediaMs: 5000, log: new CaptureLogger() });
  await engine.start();
  engine.on("dtmf", (leg, digit, ms, source) => digits.push(`${leg} ${digit} ${source} ${ms}`));
});

after(async () => {
  for (const p of phones) p.close();
  await engine.close();
});

async function leg(options: Parameters<MediaEngine["setOptions"]>[1]) {
  const l = await engine.allocate({ group: "dtmf" });
  const p = await FakePhone.open();
  phones.push(p);
  engine.setRemote(l.id, p.address);
  engine.setOptions(l.id, options);
  await engine.stats(l.id);
  return { l, p };
}

async function until(ok: () => boolean, what: string): Promise<void> {
  const end = performance.now() + 3000;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`no ${what}: ${digits.join("; ")}`);
    await sleep(20);
  }
}

test("media-engine dtmf: an RFC 4733 event is reported once, with its duration, though its end packet comes three times", async () => {
  const { l, p } = await leg({ format: ULAW });
  digits.length = 0;
  const ev = (dur: number, end: boolean, seq: number) => p.sendRtp(l.localPort, { seq, ts: 8000, pt: 101, payload: Buffer.from([5, (end ? 0x80 : 0) | 10, dur >> 8, dur & 0xff]) });
  ev(160, false, 1);
  ev(800, true, 2);
  ev(800, true, 3);
  ev(800, true, 4);
  await until(() => digits.length > 0, "digit");
  await sleep(100);
  assert.deepEqual(digits, [`${l.id} 5 rfc4733 100`]);
});

test("media-engine dtmf: keys sent as tones in μ-law are detected on a leg with dtmfDetect inband", async () => {
  const { l, p } = await leg({ format: { codecs: [{ name: "ulaw", payloadType: 0 }] }, dtmfDetect: "inband" });
  digits.length = 0;
  let seq = 100;
  const send = async (f1: number, f2: number, ms: number) => {
    for (let n = 0; n < ms / 20; n++) {
      const pcm = new Int16Array(160).map((_, i) => (f1 === 0 ? 0 : Math.round(5000 * Math.sin((2 * Math.PI * f1 * (n * 160 + i)) / 8000) + 5000 * Math.sin((2 * Math.PI * f2 * (n * 160 + i)) / 8000))));
      const payload = Buffer.alloc(160);
      encodeG711("PCMU", pcm, payload);
      p.sendRtp(l.localPort, { seq: seq++, ts: seq * 160, pt: 0, payload });
      await sleep(2);
    }
  };
  await send(0, 0, 100);
  await send(852, 1477, 120); // 9
  await send(0, 0, 100);
  await send(941, 1209, 120); // *
  await send(0, 0, 100);
  await until(() => digits.length >= 2, "two digits");
  assert.deepEqual(digits.map((d) => d.split(" ").slice(1, 3).join(" ")), ["9 inband", "* inband"]);
});

test("media-engine dtmf: sendDtmf as rfc4733 sends marked events with one timestamp and three end packets", async () => {
  const { l, p } = await leg({ format: ULAW });
  engine.sendDtmf(l.id, "#", 100, "rfc4733");
  const got = await p.waitFor(7, 2000);
  const h = got.map((r) => ({ h: parseRtpHeader(r.msg)!, body: r.msg.subarray(12) }));
  assert.ok(h.every((x) => x.h.payloadType === 101 && x.body[0] === 11), "event 11 (#) on payload type 101");
  assert.equal(new Set(h.map((x) => x.h.timestamp)).size, 1, "one timestamp");
  assert.equal(h[0]!.h.marker, true);
  const ends = h.filter((x) => (x.body[1]! & 0x80) !== 0);
  assert.equal(ends.length, 3);
  assert.ok(ends.every((x) => x.body.readUInt16BE(2) === 800), "100 ms at 8000 Hz");
});

test("media-engine dtmf: events toward a phone that hears its partner's relayed stream go into that stream; later relayed packets are renumbered", async () => {
  const a = await leg({ format: ULAW });
  const b = await leg({ format: ULAW });
  engine.bridge(a.l.id, b.l.id);
  await engine.stats(a.l.id);
  for (let seq = 500; seq < 505; seq++) a.p.sendRtp(a.l.localPort, { seq, ts: seq * 160, ssrc: 0xa1a1a1a1, pt: 0, payload: Buffer.alloc(160, 0xff) });
  await b.p.waitFor(5);
  engine.sendDtmf(b.l.id, "4", 60, "rfc4733");
  await sleep(150);
  a.p.sendRtp(a.l.localPort, { seq: 505, ts: 505 * 160, ssrc: 0xa1a1a1a1, pt: 0, payload: Buffer.alloc(160, 0xff) });
  const all = (await b.p.waitFor(5 + 5 + 1)).map((r) => parseRtpHeader(r.msg)!);
  const events = all.filter((h) => h.payloadType === 101);
  assert.equal(events.length, 5, "2 updates and 3 end packets for 60 ms");
  assert.ok(all.every((h) => h.ssrc === 0xa1a1a1a1), "one SSRC: the relayed stream's");
  assert.deepEqual(events.map((h) => h.sequenceNumber), [505, 506, 507, 508, 509]);
  assert.equal(events[0]!.timestamp, 504 * 160, "the event starts where the stream stood");
  assert.equal(all.at(-1)!.sequenceNumber, 510, "the next relayed packet follows the inserted ones");
});

test("media-engine dtmf: events shorter than 40 ms are not digits, and a flood of events is capped per second", async () => {
  const { l, p } = await leg({ format: ULAW });
  digits.length = 0;
  const end = (ts: number, dur: number, seq: number) => p.sendRtp(l.localPort, { seq, ts, pt: 101, payload: Buffer.from([7, 0x8a, dur >> 8, dur & 0xff]) });
  end(16000, 80, 1); // 10 ms
  for (let i = 0; i < 40; i++) end(20000 + i * 800, 400, 2 + i); // forty 50 ms digits at once
  await sleep(300);
  assert.equal(digits.length, 12, digits.join("; "));
});
