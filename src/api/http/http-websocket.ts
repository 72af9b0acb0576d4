/**
 * Completes a WebSocket handshake (RFC 6455 §4.2) on an upgrade a route accepted, with the `ws`
 * package; routes answer the upgrade themselves when they refuse it (401, 400 …).
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";

const handshakes = new WebSocketServer({ noServer: true, clientTracking: false });
/** One handshake server per subprotocol, which answers with that subprotocol in Sec-WebSocket-Protocol. */
const bySubprotocol = new Map<string, WebSocketServer>();

export interface AcceptWebSocketOptions {
  /**
   * RFC 6455 §4.2.2: the subprotocol the server selects from the client's list; the route
   * checked the client offered it.
   */
  subprotocol?: string;
  /** Largest message accepted (bytes); a larger one closes the connection with 1009. */
  maxPayload?: number;
}

export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, options: AcceptWebSocketOptions = {}): Promise<WebSocket> {
  let server = handshakes;
  const sub = options.subprotocol;
  if (sub !== undefined) {
    const key = `${sub}/${options.maxPayload ?? ""}`;
    server = bySubprotocol.get(key) ?? new WebSocketServer({ noServer: true, clientTracking: false, handleProtocols: (offered) => (offered.has(sub) ? sub : false), ...(options.maxPayload === undefined ? {} : { maxPayload: options.maxPayload }) });
    bySubprotocol.set(key, server);
  }
  return new Promise((resolve) => server.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
}

/** The subprotocols a client offered (`Sec-WebSocket-Protocol: sip, other`). */
export function offeredSubprotocols(req: IncomingMessage): string[] {
  const raw = req.headers["sec-websocket-protocol"];
  const text = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
  return text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/** Refuses an upgrade with an HTTP response written on the raw socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, headers: Readonly<Record<string, string>> = {}, body = ""): void {
  const lines = [`HTTP/1.1 ${status} ${reason}`, "Connection: close", `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}
