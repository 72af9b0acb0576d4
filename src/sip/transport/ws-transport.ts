/**
 * SIP over WebSocket (RFC 7118): `protocol=ws` and `protocol=wss` transports. They own no
 * listening socket: as in Asterisk, the HTTP server (http.conf) accepts the WebSocket handshake
 * at `/ws` with the `sip` subprotocol and hands the open connection down here with
 * `adopt()` — plain HTTP connections to the `ws` transport, HTTPS ones to `wss`. From then on
 * each WebSocket message is one SIP message (ws-framing.ts).
 *
 * A WebSocket client cannot be connected to: it has no listening address (its Contact and Via
 * name a made-up `*.invalid` host, RFC 7118 §5.2). Everything sent to it — responses, and
 * requests to the contact it registered — goes back over the connection it opened, found by
 * the flow (the connection id, else the peer's address and port, the source the registrar
 * stored). When the connection closes the delegate hears `onConnectionClosed` with its flow,
 * so the registrar can drop the contacts that can no longer be reached.
 */
import { TransportError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { BaseTransport } from "./base-transport.js";
import type { Flow, SendErrorHandler, Transport, TransportDelegate, TransportDump } from "./types.js";
import { formatHostPort } from "./types.js";
import { readWebSocketFrame, sendsAsText } from "./ws-framing.js";

/** The open WebSocket as the transport needs it; the HTTP layer adapts its socket to this. */
export interface WebSocketPeer {
  /** Sends one WebSocket message, as a text or a binary frame; `done` gets the write's error. */
  send(data: Buffer, text: boolean, done: (err?: Error) => void): void;
  /** Closes the connection (RFC 6455 close code and reason). */
  close(code: number, reason: string): void;
}

/** What the HTTP layer tells the transport about an adopted connection. */
export interface WebSocketFlowHandle {
  /** One WebSocket message arrived (text or binary, as bytes). */
  receive(data: Buffer): void;
  /** The connection is gone (closed by either side, or failed). */
  closed(): void;
}

export interface WsTransportOptions {
  id: string;
  protocol: "ws" | "wss";
  /** The transport section's `bind`: shown by `pjsip show transports`; the HTTP server's bind is what listens. */
  bind: { host: string; port: number };
  delegate: TransportDelegate;
  log: Logger;
}

interface Connection {
  id: string;
  peer: WebSocketPeer;
  remoteAddress: string;
  remotePort: number;
}

/** RFC 6455 §7.4.1 close codes we use. */
const GOING_AWAY = 1001;
const POLICY_VIOLATION = 1008;
const MESSAGE_TOO_BIG = 1009;

export class WsTransport extends BaseTransport implements Transport {
  readonly protocol: "ws" | "wss";
  readonly reliable = true;
  private readonly connections = new Map<string, Connection>();
  /** Latest connection per peer `addr:port`: requests to a registered contact find it by its source. */
  private readonly byPeer = new Map<string, Connection>();
  private seq = 0;
  /** Where the HTTP listener serving this transport is bound, once it is (Via and Contact name it). */
  private served: { address: string; port: number } | undefined;

  constructor(private readonly o: WsTransportOptions) {
    super({ id: o.id, address: o.bind.host, port: o.bind.port, delegate: o.delegate, log: o.log });
    this.protocol = o.protocol;
  }

  override get localAddress(): string {
    return this.served?.address ?? this.o.bind.host;
  }

  override get localPort(): number {
    return this.served?.port ?? this.o.bind.port;
  }

  /** Nothing to bind: the HTTP server listens. */
  listen(): Promise<void> {
    return Promise.resolve();
  }

  /** The HTTP (for ws) or HTTPS (for wss) listener that hands connections to this transport, or none. */
  servedBy(address: { address: string; port: number } | undefined): void {
    this.served = address;
  }

  /** The ban check, before the handshake is completed. */
  admits(remoteAddress: string): boolean {
    if (this.closed) return false;
    if (this.o.delegate.allow(remoteAddress)) return true;
    this.dropped++;
    return false;
  }

  /** Takes an open WebSocket (the `sip` subprotocol agreed) from the HTTP server. */
  adopt(peer: WebSocketPeer, remoteAddress: string, remotePort: number): WebSocketFlowHandle {
    const conn: Connection = { id: `${this.id}#${++this.seq}`, peer, remoteAddress, remotePort };
    this.connections.set(conn.id, conn);
    this.byPeer.set(formatHostPort(remoteAddress, remotePort), conn);
    let gone = false;
    return {
      receive: (data) => {
        if (!gone) this.onFrame(conn, data);
      },
      closed: () => {
        if (gone) return;
        gone = true;
        this.forget(conn);
      },
    };
  }

  private forget(conn: Connection): void {
    if (!this.connections.delete(conn.id)) return;
    const key = formatHostPort(conn.remoteAddress, conn.remotePort);
    if (this.byPeer.get(key) === conn) this.byPeer.delete(key);
    this.o.delegate.onConnectionClosed?.(this.flowOf(conn));
  }

  private flowOf(conn: Connection): Flow {
    return { transport: this, remoteAddress: conn.remoteAddress, remotePort: conn.remotePort, connectionId: conn.id };
  }

  private onFrame(conn: Connection, data: Buffer): void {
    if (!this.o.delegate.allow(conn.remoteAddress)) {
      // The peer was banned while connected.
      this.dropped++;
      conn.peer.close(POLICY_VIOLATION, "banned");
      return;
    }
    const content = readWebSocketFrame(data);
    if ("message" in content) {
      this.received++;
      this.o.delegate.onMessage(content.message, this.flowOf(conn));
    } else if ("keepalive" in content) {
      // RFC 5626 §4.4.1: a double-CRLF ping is answered with a single CRLF pong.
      conn.peer.send(Buffer.from("\r\n"), true, () => {});
    } else {
      this.dropped++;
      this.o.log.notice({ transport: this.id, peer: formatHostPort(conn.remoteAddress, conn.remotePort), reason: content.error }, `closing ${this.protocol.toUpperCase()} connection: ${content.error}`);
      conn.peer.close(MESSAGE_TOO_BIG, "not a SIP message");
    }
  }

  send(data: Buffer, remoteAddress: string, remotePort: number, connectionId?: string, onError?: SendErrorHandler): void {
    const report = (err: Error): void => {
      if (onError) onError(err);
      else this.o.log.debug({ transport: this.id, peer: formatHostPort(remoteAddress, remotePort), err: err.message }, `${this.protocol.toUpperCase()} send failed`);
    };
    const conn = this.closed ? undefined : ((connectionId ? this.connections.get(connectionId) : undefined) ?? this.byPeer.get(formatHostPort(remoteAddress, remotePort)));
    if (conn === undefined) {
      const why = this.closed
        ? `transport ${this.id} is closed`
        : `no ${this.protocol.toUpperCase()} connection from ${formatHostPort(remoteAddress, remotePort)} (a WebSocket peer is reached only over the connection it opened)`;
      queueMicrotask(() => report(new TransportError(why)));
      return;
    }
    this.sent++;
    conn.peer.send(data, sendsAsText(data), (err) => {
      if (err) report(new TransportError(`${this.protocol.toUpperCase()} send to ${formatHostPort(remoteAddress, remotePort)} failed: ${err.message}`, { cause: err }));
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const c of [...this.connections.values()]) c.peer.close(GOING_AWAY, "shutting down");
    this.connections.clear();
    this.byPeer.clear();
    return Promise.resolve();
  }

  /** `pjsip show transports` shows the configured bind, as Asterisk does for WebSocket transports. */
  override dump(): TransportDump {
    return { ...super.dump(), bind: formatHostPort(this.o.bind.host, this.o.bind.port), connections: this.connections.size };
  }

  /** Open connections, for tests and `dump`. */
  get connectionCount(): number {
    return this.connections.size;
  }
}
