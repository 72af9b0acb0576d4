/**
 * The AMI listeners (TCP `bindaddr:port`, TLS `tlsbindaddr` when `tlsenable`) and the sessions
 * on them. A connection from a banned address is closed before the banner; more than `authlimit`
 * sessions that have not logged in are refused, as Asterisk refuses them. Events are formatted
 * once (`Event`, `Privilege`, optional `Timestamp`, the fields) and written to every session
 * whose user and event mask take their class.
 */
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { readFileSync } from "node:fs";
import type { Logger } from "../../core/logger.js";
import type { ManagerClass, ManagerConfig } from "../../config/index.js";
import type { AmiActionRegistry } from "./ami-action.js";
import { privilegeText } from "./ami-classes.js";
import { formatMessage, type AmiValue } from "./ami-message.js";
import { AmiSession, normalizeAddress } from "./ami-session.js";

export interface AmiServerOptions {
  config: () => ManagerConfig;
  actions: AmiActionRegistry;
  log: Logger;
  isBanned(ip: string): boolean;
  /**
   * Told true when the first session logs in and false when the last logged-in one closes: the
   * module listens to the bus only while someone can read events, so with nobody logged in the
   * call path builds no event payloads for AMI.
   */
  onActive?(active: boolean): void;
}

/** Where one listener is bound, for `manager show settings` and the start-up line. */
export interface AmiListener {
  readonly kind: "TCP" | "TLS";
  readonly address: string;
  readonly port: number;
}

export class AmiServer {
  readonly sessions = new Set<AmiSession>();
  private readonly servers: Server[] = [];
  private nextId = 1;
  readonly listeners: AmiListener[] = [];

  constructor(private readonly o: AmiServerOptions) {}

  async listen(): Promise<void> {
    const g = this.o.config().general;
    const tcp = createServer((socket) => this.accept(socket, false));
    await bind(tcp, g.bindaddr, g.port);
    this.track(tcp, "TCP");
    if (g.tlsenable) {
      const [host, portText] = splitHostPort(g.tlsbindaddr, 5039);
      const cert = readFileSync(g.tlscertfile);
      const key = g.tlsprivatekey.length > 0 ? readFileSync(g.tlsprivatekey) : cert;
      const tls = createTlsServer({ cert, key, ...(g.tlscipher.length > 0 ? { ciphers: g.tlscipher } : {}) }, (socket) => this.accept(socket, true));
      tls.on("tlsClientError", () => {});
      await bind(tls, host, portText);
      this.track(tls, "TLS");
    }
  }

  private track(server: Server, kind: "TCP" | "TLS"): void {
    this.servers.push(server);
    const a = server.address();
    if (a !== null && typeof a === "object") this.listeners.push({ kind, address: a.address, port: a.port });
  }

  private accept(socket: Socket, tls: boolean): void {
    const ip = normalizeAddress(socket.remoteAddress ?? "");
    if (this.o.isBanned(ip)) {
      socket.destroy();
      return;
    }
    const g = this.o.config().general;
    const unauthenticated = [...this.sessions].filter((s) => !s.authenticated).length;
    if (unauthenticated >= g.authlimit) {
      this.o.log.notice({ peer: ip }, `Manager connection from ${ip} refused: ${unauthenticated} sessions have not logged in yet (authlimit = ${g.authlimit})`);
      socket.destroy();
      return;
    }
    const session = new AmiSession({
      socket,
      id: this.nextId++,
      actions: this.o.actions,
      log: this.o.log,
      authTimeoutMs: g.authtimeout * 1000,
      tls,
      onLogin: () => {
        if (this.loggedIn() === 1) this.o.onActive?.(true);
      },
      onClose: (s) => this.closed(s),
    });
    this.sessions.add(session);
  }

  private closed(s: AmiSession): void {
    this.sessions.delete(s);
    if (s.user !== undefined && this.loggedIn() === 0) this.o.onActive?.(false);
    const g = this.o.config().general;
    if (s.user !== undefined && g.displayconnects && s.user.displayConnects) {
      this.o.log.verbose(2, {}, `Manager '${s.user.name}' logged off from ${s.remoteAddress}`);
    }
  }

  /** Logged-in sessions. */
  loggedIn(): number {
    let n = 0;
    for (const s of this.sessions) if (s.authenticated) n++;
    return n;
  }

  /** Logged-in sessions of `user`. */
  loggedInAs(user: string): number {
    let n = 0;
    for (const s of this.sessions) if (s.user?.name === user) n++;
    return n;
  }

  /** Writes one event to every session that takes its class. */
  publish(name: string, cls: ManagerClass, fields: Iterable<readonly [string, AmiValue]>): void {
    if (this.sessions.size === 0) return;
    let text: string | undefined;
    for (const s of this.sessions) {
      if (!s.authenticated) continue;
      text ??= this.format(name, cls, fields);
      if (s.wants(cls, text)) s.deliver(text);
    }
  }

  private format(name: string, cls: ManagerClass, fields: Iterable<readonly [string, AmiValue]>): string {
    const head: Array<readonly [string, AmiValue]> = [["Event", name], ["Privilege", privilegeText(cls)]];
    if (this.o.config().general.timestampevents) {
      const now = Date.now();
      head.push(["Timestamp", `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, "0")}`]);
    }
    return formatMessage([...head, ...fields]);
  }

  /** Disconnects the sessions of users that are gone or changed after a reload. */
  dropStaleUsers(): void {
    const users = this.o.config().users;
    for (const s of [...this.sessions]) {
      if (s.user !== undefined && users.get(s.user.name) !== s.user) {
        const now = users.get(s.user.name);
        if (now === undefined || now.secret !== s.user.secret) s.close();
        else s.user = now;
      }
    }
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions]) s.close();
    await Promise.all(this.servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
    this.servers.length = 0;
    this.listeners.length = 0;
  }
}

function bind(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** `0.0.0.0:5039`, `[::1]:5039`, `127.0.0.1` (port defaulted). */
export function splitHostPort(text: string, defaultPort: number): [string, number] {
  const t = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) return [v6[1] ?? "::", v6[2] !== undefined ? Number(v6[2]) : defaultPort];
  const i = t.lastIndexOf(":");
  if (i > 0 && t.indexOf(":") === i) return [t.slice(0, i), Number(t.slice(i + 1)) || defaultPort];
  return [t.length > 0 ? t : "0.0.0.0", defaultPort];
}
