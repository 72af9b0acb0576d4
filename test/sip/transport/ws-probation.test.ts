/**
 * WebSocket connections on probation until a request over them is authenticated: at most
 * `maxUnauthenticatedPerAddress` per source address (more are refused before the handshake, and
 * the refusal is logged once while the address stays at the cap), and one that has not carried
 * an authenticated request within `unauthenticatedTimeoutMs` is closed with 1008 and a log line
 * saying whether it sent anything. Fake WebSocket peers and a fake clock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import type { Flow } from "../../../src/sip/transport/types.js";
import { DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS, DEFAULT_UNAUTHENTICATED_TIMEOUT_MS, WsTransport, type WebSocketPeer } from "../../../src/sip/transport/ws-transport.js";

class FakePeer implements WebSocketPeer {
  closedWith: { code: number; reason: string } | undefined;
  send(_data: Buffer, _text: boolean, done: (err?: Error) => void): void {
    done();
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
}

const OPTIONS = "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\nFrom: <sip:x@a.invalid>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n";

function harness(opts: { max?: number; timeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const log = new CaptureLogger();
  const flows: Flow[] = [];
  const t = new WsTransport({
    id: "transport-ws",
    protocol: "ws",
    bind: { host: "0.0.0.0", port: 0 },
    log,
    clock,
    ...(opts.max !== undefined ? { maxUnauthenticatedPerAddress: opts.max } : {}),
    ...(opts.timeoutMs !== undefined ? { unauthenticatedTimeoutMs: opts.timeoutMs } : {}),
    delegate: { allow: () => true, onMessage: (_d, flow) => flows.push(flow) },
  });
  /** A handshake as the route makes it: admits(), then adopt() when admitted. */
  const connect = (address: string, port: number) => {
    const refusal = t.admits(address);
    if (refusal !== undefined) return { refusal };
    const peer = new FakePeer();
    return { peer, handle: t.adopt(peer, address, port) };
  };
  return { t, clock, log, flows, connect };
}

test("ws probation: defaults are 10 unauthenticated connections per address and 30 s", () => {
  assert.equal(DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS, 10);
  assert.equal(DEFAULT_UNAUTHENTICATED_TIMEOUT_MS, 30_000);
});

test("ws probation: an address over the cap is refused before the handshake, logged once; other addresses are not affected", () => {
  const { t, log, connect } = harness({ max: 3 });
  for (let i = 0; i < 3; i++) assert.ok(connect("127.0.0.5", 40000 + i).peer);
  for (let i = 0; i < 20; i++) assert.equal(connect("127.0.0.5", 41000 + i).refusal, "too many unauthenticated");
  assert.ok(connect("127.0.0.6", 40000).peer, "another address has its own count");
  const lines = log.records.filter((l) => l.msg.includes("refused"));
  assert.equal(lines.length, 1, "a flood of attempts is one line");
  assert.match(lines[0]!.msg, /^WS connection from 127\.0\.0\.5 refused: it already has 3 connections that have not authenticated a SIP request/);
  assert.equal(lines[0]!.level, "notice");
  assert.deepEqual(t.probation, { open: 4, refused: 20, timedOut: 0 });
  assert.equal(t.dump().dropped, 20);
});

test("ws probation: a connection whose request was authenticated (vouch) no longer counts; a closed one neither", () => {
  const { t, log, flows, connect } = harness({ max: 2 });
  const a = connect("127.0.0.5", 40000);
  const b = connect("127.0.0.5", 40001);
  assert.equal(connect("127.0.0.5", 40002).refusal, "too many unauthenticated");
  a.handle!.receive(Buffer.from(OPTIONS));
  t.vouch(flows[0]!);
  t.vouch(flows[0]!);
  assert.equal(t.probation.open, 1, "vouching twice counts once");
  const c = connect("127.0.0.5", 40003);
  assert.ok(c.peer, "room again after one authenticated");
  assert.equal(connect("127.0.0.5", 40004).refusal, "too many unauthenticated");
  assert.equal(log.records.filter((l) => l.msg.includes("refused")).length, 2, "logged again after the address went under the cap");
  b.handle!.closed();
  assert.ok(connect("127.0.0.5", 40005).peer, "a closed connection frees its place");
  a.handle!.closed();
  assert.equal(t.probation.open, 2);
});

test("ws probation: handshakes that passed admits() together are closed with 1008 at adopt when over the cap", () => {
  const { t } = harness({ max: 1 });
  assert.equal(t.admits("127.0.0.5"), undefined);
  assert.equal(t.admits("127.0.0.5"), undefined);
  const first = new FakePeer();
  const second = new FakePeer();
  t.adopt(first, "127.0.0.5", 40000);
  t.adopt(second, "127.0.0.5", 40001);
  assert.equal(first.closedWith, undefined);
  assert.deepEqual(second.closedWith, { code: 1008, reason: "too many unauthenticated connections" });
});

test("ws probation: a connection without an authenticated request is closed with 1008 after the timeout, and the log says what it sent", () => {
  const { t, clock, log, flows, connect } = harness({ timeoutMs: 30_000 });
  const silent = connect("127.0.0.5", 40000);
  const chatty = connect("127.0.0.5", 40001);
  const good = connect("127.0.0.5", 40002);
  chatty.handle!.receive(Buffer.from(OPTIONS));
  chatty.handle!.receive(Buffer.from(OPTIONS));
  good.handle!.receive(Buffer.from(OPTIONS));
  t.vouch(flows[2]!);
  clock.advance(29_999);
  assert.equal(silent.peer!.closedWith, undefined);
  clock.advance(1);
  assert.deepEqual(silent.peer!.closedWith, { code: 1008, reason: "no authenticated SIP request" });
  assert.equal(chatty.peer!.closedWith?.code, 1008);
  assert.equal(good.peer!.closedWith, undefined, "the authenticated one stays");
  const msgs = log.records.filter((l) => l.msg.startsWith("closing WS")).map((l) => l.msg);
  assert.deepEqual(msgs, [
    "closing WS connection from 127.0.0.5:40000: it sent no SIP message within 30 s of connecting",
    "closing WS connection from 127.0.0.5:40001: none of its 2 SIP messages was an authenticated request within 30 s of connecting",
  ]);
  assert.equal(t.probation.timedOut, 2);
});

test("ws probation: a timeout of 0 keeps unauthenticated connections open; close() cancels the timers", async () => {
  const { clock, connect } = harness({ timeoutMs: 0 });
  const a = connect("127.0.0.5", 40000);
  clock.advance(3_600_000);
  assert.equal(a.peer!.closedWith, undefined);
  const other = harness({ timeoutMs: 1000 });
  const b = other.connect("127.0.0.5", 40000);
  await other.t.close();
  assert.equal(b.peer!.closedWith?.code, 1001);
  other.clock.advance(5000);
  assert.equal(b.peer!.closedWith?.code, 1001, "no 1008 after shutdown");
});
