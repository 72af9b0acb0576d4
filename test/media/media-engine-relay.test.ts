import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { MediaEngine } from "../../src/media/media-engine.js";
import { CaptureLogger } from "../../src/core/logger.js";
import { parseRtpHeader } from "../../src/media/rtp/rtp-header.js";
import { FakePhone, sleep } from "./fake-phone.js";

let engine: MediaEngine;
const phones: FakePhone[] = [];

async function phone(): Promise<FakePhone> {
  const p = await FakePhone.open();
  phones.push(p);
  return p;
}

/** Two legs of one call with a phone on each, bridged. */
async function call(opts: { symmetric?: boolean } = {}) {
  const group = `call-${Math.random()}`;
  const a = await engine.allocate({ group });
  const b = await engine.allocate({ group });
  const pa = await phone();
  const pb = await phone();
  engine.setRemote(a.id, pa.address);
  engine.setRemote(b.id, pb.address);
  if (opts.symmetric !== undefined) {
    engine.setOptions(a.id, { symmetric: opts.symmetric });
    engine.setOptions(b.id, { symmetric: opts.symmetric });
  }
  engine.bridge(a.id, b.id);
  await engine.stats(a.id); // commands are asynchronous; a reply means the worker has applied them
  return { a, b, pa, pb };
}

/** Polls `ok` until it holds; rejects naming `what` after `ms` (a bound for hangs, not a timing check). */
async function waitFor(ok: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await sleep(20);
  }
}

before(async () => {
  engine = new MediaEngine({ rtpStart: 61000, rtpEnd: 61199, bindAddress: "127.0.0.1", workers: 2, strictRtp: "yes", probation: 4, noMediaMs: 600, log: new CaptureLogger() });
  await engine.start();
});

after(async () => {
  for (const p of phones) p.close();
  await engine.close();
});

test("media-engine: bridged legs relay RTP both ways byte-identical (payload, SSRC, seq, timestamp)", async () => {
  const { a, b, pa, pb } = await call();
  const sentAt = performance.now();
  const sentA = [1, 2, 3, 4, 5].map((seq) => pa.sendRtp(a.localPort, { seq, ssrc: 0xaaaa0001, pt: 0 }));
  const sentB = [900, 901, 902].map((seq) => pb.sendRtp(b.localPort, { seq, ssrc: 0xbbbb0002, pt: 8 }));
  const atB = await pb.waitFor(5);
  const atA = await pa.waitFor(3);
  assert.deepEqual(atB.map((r) => r.msg), sentA);
  assert.deepEqual(atA.map((r) => r.msg), sentB);
  assert.ok(atB.every((r) => r.from.port === b.localPort), "A's audio leaves from B's socket");
  assert.ok(atA.every((r) => r.from.port === a.localPort));
  const sa = await engine.stats(a.id);
  const sb = await engine.stats(b.id);
  assert.deepEqual([sa.packetsIn, sa.packetsOut, sa.payloadType, sa.ssrc, sa.dropped], [5, 3, 0, 0xaaaa0001, 0]);
  assert.deepEqual([sb.packetsIn, sb.packetsOut, sb.payloadType, sb.ssrc], [3, 5, 8, 0xbbbb0002]);
  assert.equal(sa.bytesIn, sentA.reduce((n, m) => n + m.length, 0));
  assert.equal(sb.bytesOut, sa.bytesIn);
  assert.equal(sa.bridgedTo, b.id);
  assert.deepEqual(sa.observed, pa.address);
  // The age refers to the packets just sent: it cannot exceed the time since we sent them (+1 for
  // rounding). That bound grows with load instead of being a fixed number of milliseconds.
  const sinceSent = performance.now() - sentAt;
  assert.ok(sa.lastPacketAgeMs !== undefined && sa.lastPacketAgeMs >= 0 && sa.lastPacketAgeMs <= sinceSent + 1, `age ${sa.lastPacketAgeMs} ms, sent ${sinceSent.toFixed(0)} ms ago`);
});

test("media-engine: while a phone holds (remoteReceives=false) it gets none of the partner's RTP, but its own is relayed; unhold resumes", async () => {
  const { a, b, pa, pb } = await call();
  // RFC 3264 §8.4: phone A's a=sendonly asks us to stop sending to it.
  engine.setOptions(a.id, { remoteReceives: false });
  await engine.stats(a.id);
  for (const seq of [1, 2, 3]) pb.sendRtp(b.localPort, { seq });
  pa.sendRtp(a.localPort, { seq: 100 });
  await pb.waitFor(1);
  // The worker has read B's three packets once its stats count them; anything relayed would
  // have been sent by then.
  assert.equal((await engine.stats(b.id)).packetsIn, 3);
  await sleep(50);
  assert.equal(pa.received.length, 0, "nothing reaches the holding phone");
  engine.setOptions(a.id, { remoteReceives: true });
  await engine.stats(a.id);
  pb.sendRtp(b.localPort, { seq: 4 });
  const got = await pa.waitFor(1);
  assert.equal(parseRtpHeader(got[0]!.msg)?.sequenceNumber, 4);
});

test("media-engine: muteIn drops what the muted phone sends, muteOut what it would receive; key events pass; unmute resumes", async () => {
  const { a, b, pa, pb } = await call();
  engine.setOptions(a.id, { muteIn: true });
  await engine.stats(a.id);
  pa.sendRtp(a.localPort, { seq: 1 });
  pb.sendRtp(b.localPort, { seq: 50 });
  await pa.waitFor(1);
  await sleep(50);
  assert.equal(pb.received.length, 0, "muted in: the partner hears nothing of A");
  engine.setOptions(a.id, { muteIn: false, muteOut: true });
  await engine.stats(a.id);
  pb.sendRtp(b.localPort, { seq: 51 });
  pa.sendRtp(a.localPort, { seq: 2 });
  await pb.waitFor(1);
  await sleep(50);
  assert.equal(pa.received.length, 1, "muted out: A hears nothing more of B");
  engine.setOptions(a.id, { muteOut: false });
  await engine.stats(a.id);
  pb.sendRtp(b.localPort, { seq: 52 });
  const got = await pa.waitFor(2);
  assert.equal(parseRtpHeader(got[1]!.msg)?.sequenceNumber, 52);
});

test("media-engine: rtp_symmetric=yes sends to the observed source, not the SDP address (NAT)", async () => {
  const { a, b, pa, pb } = await call({ symmetric: true });
  const natted = await phone(); // the phone's real mapping; pa is what its SDP claims
  natted.sendRtp(a.localPort, { seq: 10 });
  await pb.waitFor(1);
  pb.sendRtp(b.localPort, { seq: 20 });
  await natted.waitFor(1);
  await sleep(50);
  assert.equal(pa.received.length, 0, "nothing goes to the advertised address");
  const sa = await engine.stats(a.id);
  assert.equal(sa.latched, true);
  assert.deepEqual(sa.observed, natted.address);
  assert.deepEqual(sa.advertised, pa.address);
});

test("media-engine: rtp_symmetric=no sends to the SDP address even when packets come from elsewhere", async () => {
  const { a, b, pa, pb } = await call({ symmetric: false });
  const natted = await phone();
  natted.sendRtp(a.localPort, { seq: 10 });
  await pb.waitFor(1);
  pb.sendRtp(b.localPort, { seq: 20 });
  await pa.waitFor(1);
  await sleep(50);
  assert.equal(natted.received.length, 0);
  const sa = await engine.stats(a.id);
  assert.equal(sa.latched, false);
  assert.deepEqual(sa.observed, natted.address, "the media doctor still sees where RTP comes from");
});

test("media-engine: strictrtp drops a new source until probation (4) in-sequence packets, then follows it", async () => {
  const { a, b, pa, pb } = await call({ symmetric: true });
  pa.sendRtp(a.localPort, { seq: 1 });
  await pb.waitFor(1);
  const intruder = await phone();
  for (let seq = 500; seq < 504; seq++) intruder.sendRtp(a.localPort, { seq, ssrc: 0x99 });
  await pb.waitFor(2);
  await sleep(50);
  assert.equal(pb.received.length, 2, "only the 4th packet of the new source is relayed");
  assert.equal(parseRtpHeader(pb.received[1]!.msg)?.sequenceNumber, 503);
  const sa = await engine.stats(a.id);
  assert.equal(sa.dropped, 3);
  assert.deepEqual(sa.observed, intruder.address);
  pb.sendRtp(b.localPort, { seq: 7 });
  await intruder.waitFor(1);
  assert.equal(pa.received.length, 0, "symmetric RTP now goes to the new source");
});

test("media-engine: RTCP received on port+1 is relayed from the partner's RTCP port", async () => {
  const { a, b, pb } = await call();
  const pa2 = await phone();
  const rtcpPhone = await phone();
  engine.setRemote(a.id, { address: "127.0.0.1", port: pa2.port, rtcpPort: rtcpPhone.port });
  engine.setRemote(b.id, { address: "127.0.0.1", port: pb.port, rtcpPort: pb.port });
  await engine.stats(b.id);
  const sr = Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 1, ...Array<number>(24).fill(5)]);
  pb.send(sr, b.localRtcpPort);
  const got = await rtcpPhone.waitFor(1);
  assert.deepEqual(got[0]!.msg, sr);
  assert.equal(got[0]!.from.port, a.localRtcpPort);
  const [sa, sb] = [await engine.stats(a.id), await engine.stats(b.id)];
  assert.deepEqual([sb.rtcpIn, sa.rtcpOut], [1, 1]);
});

test("media-engine: malformed datagrams are counted as dropped and relaying carries on", async () => {
  const { a, pa, pb } = await call();
  pa.send(Buffer.from("GET / HTTP/1.0\r\n\r\n"), a.localPort);
  pa.send(Buffer.alloc(3), a.localPort);
  pa.send(Buffer.alloc(0), a.localPort);
  pa.send(Buffer.from("junk"), a.localRtcpPort);
  const good = pa.sendRtp(a.localPort, { seq: 42 });
  const got = await pb.waitFor(1);
  assert.deepEqual(got[0]!.msg, good);
  const sa = await engine.stats(a.id);
  assert.deepEqual([sa.dropped, sa.malformed, sa.packetsIn], [4, 4, 1]);
});

test("media-engine: a bridged leg that receives no RTP reports noMedia once, the talking leg does not", async () => {
  const seen: string[] = [];
  const off = engine.on("noMedia", (id, stats) => {
    assert.equal(stats.id, id);
    seen.push(id);
  });
  try {
    const { a, b, pa } = await call();
    const talk = setInterval(() => pa.sendRtp(a.localPort, { seq: Math.floor(performance.now()) & 0xffff }), 20);
    try {
      // noMediaMs is 600; wait for the report rather than a fixed second, which load can outlast.
      await waitFor(() => seen.includes(b.id), 10_000, "noMedia for the silent leg");
      await sleep(400);
    } finally {
      clearInterval(talk);
    }
    assert.ok(seen.includes(b.id), "silent leg reported");
    assert.ok(!seen.includes(a.id), "talking leg not reported");
    assert.equal(seen.filter((id) => id === b.id).length, 1, "reported once");
  } finally {
    off();
  }
});

test("media-engine: bridging legs of different workers moves one and relays", async () => {
  const a = await engine.allocate();
  const b = await engine.allocate();
  const pa = await phone();
  const pb = await phone();
  engine.setRemote(a.id, pa.address);
  engine.setRemote(b.id, pb.address);
  engine.bridge(a.id, b.id);
  // The move takes a round trip; keep sending until packets get through.
  let seq = 0;
  const t = setInterval(() => pa.sendRtp(a.localPort, { seq: seq++ }), 10);
  try {
    await pb.waitFor(3);
  } finally {
    clearInterval(t);
  }
  pb.sendRtp(b.localPort, { seq: 1 });
  await pa.waitFor(1);
  const sb = await engine.stats(b.id);
  assert.equal(sb.localPort, b.localPort);
  assert.deepEqual(sb.advertised, pb.address, "remote address survives the move");
});

test("media-engine: echo reflects RTP to the sender with the same payload, in our own stream (SSRC, consecutive seq, the sender's timestamp spacing)", async () => {
  const e = await engine.allocate();
  const p = await phone();
  engine.setRemote(e.id, p.address);
  engine.echo(e.id, true);
  await engine.stats(e.id);
  const sent = [1, 2, 3].map((seq) => p.sendRtp(e.localPort, { seq, ssrc: 0x1234 }));
  const got = await p.waitFor(3);
  const first = parseRtpHeader(got[0]!.msg)!;
  for (let i = 0; i < 3; i++) {
    const h = parseRtpHeader(got[i]!.msg)!;
    const s = parseRtpHeader(sent[i]!)!;
    assert.equal(h.payloadType, s.payloadType);
    // One sequence space per SSRC: prompts and keepalives share ours (an SRTP replay window would drop a second one).
    assert.equal(h.sequenceNumber, (first.sequenceNumber + i) & 0xffff);
    assert.equal((h.timestamp - first.timestamp) >>> 0, (s.timestamp - parseRtpHeader(sent[0]!)!.timestamp) >>> 0);
    assert.deepEqual(got[i]!.msg.subarray(12), sent[i]!.subarray(12));
    assert.notEqual(h.ssrc, 0x1234, "echoed under our own SSRC (RFC 3550 §8.2 loop detection)");
  }
  engine.echo(e.id, false);
  await engine.stats(e.id);
  p.sendRtp(e.localPort, { seq: 4 });
  await sleep(100);
  assert.equal(p.received.length, 3);
});

test("media-engine: rtp_timeout fires a timeout event once per silent period", async () => {
  const leg = await engine.allocate();
  const p = await phone();
  engine.setRemote(leg.id, p.address);
  const fired: number[] = [];
  const off = engine.on("timeout", (id, dir) => {
    if (id === leg.id && dir === "in") fired.push(performance.now());
  });
  try {
    const start = performance.now();
    engine.setOptions(leg.id, { timeoutSec: 1 });
    // Not before rtp_timeout; how much later depends on the load, so only the event is awaited.
    await waitFor(() => fired.length > 0, 10_000, "the timeout event");
    assert.ok(fired[0]! - start >= 950, `fired ${(fired[0]! - start).toFixed(0)} ms after rtp_timeout=1 was set`);
    // Another one would need another silent second after the first report: wait more than that.
    await sleep(1500);
    assert.equal(fired.length, 1, "once");
  } finally {
    off();
  }
});

test("media-engine: rtp_keepalive sends a comfort-noise packet when nothing was sent", async () => {
  const leg = await engine.allocate();
  const p = await phone();
  engine.setRemote(leg.id, p.address);
  engine.setOptions(leg.id, { keepaliveSec: 1 });
  const got = await p.waitFor(1, 10_000);
  const h = parseRtpHeader(got[0]!.msg);
  assert.equal(h?.payloadType, 13);
  assert.equal(h?.payloadLength, 1);
});

test("media-engine: an SRTP leg bridged to a plain RTP leg: decrypted toward the plain phone, encrypted toward the SRTP phone; a forged packet is refused", async () => {
  const { SrtpContext } = await import("../../src/media/srtp/srtp.js");
  const { freshCrypto } = await import("../../src/media/sdp/sdes.js");
  const { a, b, pa, pb } = await call();
  const phoneKey = freshCrypto(1, "AES_CM_128_HMAC_SHA1_80").inlineKey; // the SRTP phone's a=crypto
  const ourKey = freshCrypto(1, "AES_CM_128_HMAC_SHA1_80").inlineKey; // ours in the answer
  engine.setSrtp(a.id, { suite: "AES_CM_128_HMAC_SHA1_80", remoteKey: phoneKey, localKey: ourKey });
  await engine.stats(a.id);
  const phoneOut = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", phoneKey);
  const phoneIn = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", ourKey);
  // The SRTP phone (pa) sends encrypted packets; the plain phone (pb) must get them in the clear.
  const plainA = [1, 2, 3].map((seq) => {
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header.writeUInt16BE(seq, 2);
    header.writeUInt32BE(seq * 160, 4);
    header.writeUInt32BE(0xaaaa0001, 8);
    return Buffer.concat([header, Buffer.from(`secret-${seq}`)]);
  });
  for (const p of plainA) pa.send(phoneOut.protect(p), a.localPort);
  const atB = await pb.waitFor(3);
  assert.deepEqual(atB.map((r) => r.msg), plainA, "decrypted for the plain phone");
  // The plain phone's packets reach the SRTP phone encrypted with our key.
  const sentB = [700, 701].map((seq) => pb.sendRtp(b.localPort, { seq, ssrc: 0xbbbb0002 }));
  const atA = await pa.waitFor(2);
  for (const [i, r] of atA.entries()) {
    assert.ok(!r.msg.includes(Buffer.from(`payload-${700 + i}`)), "not in the clear toward the SRTP phone");
    assert.deepEqual(phoneIn.unprotect(r.msg), sentB[i]);
  }
  // A packet that does not authenticate goes nowhere and is counted.
  const forged = Buffer.from(phoneOut.protect(plainA[0]!.fill(0x33, 12)));
  forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
  pa.send(forged, a.localPort);
  await sleep(150);
  assert.equal(pb.received.length, 3, "the forged packet was not relayed");
  assert.equal((await engine.stats(a.id)).dropped, 1);
});

test("media-engine: a leg that requires SRTP relays nothing in the clear before it has keys, either way", async () => {
  const { a, b, pa, pb } = await call();
  engine.setOptions(a.id, { srtpRequired: true });
  await engine.stats(a.id);
  pb.sendRtp(b.localPort, { seq: 1, ssrc: 0xbbbb0003 });
  pa.sendRtp(a.localPort, { seq: 1, ssrc: 0xaaaa0003 });
  await sleep(200);
  assert.equal(pa.received.length, 0, "nothing reached the SRTP phone unencrypted");
  assert.equal(pb.received.length, 0, "its plain packets were not taken");
  assert.equal((await engine.stats(a.id)).dropped, 1);
  // Without the requirement the same leg relays plain RTP.
  engine.setOptions(a.id, { srtpRequired: false });
  await engine.stats(a.id);
  pb.sendRtp(b.localPort, { seq: 2, ssrc: 0xbbbb0003 });
  await pa.waitFor(1);
});

test("media-engine: legs whose formats differ (ulaw, alaw) are transcoded in the worker; matching formats pass untouched again", async () => {
  const { a, b, pa, pb } = await call();
  engine.setOptions(a.id, { format: { codecs: [{ name: "ulaw", payloadType: 0 }] } });
  engine.setOptions(b.id, { format: { codecs: [{ name: "alaw", payloadType: 8 }] } });
  await engine.stats(a.id);
  const ulaw = Buffer.alloc(160, 0x80); // μ-law for +32124, the largest positive level
  for (let seq = 1; seq <= 5; seq++) pa.sendRtp(a.localPort, { seq, ssrc: 0xaaaa0001, pt: 0, payload: ulaw });
  const atB = await pb.waitFor(5);
  for (const r of atB) {
    const h = parseRtpHeader(r.msg);
    assert.equal(h?.payloadType, 8, "A-law toward b");
    assert.notEqual(h?.ssrc, 0xaaaa0001, "under b's own SSRC");
    assert.equal(r.msg.length, 12 + 160);
    assert.equal(r.msg[12], 0xaa, "μ-law 0x80 (+32124) is A-law 0xaa");
  }
  const st = await engine.stats(a.id);
  assert.deepEqual({ ...st.transcoding }, { from: "ulaw", to: "alaw", decoded: 5, encoded: 5, undecodable: 0, concealed: 0 });
  engine.setOptions(b.id, { format: { codecs: [{ name: "ulaw", payloadType: 0 }] } });
  await engine.stats(b.id);
  const before = pb.received.length;
  const raw = pa.sendRtp(a.localPort, { seq: 6, ssrc: 0xaaaa0001, pt: 0, payload: ulaw });
  const [r] = (await pb.waitFor(before + 1)).slice(before);
  assert.deepEqual(r?.msg, raw, "same codec on both legs: byte for byte");
  assert.equal((await engine.stats(a.id)).transcoding, undefined);
});

test("media-engine: the same codec under another payload type number on each leg is renumbered, not transcoded", async () => {
  const { a, b, pa, pb } = await call();
  engine.setOptions(a.id, { format: { codecs: [{ name: "opus", payloadType: 111 }], event: { payloadType: 101, clockRate: 8000 } } });
  engine.setOptions(b.id, { format: { codecs: [{ name: "opus", payloadType: 96 }], event: { payloadType: 97, clockRate: 8000 } } });
  await engine.stats(a.id);
  const before = pb.received.length;
  const payload = Buffer.from("opus-frame");
  pa.sendRtp(a.localPort, { seq: 1, ssrc: 0xaaaa0001, pt: 111, payload });
  pa.sendRtp(a.localPort, { seq: 2, ssrc: 0xaaaa0001, pt: 101, payload: Buffer.from([1, 0x8a, 3, 32]) });
  const got = (await pb.waitFor(before + 2)).slice(before).map((r) => parseRtpHeader(r.msg)!);
  assert.deepEqual(got.map((h) => [h.payloadType, h.ssrc]), [[96, 0xaaaa0001], [97, 0xaaaa0001]]);
  assert.equal((await engine.stats(a.id)).transcoding, undefined, "relayed, not transcoded");
});

test("media-engine: after a prompt of ours, a bridged partner's stream continues our sequence numbers and timestamps (its SSRC and payload kept)", async () => {
  const { a, b, pa, pb } = await call();
  assert.equal(await engine.play(a.id, { kind: "tone", frequencies: [1000], durationMs: 100 }, { payloadType: 0, codec: "PCMU" }), "done");
  const ours = await pa.waitFor(5);
  const lastOurs = parseRtpHeader(ours[ours.length - 1]!.msg)!.sequenceNumber;
  const lastTs = parseRtpHeader(ours[ours.length - 1]!.msg)!.timestamp;
  const before = pa.received.length;
  const sent = [40000, 40001, 40002].map((seq) => pb.sendRtp(b.localPort, { seq, ssrc: 0xbbbb0003, pt: 0 }));
  await waitFor(() => pa.received.length >= before + 3, 2000, "the partner's packets");
  const relayed = pa.received.slice(before).map((r) => parseRtpHeader(r.msg)!);
  assert.deepEqual(relayed.map((h) => h.sequenceNumber), [1, 2, 3].map((n) => (lastOurs + n) & 0xffff), "numbered after our last packet");
  assert.deepEqual(relayed.map((h) => h.ssrc), [0xbbbb0003, 0xbbbb0003, 0xbbbb0003]);
  const step = ((relayed[0]!.timestamp - lastTs) >>> 0) / 8000;
  assert.ok(step > 0 && step < 2, `the first relayed timestamp follows our last one by the time between them (${step} s)`);
  assert.deepEqual(relayed.map((h) => (h.timestamp - relayed[0]!.timestamp) >>> 0), sent.map((m) => (m.readUInt32BE(4) - sent[0]!.readUInt32BE(4)) >>> 0), "the partner's own spacing");
  assert.deepEqual(pa.received.slice(before).map((r) => r.msg.subarray(12)), sent.map((m) => m.subarray(12)));
});
