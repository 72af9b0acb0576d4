/**
 * The HTTP listener (Asterisk's main/http.c): one node:http server that hands each request and
 * each WebSocket upgrade to the route owning its URI (http-routes.ts), below http.conf's
 * `prefix`. It enforces `sessionlimit` (connections at once), `session_inactivity` (time to
 * send a whole request) and `session_keep_alive` (idle time between requests), and puts the
 * `servername` in every response's Server header. With a certificate it is the HTTPS listener
 * (`tlsenable`); both listeners share one route table and one session count.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "../../core/logger.js";
import type { HttpRouteTable } from "./http-routes.js";

export interface HttpServerSettings {
  readonly host: string;
  readonly port: number;
  /** `/asterisk`, or `` without a prefix. */
  readonly prefix: string;
  /** The Server header; empty sends none. */
  readonly serverName: string;
  readonly sessionLimit: number;
  /** ms; 0: no limit. */
  readonly inactivityMs: number;
  /** ms; 0: connections are not kept open after a response. */
  readonly keepAliveMs: number;
  /** HTTPS: the PEM certificate and key (and an OpenSSL cipher list); plain HTTP without. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ciphers?: string };
}

/** Connections open across the listeners (`sessionlimit` counts HTTP and HTTPS together). */
export class SessionCount {
  readonly sockets = new Set<Socket>();
}

/** `prefix=asterisk` (or `/asterisk/`) as the path segment `/asterisk`. */
export function normalizePrefix(prefix: string): string {
  const p = prefix.trim().replace(/^\/+|\/+$/g, "");
  return p === "" ? "" : `/${p}`;
}

const NOT_FOUND_PAGE = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n<title>404 Not Found</title>\r\n</head><body>\r\n<h1>Not Found</h1>\r\n<p>The requested URL was not found on this server.</p>\r\n</body></html>\r\n";

export class HttpServer {
  private server: Server | undefined;
  private readonly mine = new Set<Socket>();
  private boundTo: { address: string; port: number } | undefined;
  private settingsValue: HttpServerSettings;

  constructor(
    settings: HttpServerSettings,
    private readonly routes: HttpRouteTable,
    private readonly log: Logger,
    private readonly count: SessionCount = new SessionCount(),
  ) {
    this.settingsValue = settings;
  }

  get settings(): HttpServerSettings {
    return this.settingsValue;
  }

  /** Where it listens, once it does. */
  get address(): { address: string; port: number } | undefined {
    return this.boundTo;
  }

  /** Connections open on this listener. */
  get sessions(): number {
    return this.mine.size;
  }

  async listen(): Promise<void> {
    const s = this.settingsValue;
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.onRequest(req, res);
    const server: Server = s.tls === undefined ? createServer(handler) : createHttpsServer({ cert: s.tls.cert, key: s.tls.key, ...(s.tls.ciphers ? { ciphers: s.tls.ciphers } : {}) }, handler);
    server.requestTimeout = s.inactivityMs;
    server.headersTimeout = s.inactivityMs;
    server.keepAliveTimeout = s.keepAliveMs;
    server.on("connection", (socket: Socket) => {
      if (this.count.sockets.size >= this.settingsValue.sessionLimit) {
        // Asterisk closes a session over the limit at once, before reading anything.
        socket.destroy();
        return;
      }
      this.count.sockets.add(socket);
      this.mine.add(socket);
      socket.on("close", () => {
        this.count.sockets.delete(socket);
        this.mine.delete(socket);
      });
    });
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    server.on("clientError", (_err, socket: Duplex) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(s.port, s.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => this.log.error({ err: err.message }, "HTTP server error"));
    const a = server.address();
    this.boundTo = a !== null && typeof a === "object" ? { address: a.address, port: a.port } : { address: s.host, port: s.port };
    this.server = server;
  }

  /** Applies new limits and names; a new address or port needs close() and listen(). */
  update(settings: HttpServerSettings): void {
    this.settingsValue = settings;
    if (this.server !== undefined) {
      this.server.requestTimeout = settings.inactivityMs;
      this.server.headersTimeout = settings.inactivityMs;
      this.server.keepAliveTimeout = settings.keepAliveMs;
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.boundTo = undefined;
    if (server === undefined) return;
    for (const s of this.mine) {
      s.destroy();
      this.count.sockets.delete(s);
    }
    this.mine.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The route and the path below it, or undefined outside the prefix or without a route. */
  private match(rawUrl: string | undefined): { route: ReturnType<HttpRouteTable["find"]>; query: URLSearchParams } | undefined {
    const url = new URL(rawUrl ?? "/", "http://localhost");
    const prefix = this.settingsValue.prefix;
    let path = url.pathname;
    if (prefix !== "") {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) return undefined;
      path = path.slice(prefix.length);
    }
    return { route: this.routes.find(path), query: url.searchParams };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.settingsValue.serverName !== "") res.setHeader("Server", this.settingsValue.serverName);
    const m = this.match(req.url);
    if (m?.route === undefined) {
      res.writeHead(404, { "Content-Type": "text/html", "Content-Length": Buffer.byteLength(NOT_FOUND_PAGE) });
      res.end(NOT_FOUND_PAGE);
      return;
    }
    const { route, path } = m.route;
    Promise.resolve()
      .then(() => route.handle(req, res, path, m.query))
      .catch((err: unknown) => {
        this.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err), uri: route.uri }, "HTTP handler failed");
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
        res.end();
      });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const m = this.match(req.url);
    if (m?.route?.route.upgrade === undefined) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const { route, path } = m.route;
    Promise.resolve()
      .then(() => route.upgrade?.(req, socket, head, path, m.query))
      .catch((err: unknown) => {
        this.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err), uri: route.uri }, "HTTP upgrade handler failed");
        socket.destroy();
      });
  }
}
