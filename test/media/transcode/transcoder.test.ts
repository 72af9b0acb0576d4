/**
 * One direction of a transcoded bridge, fed RTP packets as a phone sends them: the codec changes,
 * the audio survives (tone fitted at the far side), packets go out under the receiving leg's own
 * SSRC/sequence/timestamp, ptime is reframed, pauses and losses are handled, RFC 4733 events are
 * mapped, comfort noise and unknown payload types are not carried.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCodec } from "../../../src/media/codec/audio-codec.js";
import type { OwnStream } from "../../../src/media/playback/rtp-player.js";
import { parseRtpHeader, RTP_HEADER_SIZE, writeRtpHeader } from "../../../src/media/rtp/rtp-header.js";
import type { LegFormat } from "../../../src/media/transcode/leg-format.js";
import { Transcoder } from "../../../src/media/transcode/transcoder.js";
import { sine, toneFit, toneWindows } from "../codec/tone-analysis.js";

const ULAW: LegFormat = { codecs: [{ name: "ulaw", payloadType: 0 }], event: { payloadType: 101, clockRate: 8000 } };
const ALAW: LegFormat = { codecs: [{ name: "alaw", payloadType: 8 }], event: { payloadType: 96, clockRate: 8000 } };

function packet(pt: number, seq: number, ts: number, payload: Uint8Array, marker = false, ssrc = 0x1234): Buffer {
  const b = Buffer.alloc(RTP_HEADER_SIZE + payload.length);
  writeRtpHeader(b, pt, seq, ts, ssrc, marker);
  Buffer.from(payload).copy(b, RTP_HEADER_SIZE);
  return b;
}

/** A phone sending `codec` frames of a tone: packet n of ptime 20 ms. */
function phone(codec: string, pt: number, hz = 1000) {
  const c = createCodec(codec);
  assert.ok(c);
  const frame = c.sampleRate / 50;
  const audio = sine(hz, c.sampleRate, c.sampleRate * 2);
  return (n: number, o: { seq?: number; ts?: number } = {}) =>
    packet(pt, o.seq ?? 1000 + n, o.ts ?? 50000 + n * (c.rtpClockRate / 50), c.encode(audio.subarray(n * frame, (n + 1) * frame)));
}

function setup(from: LegFormat, to: LegFormat) {
  const own: OwnStream = { ssrc: 0xabcdef, seq: 7, ts: 90000 };
  const t = new Transcoder(from, to, own);
  const sent: Buffer[] = [];
  const push = (p: Buffer) => t.push(p, (out) => sent.push(Buffer.from(out)));
  const headers = () => sent.map((p) => parseRtpHeader(p)!);
  /** The audio the receiving phone decodes from what was sent (its own codec). */
  const heard = (): Int16Array => {
    const c = createCodec(to.codecs[0]!.name);
    assert.ok(c);
    const parts = sent.filter((p) => parseRtpHeader(p)!.payloadType === to.codecs[0]!.payloadType).map((p) => c.decode(p.subarray(RTP_HEADER_SIZE)));
    const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  return { t, own, sent, push, headers, heard };
}

test("transcoder: μ-law in, A-law out: one packet per packet, under our SSRC, sequence and 8000 Hz timestamps, marker on the first", () => {
  const s = setup(ULAW, ALAW);
  const send = phone("ulaw", 0);
  for (let n = 0; n < 50; n++) s.push(send(n));
  const h = s.headers();
  assert.equal(h.length, 50);
  assert.ok(h.every((x) => x.payloadType === 8 && x.ssrc === 0xabcdef));
  assert.deepEqual(h.slice(0, 3).map((x) => [x.sequenceNumber, x.timestamp, x.marker]), [[7, 90000, true], [8, 90160, false], [9, 90320, false]]);
  assert.equal(s.own.seq, 57, "the leg's own stream moved on");
  const f = toneFit(s.heard(), 1000, 8000, 400);
  assert.ok(f.snrDb > 30, `SNR ${f.snrDb.toFixed(1)} dB`);
  assert.equal(s.t.packetsDecoded, 50);
  assert.equal(s.t.packetsEncoded, 50);
});

test("transcoder: G.711 at 20 ms to G.722 at 30 ms: 16 kHz audio, 240-octet packets on a 240-tick clock", () => {
  const s = setup(ULAW, { codecs: [{ name: "g722", payloadType: 9 }], ptimeMs: 30 });
  const send = phone("ulaw", 0);
  for (let n = 0; n < 60; n++) s.push(send(n));
  const h = s.headers();
  assert.equal(h.length, 40, "60 × 20 ms = 40 × 30 ms");
  assert.ok(s.sent.every((p) => p.length === RTP_HEADER_SIZE + 240));
  assert.equal((h[1]!.timestamp - h[0]!.timestamp) >>> 0, 240, "G.722's RTP clock is 8000 Hz");
  const f = toneFit(s.heard(), 1000, 16000, 1600);
  assert.ok(f.snrDb > 25, `SNR ${f.snrDb.toFixed(1)} dB`);
});

test("transcoder: a pause in the sender's timestamps (silence suppression) moves ours on by the same time and marks the next packet", () => {
  const s = setup(ULAW, ALAW);
  const send = phone("ulaw", 0);
  for (let n = 0; n < 5; n++) s.push(send(n));
  // One second later, the next sequence number: a talkspurt after silence, not a loss.
  s.push(send(5, { seq: 1005, ts: 50000 + 5 * 160 + 8000 }));
  const h = s.headers();
  assert.equal(h.length, 6);
  assert.equal((h[5]!.timestamp - h[4]!.timestamp) >>> 0, 160 + 8000);
  assert.equal(h[5]!.marker, true);
  assert.equal(s.t.concealed, 0);
});

test("transcoder: a lost packet (sequence and timestamp both skip one) is concealed: our stream stays continuous", () => {
  const s = setup(ULAW, ALAW);
  const send = phone("ulaw", 0);
  for (let n = 0; n < 50; n++) if (n !== 20) s.push(send(n));
  const h = s.headers();
  assert.equal(s.t.concealed, 1);
  assert.equal(h.length, 50, "49 packets in, 50 out: the gap is filled");
  for (let i = 1; i < h.length; i++) assert.equal((h[i]!.timestamp - h[i - 1]!.timestamp) >>> 0, 160, `packet ${i}`);
  assert.ok(h.slice(1).every((x) => !x.marker));
});

test("transcoder: 5% of Opus packets lost: FEC and concealment keep the tone at the G.711 side", () => {
  const opus: LegFormat = { codecs: [{ name: "opus", payloadType: 111 }] };
  const s = setup(opus, ALAW);
  const enc = createCodec("opus", { rate: 8000, fmtp: "useinbandfec=1" });
  assert.ok(enc);
  const audio = sine(1000, 8000, 8000 * 3);
  for (let n = 0; n < 150; n++) {
    const p = packet(111, 2000 + n, 10000 + n * 960, enc.encode(audio.subarray(n * 160, (n + 1) * 160)));
    if (n % 20 !== 10) s.push(p);
  }
  enc.close?.();
  assert.equal(s.t.concealed, 7);
  const h = s.headers();
  assert.equal(h.length, 150, "every lost 20 ms was filled");
  // Opus keeps the tone's sound, not its waveform: judged per 20 ms, every window must hold the
  // tone (no dropout where a packet was lost), and most of them cleanly.
  const windows = toneWindows(s.heard(), 1000, 8000, 160, 800);
  const weak = windows.filter((w) => w.amplitude < 0.25 * 8000);
  assert.deepEqual(weak.map((w) => w.amplitude.toFixed(0)), [], "no window without the tone");
  const snrs = windows.map((w) => w.snrDb).sort((a, b) => a - b);
  assert.ok((snrs[snrs.length >> 1] as number) > 8, `median SNR per window ${(snrs[snrs.length >> 1] as number).toFixed(1)} dB`);
  s.t.close();
});

test("transcoder: RFC 4733 events keep their digit and duration, take the receiver's payload type, and share one timestamp per event", () => {
  const s = setup(ULAW, ALAW);
  const send = phone("ulaw", 0);
  s.push(send(0));
  const ev = (dur: number, end: boolean, seq: number) => packet(101, seq, 50160, Uint8Array.of(5, (end ? 0x80 : 0) | 10, dur >> 8, dur & 0xff), dur === 160);
  s.push(ev(160, false, 1001));
  s.push(ev(320, false, 1002));
  s.push(ev(480, true, 1003));
  const events = s.sent.slice(1).map((p) => ({ h: parseRtpHeader(p)!, body: [...p.subarray(RTP_HEADER_SIZE)] }));
  assert.equal(events.length, 3);
  assert.ok(events.every((e) => e.h.payloadType === 96 && e.h.timestamp === 90160 && e.h.ssrc === 0xabcdef));
  assert.deepEqual(events.map((e) => e.body), [[5, 10, 0, 160], [5, 10, 1, 64], [5, 0x80 | 10, 1, 224]]);
  assert.equal(events[0]!.h.marker, true, "the event's first packet is marked");
  const noEvents = setup(ULAW, { codecs: [{ name: "alaw", payloadType: 8 }] });
  noEvents.push(ev(160, false, 1));
  assert.equal(noEvents.sent.length, 0, "a receiver without telephone-event gets none");
});

test("transcoder: comfort noise is not carried; an unknown payload type or a broken packet is counted, never thrown", () => {
  const s = setup(ULAW, ALAW);
  s.push(packet(13, 1, 0, Uint8Array.of(127)));
  s.push(packet(34, 2, 0, new Uint8Array(160)));
  s.push(Buffer.from([0x80, 0x00]));
  assert.equal(s.sent.length, 0);
  assert.equal(s.t.undecodable, 2);
});

test("transcoder: reordered packets — the first swap costs one concealed packet and deepens the jitter buffer, the next swap is put back in order", () => {
  const s = setup(ULAW, ALAW);
  const send = phone("ulaw", 0);
  const order: number[] = [];
  for (let n = 0; n < 60; n++) order.push(n);
  for (const at of [20, 40]) [order[at], order[at + 1]] = [order[at + 1]!, order[at]!];
  let now = 0;
  for (const n of order) s.t.push(send(n), (out) => s.sent.push(Buffer.from(out)), (now += 20));
  s.t.flush((now += 100), (out) => s.sent.push(Buffer.from(out)));
  assert.equal(s.t.jitter.late, 1, "the first swapped packet came too late");
  assert.equal(s.t.jitter.depth, 1, "so the buffer holds one packet now");
  assert.equal(s.t.concealed, 1, "its slot was concealed");
  const h = s.headers();
  assert.equal(h.length, 60, "every 20 ms went out once");
  for (let i = 1; i < h.length; i++) assert.equal((h[i]!.timestamp - h[i - 1]!.timestamp) >>> 0, 160, `packet ${i}`);
  const f = toneFit(s.heard(), 1000, 8000, 400);
  assert.ok(f.snrDb > 20, `SNR ${f.snrDb.toFixed(1)} dB`);
});

test("transcoder: a held packet is let go by the worker's tick when the stream pauses", () => {
  const s = setup(ULAW, ALAW);
  const send = phone("ulaw", 0);
  s.t.jitter.depth = 2;
  s.push(send(0));
  s.t.push(send(2), (out) => s.sent.push(Buffer.from(out)), 1000);
  assert.equal(s.sent.length, 1, "packet 2 waits for packet 1");
  s.t.flush(1020, (out) => s.sent.push(Buffer.from(out)));
  assert.equal(s.sent.length, 1, "not yet: the buffer's depth is 60 ms");
  s.t.flush(1100, (out) => s.sent.push(Buffer.from(out)));
  assert.equal(s.sent.length, 3, "let go, with the lost packet concealed before it");
});

test("transcoder: a receiver's odd a=ptime (0.01, 30 for Opus, 10^9) is brought to a usable packetization; nothing hangs or throws", () => {
  for (const [to, ptime, ticks] of [["alaw", 0.01, 80], ["alaw", 1e9, 960], ["opus", 30, 960]] as const) {
    const s = setup(ULAW, { codecs: [{ name: to, payloadType: to === "opus" ? 111 : 8 }], ptimeMs: ptime });
    const send = phone("ulaw", 0);
    for (let n = 0; n < 20; n++) s.push(send(n));
    const h = s.headers();
    assert.ok(h.length > 0 && h.length <= 40, `${to} ptime ${ptime}: ${h.length} packets`);
    if (h.length > 1) assert.equal((h[1]!.timestamp - h[0]!.timestamp) >>> 0, ticks, `${to} ptime ${ptime}`);
    s.t.close();
  }
});

test("transcoder: a new sender SSRC (a restarted stream) is taken at once, in a new talkspurt, whatever its sequence numbers", () => {
  const s = setup(ULAW, ALAW);
  const send = phone("ulaw", 0);
  for (let n = 0; n < 10; n++) s.push(send(n));
  const restarted = (n: number) => {
    const p = send(n, { seq: 5 + n, ts: 1000 + n * 160 });
    p.writeUInt32BE(0x9999, 8);
    return p;
  };
  for (let n = 10; n < 20; n++) s.push(restarted(n));
  const h = s.headers();
  assert.equal(h.length, 20, "no packet of the new stream was taken for a late one");
  assert.equal(h[10]!.marker, true, "the new stream starts a talkspurt");
  assert.equal(s.t.jitter.late, 0);
});

test("transcoder: after resync (the relay withheld packets for a prompt) the next packet starts a talkspurt, with nothing invented", () => {
  const s = setup(ULAW, ALAW);
  const send = phone("ulaw", 0);
  for (let n = 0; n < 10; n++) s.push(send(n));
  s.t.resync();
  s.push(send(14));
  assert.equal(s.t.concealed, 0, "the withheld packets are not a loss");
  assert.equal(s.sent.length, 11, "one packet in, one out");
  assert.equal(s.headers()[10]!.marker, true);
});

test("transcoder: an Opus sender's sprop-maxcapturerate=16000 toward an L16/48 kHz receiver is decoded at 16 kHz and resampled; the tone survives", () => {
  const s = setup({ codecs: [{ name: "opus", payloadType: 111, fmtp: "sprop-maxcapturerate=16000;useinbandfec=1" }] }, { codecs: [{ name: "slin48", payloadType: 96 }] });
  const enc = createCodec("opus", { rate: 16000 });
  assert.ok(enc);
  const audio = sine(1000, 16000, 16000);
  for (let n = 0; n < 50; n++) s.push(packet(111, 3000 + n, n * 960, enc.encode(audio.subarray(n * 320, (n + 1) * 320))));
  enc.close?.();
  const h = s.headers();
  assert.equal(h.length, 50);
  assert.ok(s.sent.every((p) => p.length === RTP_HEADER_SIZE + 960 * 2), "20 ms of 48 kHz L16 per packet");
  const windows = toneWindows(s.heard(), 1000, 48000, 960, 4800);
  assert.ok(windows.every((w) => w.amplitude > 0.25 * 8000), "the tone in every 20 ms");
  s.t.close();
});
