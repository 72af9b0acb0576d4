/**
 * SIP over TCP (RFC 3261 §18.3) and over TLS (§26.3.1, the same stream with TLS underneath, see
 * tls-transport.ts): messages framed by Content-Length, connections reused in both directions (a
 * response goes back on the connection the request came in on, and requests to a peer reuse its
 * open connection), idle connections closed after a timeout.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { TransportError } from "../../core/errors.js";
import { StreamFramer } from "../parser/index.js";
import type { Flow, SendErrorHandler, Transport, TransportDump } from "./types.js";
import { BaseTransport, type BaseTransportOptions } from "./base-transport.js";
import { formatHostPort } from "./types.js";

export interface TcpTransportOptions extends BaseTransportOptions {
  /** Close a connection with no traffic for this long (ms). */
  idleTimeoutMs?: number;
  /** Upper bound on simultaneous connections. */
  maxConnections?: number;
}

interface Connection {
  id: string;
  socket: Socket;
  framer: StreamFramer;
  remoteAddress: string;
  remotePort: number;
}

const DEFAULT_IDLE_MS = 10 * 60_000;

export class TcpTransport extends BaseTransport implements Transport {
  readonly protocol: "tcp" | "tls" = "tcp";
  readonly reliable = true;
  private server: Server | undefined;
  private readonly connections = new Map<string, Connection>();
  /** Latest connection per peer `addr:port`, for connection reuse when sending requests. */
  private readonly byPeer = new Map<string, Connection>();
  private seq = 0;

  constructor(protected readonly opts: TcpTransportOptions) {
    super(opts);
  }

  /** The listening server; TLS replaces it with a tls.Server that hands over secured sockets. */
  protected createListener(onSocket: (socket: Socket) => void): Server {
    return createServer({ noDelay: true }, onSocket);
  }

  /** An outbound connection; resolves once it can carry SIP (for TLS: after the handshake). */
  protected connectTo(remoteAddress: string, remotePort: number): Promise<Socket> {
    return whenReady(connect({ host: remoteAddress, port: remotePort, noDelay: true, timeout: 5000 }), "connect");
  }

  listen(): Promise<void> {
    const server = this.createListener((socket) => this.onAccept(socket));
    server.maxConnections = this.opts.maxConnections ?? 10_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(this.bindError(err));
      server.once("error", onError);
      server.listen({ port: this.opts.port, host: this.opts.address, ipv6Only: this.family === 6 }, () => {
        server.off("error", onError);
        server.on("error", (err) => this.opts.log.warn({ transport: this.id, err: err.message }, `${this.protocol.toUpperCase()} server error`));
        const a = server.address();
        if (a && typeof a === "object") this.bound = { address: a.address, port: a.port };
        resolve();
      });
    });
  }

  private onAccept(socket: Socket): void {
    const address = normalizeAddress(socket.remoteAddress ?? "");
    if (!this.opts.delegate.allow(address)) {
      this.dropped++;
      socket.destroy();
      return;
    }
    this.adopt(socket, address, socket.remotePort ?? 0);
  }

  private adopt(socket: Socket, remoteAddress: string, remotePort: number): Connection {
    const conn: Connection = {
      id: `${this.id}#${++this.seq}`,
      socket,
      framer: new StreamFramer(),
      remoteAddress,
      remotePort,
    };
    this.connections.set(conn.id, conn);
    this.byPeer.set(formatHostPort(remoteAddress, remotePort), conn);
    socket.setTimeout(this.opts.idleTimeoutMs ?? DEFAULT_IDLE_MS);
    socket.on("timeout", () => socket.destroy());
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.forget(conn));
    socket.on("data", (chunk: Buffer) => this.onData(conn, chunk));
    return conn;
  }

  private forget(conn: Connection): void {
    this.connections.delete(conn.id);
    const key = formatHostPort(conn.remoteAddress, conn.remotePort);
    if (this.byPeer.get(key) === conn) this.byPeer.delete(key);
  }

  private onData(conn: Connection, chunk: Buffer): void {
    if (!this.opts.delegate.allow(conn.remoteAddress)) {
      // The peer was banned while connected.
      this.dropped++;
      conn.socket.destroy();
      return;
    }
    for (const out of conn.framer.push(chunk)) {
      if ("message" in out) {
        this.received++;
        const flow: Flow = { transport: this, remoteAddress: conn.remoteAddress, remotePort: conn.remotePort, connectionId: conn.id };
        this.opts.delegate.onMessage(out.message, flow);
      } else if ("keepalive" in out) {
        // RFC 5626 §4.4.1: a double-CRLF ping is answered with a single CRLF pong.
        conn.socket.write("\r\n");
      } else {
        this.opts.log.notice(
          { transport: this.id, peer: formatHostPort(conn.remoteAddress, conn.remotePort), reason: out.error },
          `closing ${this.protocol.toUpperCase()} connection: unframeable SIP stream`,
        );
        this.dropped++;
        conn.socket.destroy();
        return;
      }
    }
  }

  send(data: Buffer, remoteAddress: string, remotePort: number, connectionId?: string, onError?: SendErrorHandler): void {
    const report = (err: unknown): void => {
      if (onError) onError(err instanceof Error ? err : new TransportError(String(err)));
      else this.opts.log.debug({ transport: this.id, peer: formatHostPort(remoteAddress, remotePort), err: String(err) }, "TCP send failed");
    };
    if (this.closed) {
      queueMicrotask(() => report(new TransportError(`transport ${this.id} is closed`)));
      return;
    }
    const conn = (connectionId ? this.connections.get(connectionId) : undefined) ?? this.byPeer.get(formatHostPort(remoteAddress, remotePort));
    if (conn) {
      this.write(conn, data, remoteAddress, remotePort, report);
      return;
    }
    this.open(remoteAddress, remotePort).then((c) => this.write(c, data, remoteAddress, remotePort, report), report);
  }

  private write(conn: Connection, data: Buffer, remoteAddress: string, remotePort: number, report: (err: unknown) => void): void {
    this.sent++;
    conn.socket.write(data, (err) => {
      if (err) report(new TransportError(`${this.protocol.toUpperCase()} send to ${formatHostPort(remoteAddress, remotePort)} failed: ${err.message}`, { cause: err }));
    });
  }

  private open(remoteAddress: string, remotePort: number): Promise<Connection> {
    return this.connectTo(remoteAddress, remotePort).then(
      (socket) => this.adopt(socket, remoteAddress, remotePort),
      (err: Error) => {
        throw new TransportError(`${this.protocol.toUpperCase()} connect to ${formatHostPort(remoteAddress, remotePort)} failed: ${err.message}`, { cause: err });
      },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections.values()) c.socket.destroy();
    this.connections.clear();
    this.byPeer.clear();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  protected override extraDump(): Partial<TransportDump> {
    return { connections: this.connections.size };
  }
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, so IPv4 peers look the same on dual-stack sockets. */
export function normalizeAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/**
 * Resolves with `socket` once it emits `ready` (`connect`, or `secureConnect` for TLS); an error
 * or the socket's timeout first destroys it and rejects. The connect timeout is then cleared.
 */
export function whenReady<S extends Socket>(socket: S, ready: "connect" | "secureConnect"): Promise<S> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once("error", fail);
    socket.once("timeout", () => fail(new Error("timed out")));
    socket.once(ready, () => {
      socket.off("error", fail);
      socket.setTimeout(0);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
