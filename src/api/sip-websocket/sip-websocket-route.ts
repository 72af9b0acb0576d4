/**
 * The `/ws` URI of the HTTP server: the WebSocket handshake for SIP (RFC 7118 §4.1). A client
 * must offer the `sip` subprotocol, which the 101 answer selects; the open connection then goes
 * down to the SIP layer's `ws` transport when it came over HTTP and to `wss` over HTTPS
 * (ws-transport.ts), which reads one SIP message per WebSocket message.
 *
 *   GET /ws HTTP/1.1                       HTTP/1.1 101 Switching Protocols
 *   Upgrade: websocket               ──▶   Upgrade: websocket
 *   Sec-WebSocket-Protocol: sip            Sec-WebSocket-Protocol: sip
 *
 * The WebSocket is pinged every 30 s (RFC 6455 §5.5.2); a client that has not answered the
 * previous ping by then is gone (a closed laptop, a dropped NAT binding) and its connection is
 * ended, so its contacts stop being offered calls.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { Logger } from "../../core/logger.js";
import { normalizeAddress } from "../../sip/transport/tcp-transport.js";
import { MAX_WEBSOCKET_SIP_MESSAGE } from "../../sip/transport/ws-framing.js";
import type { WebSocketPeer, WsTransport } from "../../sip/transport/ws-transport.js";
import type { HttpRoute } from "../http/http-routes.js";
import { acceptWebSocket, offeredSubprotocols, refuseUpgrade } from "../http/http-websocket.js";

/** RFC 7118 §4.1: the registered WebSocket subprotocol name. */
export const SIP_SUBPROTOCOL = "sip";

export interface SipWebSocketRouteOptions {
  /** The `ws` transport (secure = false) or the `wss` one, if configured. */
  transport(secure: boolean): WsTransport | undefined;
  log: Logger;
  /** ms between pings; 0: none. */
  pingIntervalMs?: number;
  /** ms a peer has to answer our Close frame before its TCP connection is dropped. */
  closeGraceMs?: number;
}

const PING_INTERVAL_MS = 30_000;
const CLOSE_GRACE_MS = 5_000;

export function sipWebSocketRoute(o: SipWebSocketRouteOptions): HttpRoute {
  return {
    uri: "ws",
    subtree: false,
    description: "Asterisk HTTP WebSocket",
    handle(_req: IncomingMessage, res: ServerResponse): void {
      // A plain GET: this URI only speaks WebSocket (RFC 6455 §4.2.2, 426 with the version).
      res.writeHead(426, { "Content-Type": "text/plain", Upgrade: "websocket", "Sec-WebSocket-Version": "13" });
      res.end("Upgrade to a WebSocket with the sip subprotocol (RFC 7118)\n");
    },
    async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
      const secure = (req.socket as Partial<TLSSocket>).encrypted === true;
      const address = normalizeAddress(req.socket.remoteAddress ?? "");
      const port = req.socket.remotePort ?? 0;
      const transport = o.transport(secure);
      if (transport === undefined) {
        o.log.notice({ peer: `${address}:${port}` }, `WebSocket connection from ${address}:${port} refused: no protocol=${secure ? "wss" : "ws"} transport in pjsip.conf for ${secure ? "HTTPS" : "HTTP"} connections`);
        refuseUpgrade(socket, 404, "Not Found");
        return;
      }
      const refusal = transport.admits(address);
      if (refusal === "too many unauthenticated") {
        // The transport logged it (once per address): RFC 6455 §4.2.2 lets a server answer the handshake with any HTTP status.
        refuseUpgrade(socket, 503, "Service Unavailable", { "Retry-After": "5" });
        return;
      }
      if (refusal !== undefined) {
        socket.destroy();
        return;
      }
      const offered = offeredSubprotocols(req);
      if (!offered.includes(SIP_SUBPROTOCOL)) {
        // RFC 7118 §4.1 has the client offer `sip`; a WebSocket for something else has no place here.
        const body = `No protocols out of '${offered.join(", ")}' are supported\n`;
        refuseUpgrade(socket, 400, "Bad Request", { "Content-Type": "text/plain" }, body);
        return;
      }
      const ws = await acceptWebSocket(req, socket, head, { subprotocol: SIP_SUBPROTOCOL, maxPayload: MAX_WEBSOCKET_SIP_MESSAGE });
      const handle = transport.adopt(peerOf(ws, o.closeGraceMs ?? CLOSE_GRACE_MS), address, port);
      ws.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => handle.receive(asBuffer(data)));
      ws.on("error", () => ws.terminate());
      const pinger = keepAlive(ws, o.pingIntervalMs ?? PING_INTERVAL_MS);
      ws.on("close", () => {
        if (pinger !== undefined) clearInterval(pinger);
        handle.closed();
        o.log.verbose(2, { transport: transport.id }, `WebSocket connection from '${address}:${port}' for protocol 'sip' closed`);
      });
      o.log.verbose(2, { transport: transport.id }, `WebSocket connection from '${address}:${port}' for protocol 'sip' accepted (transport '${transport.id}')`);
    },
  };
}

function peerOf(ws: WebSocket, closeGraceMs: number): WebSocketPeer {
  return {
    send: (data, text, done) => {
      if (ws.readyState !== ws.OPEN) {
        done(new Error("WebSocket is not open"));
        return;
      }
      ws.send(data, { binary: !text }, (err) => done(err ?? undefined));
    },
    close: (code, reason) => {
      ws.close(code, reason);
      // RFC 6455 §7.1.1: the server may close the TCP connection itself. A peer that ignores our
      // Close frame (one closed for never authenticating, say) keeps no sessionlimit place.
      const drop = setTimeout(() => ws.terminate(), closeGraceMs);
      drop.unref();
      ws.once("close", () => clearTimeout(drop));
    },
  };
}

function asBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Pings every `intervalMs`; a connection that did not pong since the last ping is ended. */
function keepAlive(ws: WebSocket, intervalMs: number): ReturnType<typeof setInterval> | undefined {
  if (intervalMs <= 0) return undefined;
  let answered = true;
  ws.on("pong", () => (answered = true));
  const timer = setInterval(() => {
    if (!answered) {
      ws.terminate();
      return;
    }
    answered = false;
    ws.ping();
  }, intervalMs);
  timer.unref();
  return timer;
}
