/**
 * The WebSocket transport (RFC 7118) with fake WebSocket peers: one SIP message per WebSocket
 * message (Content-Length honoured by the parser when present, optional when not), text frames
 * for UTF-8 and binary otherwise, CRLF keep-alives answered, responses and requests back over
 * the connection the peer opened (by connection id or by its source), no way to reach a peer
 * that has no connection, the ban check, and the close reported once with its flow.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { nullLogger } from "../../../src/core/logger.js";
import { parseMessage } from "../../../src/sip/parser/index.js";
import type { Flow } from "../../../src/sip/transport/types.js";
import { MAX_WEBSOCKET_SIP_MESSAGE, readWebSocketFrame, sendsAsText } from "../../../src/sip/transport/ws-framing.js";
import { WsTransport, type WebSocketPeer } from "../../../src/sip/transport/ws-transport.js";
import { TransportSet } from "../../../src/sip/transport/transport-set.js";

class FakePeer implements WebSocketPeer {
  readonly sent: Array<{ data: Buffer; text: boolean }> = [];
  closedWith: { code: number; reason: string } | undefined;
  fail: Error | undefined;
  send(data: Buffer, text: boolean, done: (err?: Error) => void): void {
    this.sent.push({ data, text });
    done(this.fail);
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
}

function harness(banned = new Set<string>()) {
  const messages: Array<{ data: Buffer; flow: Flow }> = [];
  const closed: Flow[] = [];
  const t = new WsTransport({
    id: "transport-wss",
    protocol: "wss",
    bind: { host: "0.0.0.0", port: 0 },
    log: nullLogger,
    delegate: { allow: (a) => !banned.has(a), onMessage: (data, flow) => messages.push({ data, flow }), onConnectionClosed: (flow) => closed.push(flow) },
  });
  return { t, messages, closed };
}

const REGISTER_NO_LENGTH = [
  "REGISTER sip:127.0.0.1 SIP/2.0",
  "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf",
  "Max-Forwards: 70",
  "From: <sip:1001@127.0.0.1>;tag=a1",
  "To: <sip:1001@127.0.0.1>",
  "Call-ID: c1",
  "CSeq: 1 REGISTER",
  "Contact: <sip:k3v5@df7jal23ls0d.invalid;transport=ws>",
  "",
  "",
].join("\r\n");

test("ws framing: a WebSocket message is one SIP message, CR/LF alone is a keep-alive, empty and oversized ones are errors", () => {
  assert.deepEqual(readWebSocketFrame(Buffer.from("\r\n\r\n")), { keepalive: true });
  assert.ok("error" in readWebSocketFrame(Buffer.alloc(0)));
  assert.ok("error" in readWebSocketFrame(Buffer.alloc(MAX_WEBSOCKET_SIP_MESSAGE + 1, 0x41)));
  const m = readWebSocketFrame(Buffer.from(REGISTER_NO_LENGTH));
  assert.ok("message" in m && m.message.toString() === REGISTER_NO_LENGTH);
});

test("ws framing: RFC 7118 §4.2: UTF-8 messages go as text frames, anything else as binary", () => {
  assert.equal(sendsAsText(Buffer.from("OPTIONS sip:a SIP/2.0\r\nSubject: Grüße\r\n\r\n")), true);
  assert.equal(sendsAsText(Buffer.from([0x4f, 0x50, 0xff, 0xfe])), false);
});

test("ws framing: without Content-Length the body is the rest of the message; with one, the parser honours it", () => {
  const body = "v=0\r\n";
  const noLength = parseMessage(Buffer.from(REGISTER_NO_LENGTH + body));
  assert.ok(noLength.ok && noLength.message.body.toString() === body);
  const withLength = REGISTER_NO_LENGTH.replace("CSeq: 1 REGISTER\r\n", "CSeq: 1 REGISTER\r\nContent-Length: 3\r\n") + body;
  const parsed = parseMessage(Buffer.from(withLength));
  assert.ok(parsed.ok && parsed.message.body.toString() === "v=0");
});

test("ws transport: a message goes up with a flow naming the connection; the answer goes back on it as a text frame", () => {
  const { t, messages } = harness();
  const peer = new FakePeer();
  const h = t.adopt(peer, "127.0.0.5", 40001);
  h.receive(Buffer.from(REGISTER_NO_LENGTH));
  assert.equal(messages.length, 1);
  const flow = messages[0]?.flow;
  assert.ok(flow?.connectionId);
  assert.equal(flow.remoteAddress, "127.0.0.5");
  assert.equal(flow.remotePort, 40001);
  assert.equal(flow.transport.protocol, "wss");
  t.send(Buffer.from("SIP/2.0 200 OK\r\n\r\n"), flow.remoteAddress, flow.remotePort, flow.connectionId);
  assert.equal(peer.sent.length, 1);
  assert.equal(peer.sent[0]?.text, true);
  assert.equal(t.dump().received, 1);
  assert.equal(t.dump().sent, 1);
  assert.equal(t.dump().connections, 1);
});

test("ws transport: a request to a registered contact (no connection id) finds the connection by the source the contact was stored with", () => {
  const { t } = harness();
  const a = new FakePeer();
  const b = new FakePeer();
  t.adopt(a, "127.0.0.5", 40001);
  t.adopt(b, "127.0.0.5", 40002);
  t.send(Buffer.from("INVITE sip:k3v5@df7jal23ls0d.invalid;transport=ws SIP/2.0\r\n\r\n"), "127.0.0.5", 40002);
  assert.equal(a.sent.length, 0);
  assert.equal(b.sent.length, 1);
});

test("ws transport: nothing can be sent to a peer without an open connection: the error says why, asynchronously", async () => {
  const { t } = harness();
  const errors: Error[] = [];
  t.send(Buffer.from("OPTIONS sip:x SIP/2.0\r\n\r\n"), "127.0.0.9", 5060, undefined, (e) => errors.push(e));
  assert.equal(errors.length, 0, "reported later, not from inside send()");
  await new Promise((r) => setImmediate(r));
  assert.match(errors[0]?.message ?? "", /no WSS connection from 127\.0\.0\.9:5060/);
});

test("ws transport: a failed WebSocket write reaches the sender's error handler", () => {
  const { t } = harness();
  const peer = new FakePeer();
  peer.fail = new Error("socket hang up");
  t.adopt(peer, "127.0.0.5", 40001);
  const errors: Error[] = [];
  t.send(Buffer.from("OPTIONS sip:x SIP/2.0\r\n\r\n"), "127.0.0.5", 40001, undefined, (e) => errors.push(e));
  assert.match(errors[0]?.message ?? "", /WSS send to 127\.0\.0\.5:40001 failed: socket hang up/);
});

test("ws transport: a CRLF keep-alive is answered with CRLF and not passed up", () => {
  const { t, messages } = harness();
  const peer = new FakePeer();
  t.adopt(peer, "127.0.0.5", 40001).receive(Buffer.from("\r\n\r\n"));
  assert.equal(messages.length, 0);
  assert.equal(peer.sent[0]?.data.toString(), "\r\n");
});

test("ws transport: a peer banned while connected is disconnected and its messages dropped; admits() is the ban check before the handshake", () => {
  const banned = new Set<string>();
  const { t, messages } = harness(banned);
  const peer = new FakePeer();
  const h = t.adopt(peer, "127.0.0.5", 40001);
  banned.add("127.0.0.5");
  h.receive(Buffer.from(REGISTER_NO_LENGTH));
  assert.equal(messages.length, 0);
  assert.equal(peer.closedWith?.code, 1008);
  assert.equal(t.admits("127.0.0.5"), "banned");
  assert.equal(t.admits("127.0.0.6"), undefined);
  assert.equal(t.dump().dropped, 2);
});

test("ws transport: a closed connection is reported once with its flow, and no longer reachable", async () => {
  const { t, closed } = harness();
  const peer = new FakePeer();
  const h = t.adopt(peer, "127.0.0.5", 40001);
  h.closed();
  h.closed();
  assert.equal(closed.length, 1);
  assert.equal(closed[0]?.remotePort, 40001);
  assert.equal(closed[0]?.transport, t);
  h.receive(Buffer.from(REGISTER_NO_LENGTH));
  const errors: Error[] = [];
  t.send(Buffer.from("x"), "127.0.0.5", 40001, undefined, (e) => errors.push(e));
  await new Promise((r) => setImmediate(r));
  assert.equal(errors.length, 1);
  assert.equal(t.dump().connections, 0);
});

test("ws transport: close() ends every connection with 1001 (going away)", async () => {
  const { t, closed } = harness();
  const peer = new FakePeer();
  t.adopt(peer, "127.0.0.5", 40001);
  await t.close();
  await t.close();
  assert.equal(peer.closedWith?.code, 1001);
  assert.equal(closed.length, 0, "a shutdown is not a peer going away");
  assert.equal(t.admits("127.0.0.5"), "closed");
});

test("ws transport: Via/Contact name the HTTP listener it is served by; pjsip show transports shows the configured bind", () => {
  const { t } = harness();
  assert.equal(t.dump().bind, "0.0.0.0:0");
  t.servedBy({ address: "127.0.0.1", port: 8089 });
  assert.equal(t.localAddress, "127.0.0.1");
  assert.equal(t.localPort, 8089);
  assert.equal(t.dump().bind, "0.0.0.0:0");
  assert.equal(t.reliable, true);
});

test("transport set: a WebSocket transport is picked for peers of either address family", () => {
  const { t } = harness();
  const set = new TransportSet();
  set.add(t);
  assert.equal(set.pick("wss", "::1"), t);
  assert.equal(set.pick("wss", "127.0.0.1"), t);
  assert.equal(set.pick("ws", "127.0.0.1"), undefined);
});
