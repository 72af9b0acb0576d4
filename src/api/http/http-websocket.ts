/**
 * Completes a WebSocket handshake (RFC 6455 §4.2) on an upgrade a route accepted, with the `ws`
 * package; routes answer the upgrade themselves when they refuse it (401, 400 …).
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";

const handshakes = new WebSocketServer({ noServer: true, clientTracking: false });

export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket> {
  return new Promise((resolve) => handshakes.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
}

/** Refuses an upgrade with an HTTP response written on the raw socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, headers: Readonly<Record<string, string>> = {}, body = ""): void {
  const lines = [`HTTP/1.1 ${status} ${reason}`, "Connection: close", `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}
