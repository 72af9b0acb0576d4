/**
 * The HTTP server module (http.conf): one listener that other modules add URIs to — ARI, SIP
 * over WebSocket (`/ws`), later AMI over HTTP — through `routes`, which removes a module's
 * routes when it stops (register through `ctx.adopt` or hand the unregister to `ctx.defer`).
 * With `tlsenable` a second listener serves HTTPS on `tlsbindaddr` with the same routes.
 * Registers `http show status`. On reload a new address, port or enabled switch re-listens (a
 * changed TLS setting rebuilds the HTTPS listener); the other settings apply to the running ones.
 *
 *   const unregister = http.routes.register({ uri: "ari", subtree: true, description, handle, upgrade });
 */
import type { Logger } from "../../core/logger.js";
import type { Registrar } from "../../core/module.js";
import type { HttpGeneral } from "../../config/index.js";
import { packageVersion } from "../../cli/version.js";
import type { PbxModuleContext, SwitchboardModule } from "../../pbx/module-context.js";
import { httpShowStatus } from "./http-commands.js";
import { HttpRouteTable, type HttpRoute } from "./http-routes.js";
import { HttpServer, normalizePrefix, SessionCount, type HttpServerSettings } from "./http-server.js";
import { readFileSync } from "node:fs";

function settingsOf(g: HttpGeneral): HttpServerSettings {
  return {
    host: g.bindaddr,
    port: g.bindport,
    prefix: normalizePrefix(g.prefix),
    serverName: g.servername === "" ? `Switchboard/${packageVersion()}` : g.servername,
    sessionLimit: g.sessionlimit,
    inactivityMs: g.sessionInactivity,
    keepAliveMs: g.sessionKeepAlive,
  };
}

function listens(g: HttpGeneral): boolean {
  return g.enabled && g.bindaddr !== "";
}

/** `tlsbindaddr`: `0.0.0.0:8089`, `[::]:8089`, or an address alone (port 8089, as in Asterisk). */
export function parseTlsBind(text: string): { host: string; port: number } | undefined {
  const t = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6?.[1] !== undefined) return { host: v6[1], port: v6[2] === undefined ? 8089 : Number(v6[2]) };
  const m = /^([^:]+)(?::(\d+))?$/.exec(t);
  if (m?.[1] === undefined) return t.includes(":") && !t.includes(".") ? { host: t, port: 8089 } : undefined;
  const port = m[2] === undefined ? 8089 : Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1], port } : undefined;
}

/** What decides whether the HTTPS listener must be rebuilt. */
function tlsKey(g: HttpGeneral): string {
  return JSON.stringify([g.enabled, g.tlsenable, g.tlsbindaddr, g.tlscertfile, g.tlsprivatekey, g.tlscipher]);
}

export class HttpModule implements SwitchboardModule {
  readonly name = "http";
  readonly description = "Asterisk HTTP server (http.conf)";
  readonly configFiles = [{ file: "http.conf" }];
  private readonly table = new HttpRouteTable();
  private server: HttpServer | undefined;
  private tlsServer: HttpServer | undefined;
  private readonly count = new SessionCount();
  private log: Logger | undefined;
  private current: HttpGeneral | undefined;

  /** Where modules add their URIs; each register returns its unregister. */
  get routes(): Registrar<HttpRoute> {
    return this.table;
  }

  /** The running listener's settings (prefix, Server name), also when it does not listen. */
  settings(): HttpServerSettings | undefined {
    return this.current === undefined ? undefined : settingsOf(this.current);
  }

  /** Where it listens, or undefined. */
  address(): { address: string; port: number } | undefined {
    return this.server?.address;
  }

  /** Where the HTTPS listener listens, or undefined. */
  tlsAddress(): { address: string; port: number } | undefined {
    return this.tlsServer?.address;
  }

  async start(ctx: PbxModuleContext): Promise<void> {
    this.log = ctx.log.child({ category: "api.http" });
    await this.apply(ctx.config().http.general);
    ctx.commands.register(
      httpShowStatus({
        prefix: () => this.settings()?.prefix ?? "",
        serverName: () => this.settings()?.serverName ?? "",
        bound: () => hostPort(this.address()),
        tlsBound: () => hostPort(this.tlsAddress()),
        uris: () => this.table.list(),
      }),
    );
  }

  async reload(ctx: PbxModuleContext): Promise<void> {
    await this.apply(ctx.config().http.general);
  }

  async stop(): Promise<void> {
    await this.server?.close();
    await this.tlsServer?.close();
    this.server = undefined;
    this.tlsServer = undefined;
  }

  private async apply(g: HttpGeneral): Promise<void> {
    const log = this.log;
    const before = this.current;
    this.current = g;
    const s = settingsOf(g);
    const rebind = before === undefined || listens(before) !== listens(g) || before.bindaddr !== g.bindaddr || before.bindport !== g.bindport;
    await this.applyTls(before, g, s);
    if (!rebind) {
      this.server?.update(s);
      return;
    }
    await this.server?.close();
    this.server = undefined;
    if (!listens(g) || log === undefined) return;
    const server = new HttpServer(s, this.table, log, this.count);
    try {
      await server.listen();
    } catch (err) {
      // Asterisk logs the bind failure and runs on without its HTTP server.
      log.error({ err: (err as Error).message }, `HTTP server could not listen on ${g.bindaddr}:${g.bindport}: ${(err as Error).message}`);
      return;
    }
    this.server = server;
    log.notice({}, `HTTP server listening on ${g.bindaddr}:${g.bindport}${s.prefix === "" ? "" : ` (prefix ${s.prefix})`}`);
  }

  /** The HTTPS listener (tlsenable): rebuilt when its settings change, else updated. */
  private async applyTls(before: HttpGeneral | undefined, g: HttpGeneral, s: HttpServerSettings): Promise<void> {
    const log = this.log;
    if (before !== undefined && tlsKey(before) === tlsKey(g)) {
      const t = this.tlsServer?.settings;
      if (t !== undefined) this.tlsServer?.update({ ...s, host: t.host, port: t.port, ...(t.tls === undefined ? {} : { tls: t.tls }) });
      return;
    }
    await this.tlsServer?.close();
    this.tlsServer = undefined;
    if (!g.enabled || !g.tlsenable || log === undefined) return;
    const bind = parseTlsBind(g.tlsbindaddr);
    if (bind === undefined) {
      log.error({}, `http.conf: tlsbindaddr=${g.tlsbindaddr} is not an address[:port]; HTTPS is not served`);
      return;
    }
    let tls: { cert: Buffer; key: Buffer; ciphers?: string };
    try {
      const cert = readFileSync(g.tlscertfile);
      // As in Asterisk, the key may be in the certificate file when tlsprivatekey is not set.
      const key = g.tlsprivatekey === "" ? cert : readFileSync(g.tlsprivatekey);
      tls = { cert, key, ...(g.tlscipher === "" ? {} : { ciphers: g.tlscipher }) };
    } catch (err) {
      log.error({ err: (err as Error).message }, `HTTPS not served: cannot read tlscertfile/tlsprivatekey (${(err as Error).message}); set them to PEM files (switchboard cert writes a pair)`);
      return;
    }
    const server = new HttpServer({ ...s, host: bind.host, port: bind.port, tls }, this.table, log, this.count);
    try {
      await server.listen();
    } catch (err) {
      log.error({ err: (err as Error).message }, `HTTPS server could not listen on ${g.tlsbindaddr}: ${(err as Error).message}`);
      return;
    }
    this.tlsServer = server;
    log.notice({}, `HTTPS server listening on ${bind.host}:${bind.port}`);
  }
}

function hostPort(a: { address: string; port: number } | undefined): string | undefined {
  return a === undefined ? undefined : `${a.address.includes(":") ? `[${a.address}]` : a.address}:${a.port}`;
}
