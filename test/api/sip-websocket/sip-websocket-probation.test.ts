/**
 * The `/ws` route with the ws transport's probation on a real HTTP listener (loopback) and the
 * `ws` client: an address with as many unauthenticated connections as the cap gets 503 for the
 * next handshake, one whose request was authenticated makes room, and an unauthenticated one is
 * closed by the server with 1008 once its time is up. A client that ignores the Close frame has
 * its TCP connection dropped after the grace period.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect as tcpConnect } from "node:net";
import WebSocket from "ws";
import { CaptureLogger } from "../../../src/core/logger.js";
import { HttpRouteTable } from "../../../src/api/http/http-routes.js";
import { HttpServer } from "../../../src/api/http/http-server.js";
import { sipWebSocketRoute } from "../../../src/api/sip-websocket/sip-websocket-route.js";
import type { Flow } from "../../../src/sip/transport/types.js";
import { WsTransport } from "../../../src/sip/transport/ws-transport.js";

const TIMEOUT_MS = 600;
const log = new CaptureLogger();
const flows: Flow[] = [];
const transport = new WsTransport({
  id: "transport-ws",
  protocol: "ws",
  bind: { host: "0.0.0.0", port: 0 },
  log,
  maxUnauthenticatedPerAddress: 2,
  unauthenticatedTimeoutMs: TIMEOUT_MS,
  delegate: { allow: () => true, onMessage: (_d, flow) => flows.push(flow) },
});
const table = new HttpRouteTable();
table.register(sipWebSocketRoute({ transport: () => transport, log, pingIntervalMs: 0, closeGraceMs: 300 }));
const server = new HttpServer({ host: "127.0.0.1", port: 0, prefix: "", serverName: "", sessionLimit: 20, inactivityMs: 5000, keepAliveMs: 1000 }, table, log);
let url = "";
const open: WebSocket[] = [];

before(async () => {
  await server.listen();
  url = `ws://127.0.0.1:${server.address?.port ?? 0}/ws`;
});
after(async () => {
  for (const ws of open) ws.terminate();
  await transport.close();
  await server.close();
});

function connect(localAddress = "127.0.0.1"): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(url, ["sip"], { localAddress });
  open.push(ws);
  const closed = new Promise<number>((resolve) => ws.once("close", (code: number) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, closed }));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`status ${res.statusCode ?? 0} retry-after ${String(res.headers["retry-after"])}`)));
    ws.once("error", reject);
  });
}

const OPTIONS = "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\nFrom: <sip:x@a.invalid>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n";

test("sip websocket probation: over the per-address cap the handshake gets 503; an authenticated connection makes room; the unauthenticated ones are closed with 1008", async () => {
  const started = Date.now();
  const a = await connect();
  const b = await connect();
  await assert.rejects(connect(), /status 503 retry-after 5/);
  const other = await connect("127.0.0.2");
  a.ws.send(OPTIONS);
  for (let i = 0; i < 50 && flows.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(flows.length, 1, "the OPTIONS arrived");
  transport.vouch(flows[0]!);
  const c = await connect();
  assert.equal(await b.closed, 1008);
  assert.equal(await other.closed, 1008);
  assert.ok(Date.now() - started >= TIMEOUT_MS - 50, "not before the timeout");
  assert.equal(await c.closed, 1008);
  assert.equal(a.ws.readyState, WebSocket.OPEN, "the authenticated one stays open");
  assert.ok(log.find("WS connection from 127.0.0.1 refused"));
  assert.ok(log.find("it sent no SIP message within 1 s of connecting"));
});

test("sip websocket probation: a client that never answers our Close frame loses its TCP connection after the grace period and its place", async () => {
  // The server side of the first test's connections closes a moment after the clients saw it.
  for (let i = 0; i < 100 && transport.probation.open > 0; i++) await new Promise((r) => setTimeout(r, 10));
  const before = transport.probation.open;
  assert.equal(before, 0);
  const port = server.address?.port ?? 0;
  const sock = tcpConnect({ host: "127.0.0.1", port, localAddress: "127.0.0.3" });
  let received = "";
  sock.setEncoding("latin1").on("data", (d: string) => (received += d));
  sock.on("error", () => {});
  const ended = new Promise<number>((resolve) => sock.once("close", () => resolve(Date.now())));
  await new Promise<void>((resolve) => sock.once("connect", () => resolve()));
  const opened = Date.now();
  // A hand-made RFC 6455 handshake; afterwards the client reads and never answers anything.
  sock.write(["GET /ws HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: sip", "", ""].join("\r\n"));
  for (let i = 0; i < 100 && !received.includes("\r\n\r\n"); i++) await new Promise((r) => setTimeout(r, 10));
  assert.match(received, /^HTTP\/1\.1 101 /);
  assert.equal(transport.probation.open, before + 1);
  const at = await ended;
  assert.ok(at - opened >= TIMEOUT_MS + 300 - 100 && at - opened < TIMEOUT_MS + 300 + 3000, `dropped after ${at - opened} ms: the timeout, then the grace (not the ws library's own 30 s)`);
  assert.ok(received.includes("no authenticated SIP request"), "the Close frame (1008) was sent first");
  for (let i = 0; i < 100 && transport.probation.open !== before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(transport.probation.open, before, "its place is free again");
});
