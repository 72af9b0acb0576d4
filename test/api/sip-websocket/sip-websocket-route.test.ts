/**
 * The `/ws` route on a real HTTP listener (loopback): the handshake selects the `sip`
 * subprotocol and hands the connection to the ws transport (a message arrives with its flow, the
 * answer comes back on the same WebSocket, closing reports the flow); a client not offering
 * `sip` gets 400; an HTTP upgrade with only a wss transport gets 404; a banned source gets no
 * handshake; a plain GET gets 426.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { nullLogger } from "../../../src/core/logger.js";
import { HttpRouteTable } from "../../../src/api/http/http-routes.js";
import { HttpServer } from "../../../src/api/http/http-server.js";
import { sipWebSocketRoute } from "../../../src/api/sip-websocket/sip-websocket-route.js";
import type { Flow } from "../../../src/sip/transport/types.js";
import { WsTransport } from "../../../src/sip/transport/ws-transport.js";

const banned = new Set<string>();
const messages: Array<{ text: string; flow: Flow }> = [];
const closed: Flow[] = [];
const transports: Record<"ws" | "wss", WsTransport | undefined> = {
  ws: new WsTransport({
    id: "transport-ws",
    protocol: "ws",
    bind: { host: "0.0.0.0", port: 0 },
    log: nullLogger,
    delegate: { allow: (a) => !banned.has(a), onMessage: (data, flow) => messages.push({ text: data.toString(), flow }), onConnectionClosed: (f) => closed.push(f) },
  }),
  wss: undefined,
};
const table = new HttpRouteTable();
table.register(sipWebSocketRoute({ transport: (secure) => transports[secure ? "wss" : "ws"], log: nullLogger, pingIntervalMs: 0 }));
const server = new HttpServer({ host: "127.0.0.1", port: 0, prefix: "", serverName: "", sessionLimit: 10, inactivityMs: 5000, keepAliveMs: 1000 }, table, nullLogger);
let url = "";

before(async () => {
  await server.listen();
  url = `ws://127.0.0.1:${server.address?.port ?? 0}/ws`;
});
after(async () => {
  await server.close();
});

function open(protocols: string[], localAddress = "127.0.0.1"): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, { localAddress });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`status ${res.statusCode ?? 0}`)));
    ws.once("error", reject);
  });
}

const OPTIONS = "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\nFrom: <sip:x@a.invalid>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n";

test("sip websocket route: the 101 selects sip; messages go to the ws transport with their flow and answers come back on the same WebSocket", async () => {
  const ws = await open(["chat", "sip"]);
  assert.equal(ws.protocol, "sip");
  const reply = new Promise<{ text: string; binary: boolean }>((resolve) => ws.once("message", (d: Buffer, binary: boolean) => resolve({ text: d.toString(), binary })));
  ws.send(OPTIONS);
  await new Promise((r) => setTimeout(r, 100));
  const got = messages.at(-1);
  assert.equal(got?.text, OPTIONS);
  assert.equal(got.flow.transport, transports.ws);
  assert.equal(got.flow.remoteAddress, "127.0.0.1");
  transports.ws?.send(Buffer.from("SIP/2.0 200 OK\r\n\r\n"), got.flow.remoteAddress, got.flow.remotePort, got.flow.connectionId);
  assert.deepEqual(await reply, { text: "SIP/2.0 200 OK\r\n\r\n", binary: false });
  ws.close();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(closed.at(-1)?.connectionId, got.flow.connectionId);
});

test("sip websocket route: no sip subprotocol offered → 400; a plain GET → 426", async () => {
  await assert.rejects(open(["chat"]), /status 400/);
  await assert.rejects(open([]), /status 400/);
  const res = await fetch(url.replace("ws:", "http:"));
  assert.equal(res.status, 426);
  assert.equal(res.headers.get("upgrade"), "websocket");
});

test("sip websocket route: without a transport for the listener's kind the upgrade gets 404; a banned source no handshake", async () => {
  const ws = transports.ws;
  transports.ws = undefined;
  try {
    await assert.rejects(open(["sip"]), /status 404/);
  } finally {
    transports.ws = ws;
  }
  banned.add("127.0.0.9");
  await assert.rejects(open(["sip"], "127.0.0.9"));
  assert.ok((await open(["sip"], "127.0.0.10")).close() === undefined);
});

test("sip websocket route: a client that stops answering pings is disconnected (and reported closed); one that answers stays", async () => {
  const pinged = new HttpRouteTable();
  pinged.register(sipWebSocketRoute({ transport: () => transports.ws, log: nullLogger, pingIntervalMs: 100 }));
  const s = new HttpServer({ host: "127.0.0.1", port: 0, prefix: "", serverName: "", sessionLimit: 10, inactivityMs: 5000, keepAliveMs: 1000 }, pinged, nullLogger);
  await s.listen();
  try {
    const at = `ws://127.0.0.1:${s.address?.port ?? 0}/ws`;
    const connect = (autoPong: boolean): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(at, ["sip"], { autoPong });
        ws.once("open", () => resolve(ws));
        ws.once("error", reject);
      });
    const silent = await connect(false);
    const alive = await connect(true);
    const before = closed.length;
    const gone = new Promise<void>((resolve) => silent.once("close", () => resolve()));
    await gone;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(alive.readyState, WebSocket.OPEN, "the client answering pings is still connected");
    assert.equal(closed.length, before + 1, "the silent one was reported closed");
    alive.close();
  } finally {
    await s.close();
  }
});
