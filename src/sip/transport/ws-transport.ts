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
 *
 * Until a request over it has been authenticated (the layer above calls `vouch()`), a
 * connection is on probation: one address may hold at most `maxUnauthenticatedPerAddress` such
 * connections (more are refused before the handshake, 503), and one that has not carried an
 * authenticated request `unauthenticatedTimeoutMs` after it opened is closed (1008). The
 * WebSocket pings would otherwise keep an idle connection open for ever, and every open one
 * counts against http.conf's sessionlimit, which ARI and other phones share.
 */
import { systemClock, type Clock, type TimerHandle } from "../../core/clock.js";
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
  /** Connections one address may hold before any of them carried an authenticated request. */
  maxUnauthenticatedPerAddress?: number;
  /** ms a connection may stay open without an authenticated request; 0: no limit. */
  unauthenticatedTimeoutMs?: number;
  clock?: Clock;
}

interface Connection {
  id: string;
  peer: WebSocketPeer;
  remoteAddress: string;
  remotePort: number;
  /** Until an authenticated request came over it: the probation timer and the SIP messages seen. */
  probation?: { timer: TimerHandle | undefined; messages: number };
}

/** Why `admits()` refuses a connection before the handshake. */
export type WsRefusal = "banned" | "closed" | "too many unauthenticated";

export const DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS = 10;
export const DEFAULT_UNAUTHENTICATED_TIMEOUT_MS = 30_000;

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
  /** Connections on probation, per remote address. */
  private readonly unauthenticated = new Map<string, number>();
  /** Addresses whose refusal over the cap was logged; forgotten once they are under it again. */
  private readonly refusalLogged = new Set<string>();
  /** Connections refused over the cap, and closed for never authenticating. */
  private refusedOverCap = 0;
  private closedUnauthenticated = 0;

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

  private get cap(): number {
    return this.o.maxUnauthenticatedPerAddress ?? DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS;
  }

  /** The ban check and the per-address cap on unauthenticated connections, before the handshake: undefined admits. */
  admits(remoteAddress: string): WsRefusal | undefined {
    if (this.closed) return "closed";
    if (!this.o.delegate.allow(remoteAddress)) {
      this.dropped++;
      return "banned";
    }
    if ((this.unauthenticated.get(remoteAddress) ?? 0) >= this.cap) {
      this.refuseOverCap(remoteAddress);
      return "too many unauthenticated";
    }
    return undefined;
  }

  private refuseOverCap(remoteAddress: string): void {
    this.dropped++;
    this.refusedOverCap++;
    // Once per address while it stays at the cap: a flood of attempts is one line, not thousands.
    if (this.refusalLogged.has(remoteAddress)) return;
    this.refusalLogged.add(remoteAddress);
    this.o.log.notice(
      { transport: this.id, peer: remoteAddress, limit: this.cap },
      `${this.protocol.toUpperCase()} connection from ${remoteAddress} refused: it already has ${this.cap} connections that have not authenticated a SIP request; further ones are refused (not logged again) until one authenticates or closes`,
    );
  }

  /** Takes an open WebSocket (the `sip` subprotocol agreed) from the HTTP server. */
  adopt(peer: WebSocketPeer, remoteAddress: string, remotePort: number): WebSocketFlowHandle {
    const conn: Connection = { id: `${this.id}#${++this.seq}`, peer, remoteAddress, remotePort };
    this.connections.set(conn.id, conn);
    this.byPeer.set(formatHostPort(remoteAddress, remotePort), conn);
    const waiting = this.unauthenticated.get(remoteAddress) ?? 0;
    if (waiting >= this.cap) {
      // Handshakes that passed admits() together: the ones over the cap go now.
      this.refuseOverCap(remoteAddress);
      peer.close(POLICY_VIOLATION, "too many unauthenticated connections");
    }
    this.unauthenticated.set(remoteAddress, waiting + 1);
    const timeoutMs = this.o.unauthenticatedTimeoutMs ?? DEFAULT_UNAUTHENTICATED_TIMEOUT_MS;
    conn.probation = { timer: timeoutMs > 0 ? (this.o.clock ?? systemClock).setTimeout(() => this.expire(conn, timeoutMs), timeoutMs) : undefined, messages: 0 };
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

  /**
   * The layer above identified and authenticated the sender of a request that came over `flow`
   * (or trusts it without authentication): its connection is off probation.
   */
  vouch(flow: Flow): void {
    const conn = flow.connectionId !== undefined ? this.connections.get(flow.connectionId) : undefined;
    if (conn !== undefined) this.endProbation(conn);
  }

  private endProbation(conn: Connection): void {
    if (conn.probation === undefined) return;
    conn.probation.timer?.cancel();
    delete conn.probation;
    const n = (this.unauthenticated.get(conn.remoteAddress) ?? 1) - 1;
    if (n > 0) this.unauthenticated.set(conn.remoteAddress, n);
    else this.unauthenticated.delete(conn.remoteAddress);
    if (n < this.cap) this.refusalLogged.delete(conn.remoteAddress);
  }

  private expire(conn: Connection, timeoutMs: number): void {
    const p = conn.probation;
    if (p === undefined || !this.connections.has(conn.id)) return;
    this.closedUnauthenticated++;
    const sent = p.messages === 0 ? "it sent no SIP message" : `none of its ${p.messages} SIP message${p.messages === 1 ? "" : "s"} was an authenticated request`;
    this.o.log.notice(
      { transport: this.id, peer: formatHostPort(conn.remoteAddress, conn.remotePort) },
      `closing ${this.protocol.toUpperCase()} connection from ${formatHostPort(conn.remoteAddress, conn.remotePort)}: ${sent} within ${Math.round(timeoutMs / 1000)} s of connecting`,
    );
    conn.peer.close(POLICY_VIOLATION, "no authenticated SIP request");
  }

  private forget(conn: Connection): void {
    if (!this.connections.delete(conn.id)) return;
    this.endProbation(conn);
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
      if (conn.probation !== undefined) conn.probation.messages++;
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
    for (const c of [...this.connections.values()]) {
      c.probation?.timer?.cancel();
      c.peer.close(GOING_AWAY, "shutting down");
    }
    this.connections.clear();
    this.unauthenticated.clear();
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

  /** Connections still on probation, refused over the per-address cap, and closed for never authenticating. */
  get probation(): { open: number; refused: number; timedOut: number } {
    let open = 0;
    for (const n of this.unauthenticated.values()) open += n;
    return { open, refused: this.refusedOverCap, timedOut: this.closedUnauthenticated };
  }
}
