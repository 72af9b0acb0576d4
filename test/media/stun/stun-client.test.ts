/**
 * The STUN client against a scripted responder on loopback (a real STUN server, coturn, is in
 * test/integration/stun-coturn.test.ts). Retransmission and timeout timers run on a FakeClock,
 * so the schedule is checked exactly and nothing depends on how busy the machine is.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { FakeClock, type TimerHandle } from "../../../src/core/clock.js";
import { discoverPublicAddress, parseHostPort } from "../../../src/media/stun/stun-client.js";
import { buildBindingRequest, buildBindingSuccess, parseBindingResponse, verifyFingerprint } from "../../../src/media/stun/stun-message.js";
import { waitUntil } from "../../helpers/processes.js";

/** A FakeClock that also records the delay of every timer set on it. */
class RecordingClock extends FakeClock {
  readonly delays: number[] = [];
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    this.delays.push(ms);
    return super.setTimeout(fn, ms);
  }
}

/**
 * A tiny STUN responder: answers Binding requests with the source it saw, optionally ignoring
 * the first `drop` requests to exercise retransmission.
 */
async function responder(opts: { drop?: number; reply?: (tid: Buffer, from: { address: string; port: number }) => Buffer } = {}): Promise<{ socket: Socket; port: number; seen: number[] }> {
  const socket = createSocket("udp4");
  const seen: number[] = [];
  let drop = opts.drop ?? 0;
  socket.on("message", (msg, rinfo) => {
    seen.push(Date.now());
    if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001) return;
    if (drop-- > 0) return;
    const tid = msg.subarray(8, 20);
    const from = { address: rinfo.address, port: rinfo.port };
    socket.send(opts.reply ? opts.reply(tid, from) : buildBindingSuccess(tid, from), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  return { socket, port: socket.address().port, seen };
}

test("stun-client: Binding request to a STUN server resolves with the XOR-MAPPED-ADDRESS", async () => {
  const srv = await responder();
  try {
    const got = await discoverPublicAddress(`127.0.0.1:${srv.port}`, "127.0.0.1:0", 2000);
    assert.ok(got);
    assert.equal(got.address, "127.0.0.1");
    assert.ok(got.port > 0);
  } finally {
    srv.socket.close();
  }
});

test("stun-client: a lost request is retransmitted after the 500 ms RTO, then 1000 ms later (RFC 5389 §7.2.1)", async () => {
  const srv = await responder({ drop: 2 });
  const clock = new RecordingClock();
  try {
    const pending = discoverPublicAddress(`127.0.0.1:${srv.port}`, "127.0.0.1", 39500, clock);
    await waitUntil(() => srv.seen.length === 1, 5000, "the first Binding request");
    // "starting with an interval of RTO, doubling after each retransmission": 500, then 1000.
    assert.deepEqual(clock.delays, [39500, 500]);
    clock.advance(499);
    assert.deepEqual(clock.delays, [39500, 500], "nothing retransmitted before the RTO");
    clock.advance(1);
    await waitUntil(() => srv.seen.length === 2, 5000, "the first retransmission");
    assert.deepEqual(clock.delays, [39500, 500, 1000]);
    clock.advance(1000);
    await waitUntil(() => srv.seen.length === 3, 5000, "the second retransmission");
    const got = await pending;
    assert.equal(got?.address, "127.0.0.1");
    assert.equal(clock.pending, 0, "the answer cancelled every timer");
  } finally {
    srv.socket.close();
  }
});

test("stun-client: no answer resolves undefined when the timeout is reached, not before", async () => {
  const srv = await responder({ drop: 100 });
  const clock = new FakeClock();
  try {
    let result: "pending" | undefined | object = "pending";
    const pending = discoverPublicAddress(`127.0.0.1:${srv.port}`, "127.0.0.1", 3000, clock).then((r) => (result = r));
    await waitUntil(() => srv.seen.length === 1, 5000, "the first Binding request");
    clock.advance(2999);
    await new Promise((r) => setImmediate(r));
    assert.equal(result, "pending");
    // Retransmissions at 500 and 1500 ms; the one due at 3500 is never sent.
    await waitUntil(() => srv.seen.length === 3, 5000, "two retransmissions");
    clock.advance(1);
    await pending;
    assert.equal(result, undefined);
    assert.equal(clock.pending, 0);
  } finally {
    srv.socket.close();
  }
});

/** A responder that first sends `decoy` for each request, then the true answer. */
async function decoyThenTruth(decoy: (tid: Buffer) => Buffer): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket("udp4");
  socket.on("message", (msg, rinfo) => {
    const tid = msg.subarray(8, 20);
    socket.send(decoy(Buffer.from(tid)), rinfo.port, rinfo.address, () => {
      socket.send(buildBindingSuccess(tid, { address: rinfo.address, port: rinfo.port }), rinfo.port, rinfo.address);
    });
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  return { socket, port: socket.address().port };
}

const DECOY = { address: "198.51.100.66", port: 4242 };

test("stun-client: a response with a foreign transaction id is ignored", async () => {
  const srv = await decoyThenTruth(() => buildBindingSuccess(Buffer.alloc(12, 7), DECOY));
  try {
    assert.equal((await discoverPublicAddress(`127.0.0.1:${srv.port}`, "127.0.0.1", 5000))?.address, "127.0.0.1");
  } finally {
    srv.socket.close();
  }
});

test("stun-client: a response whose FINGERPRINT is wrong is ignored (RFC 5389 §7.3)", async () => {
  const srv = await decoyThenTruth((tid) => {
    const ok = buildBindingSuccess(tid, DECOY);
    const out = Buffer.alloc(ok.length + 8);
    ok.copy(out);
    out.writeUInt16BE(ok.length - 20 + 8, 2);
    out.writeUInt16BE(0x8028, ok.length);
    out.writeUInt16BE(4, ok.length + 2);
    out.writeUInt32BE(0xdeadbeef, ok.length + 4);
    return out;
  });
  try {
    assert.equal((await discoverPublicAddress(`127.0.0.1:${srv.port}`, "127.0.0.1", 5000))?.address, "127.0.0.1");
  } finally {
    srv.socket.close();
  }
});

test("stun-client: the Binding request carries a valid FINGERPRINT", async () => {
  let request: Buffer | undefined;
  const srv = await responder({ reply: (tid, from) => buildBindingSuccess(tid, from) });
  srv.socket.prependListener("message", (msg) => (request ??= msg));
  try {
    assert.ok(await discoverPublicAddress(`127.0.0.1:${srv.port}`, "127.0.0.1", 2000));
    assert.ok(request);
    assert.equal(request.length, 28);
    assert.equal(verifyFingerprint(request), true);
  } finally {
    srv.socket.close();
  }
});

test("stun-message: XOR-MAPPED-ADDRESS round-trips for IPv4 and IPv6", () => {
  const { transactionId } = buildBindingRequest();
  assert.deepEqual(parseBindingResponse(buildBindingSuccess(transactionId, { address: "203.0.113.7", port: 40000 }), transactionId), { address: "203.0.113.7", port: 40000 });
  assert.deepEqual(parseBindingResponse(buildBindingSuccess(transactionId, { address: "2001:db8::7", port: 5 }), transactionId), { address: "2001:db8::7", port: 5 });
});

test("stun-message: MAPPED-ADDRESS (RFC 3489 servers) is read when no XOR form is present", () => {
  const { transactionId } = buildBindingRequest();
  const msg = Buffer.alloc(32);
  msg.writeUInt16BE(0x0101, 0);
  msg.writeUInt16BE(12, 2);
  msg.writeUInt32BE(0x2112a442, 4);
  transactionId.copy(msg, 8);
  msg.writeUInt16BE(0x0001, 20);
  msg.writeUInt16BE(8, 22);
  msg[25] = 1;
  msg.writeUInt16BE(3478, 26);
  Buffer.from([198, 51, 100, 1]).copy(msg, 28);
  assert.deepEqual(parseBindingResponse(msg, transactionId), { address: "198.51.100.1", port: 3478 });
});

const junk: Array<[string, Buffer]> = [
  ["empty", Buffer.alloc(0)],
  ["RTP packet", Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
  ["attribute length past the end", (() => { const b = Buffer.alloc(24); b.writeUInt16BE(0x0101, 0); b.writeUInt16BE(4, 2); b.writeUInt32BE(0x2112a442, 4); b.writeUInt16BE(0x20, 20); b.writeUInt16BE(200, 22); return b; })()],
  ["message length past the end", (() => { const b = Buffer.alloc(20); b.writeUInt16BE(0x0101, 0); b.writeUInt16BE(64, 2); b.writeUInt32BE(0x2112a442, 4); return b; })()],
];
for (const [name, buf] of junk) {
  test(`stun-message: ${name} gives undefined without throwing`, () => {
    assert.equal(parseBindingResponse(buf, Buffer.alloc(12)), undefined);
  });
}

test("stun-client: parseHostPort reads host, host:port and [v6]:port", () => {
  assert.deepEqual(parseHostPort("stun.example.com", 3478), { host: "stun.example.com", port: 3478 });
  assert.deepEqual(parseHostPort("stun.example.com:19302", 3478), { host: "stun.example.com", port: 19302 });
  assert.deepEqual(parseHostPort("[2001:db8::1]:5000", 3478), { host: "2001:db8::1", port: 5000 });
  assert.deepEqual(parseHostPort("2001:db8::1", 3478), { host: "2001:db8::1", port: 3478 });
});
