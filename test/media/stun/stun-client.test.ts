import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { discoverPublicAddress, parseHostPort } from "../../../src/media/stun/stun-client.js";
import { buildBindingRequest, buildBindingSuccess, parseBindingResponse } from "../../../src/media/stun/stun-message.js";

/**
 * A tiny STUN responder (coturn is not installed here): answers Binding requests with the
 * source it saw, optionally ignoring the first `drop` requests to exercise retransmission.
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
  return { socket, port: (socket.address() as AddressInfo).port, seen };
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

test("stun-client: a lost request is retransmitted after the 500 ms RTO", async () => {
  const srv = await responder({ drop: 1 });
  try {
    const got = await discoverPublicAddress(`127.0.0.1:${srv.port}`, "127.0.0.1", 3000);
    assert.equal(got?.address, "127.0.0.1");
    assert.equal(srv.seen.length, 2);
    const gap = (srv.seen[1] ?? 0) - (srv.seen[0] ?? 0);
    assert.ok(gap >= 400 && gap < 900, `retransmission after ${gap} ms`);
  } finally {
    srv.socket.close();
  }
});

test("stun-client: no answer resolves undefined at the timeout", async () => {
  const srv = await responder({ drop: 100 });
  try {
    const start = Date.now();
    assert.equal(await discoverPublicAddress(`127.0.0.1:${srv.port}`, "127.0.0.1", 300), undefined);
    assert.ok(Date.now() - start < 1000);
  } finally {
    srv.socket.close();
  }
});

test("stun-client: a response with a foreign transaction id is ignored", async () => {
  const srv = await responder({ reply: (_tid, from) => buildBindingSuccess(Buffer.alloc(12, 7), from) });
  try {
    assert.equal(await discoverPublicAddress(`127.0.0.1:${srv.port}`, "127.0.0.1", 300), undefined);
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
