/**
 * The control socket: a unix domain socket in the data directory through which `switchboard -r`
 * and `-rx` reach a running PBX, like Asterisk's `asterisk.ctl`. Frames are described in
 * protocol.ts. Each connected console is a session; requests from one session run one after
 * another so a piped script sees its outputs in order, while sessions run independently.
 *
 * Log lines reach only sessions that sent `subscribe-log` (interactive consoles), each showing
 * verbose lines up to its own verbosity (`-rvvv`, then `core set verbose` on that console); `-rx`
 * clients never subscribe, so their output is exactly the command's output.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { chmodSync, linkSync, lstatSync, mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { PbxError } from "../core/errors.js";
import type { CliConsole } from "../core/commands.js";
import type { Logger } from "../core/logger.js";
import type { LogConsole, LogRouter } from "../core/log/log-router.js";
import { LEVEL_BIT, type AsteriskLevel } from "../core/log/levels.js";
import type { CommandRegistry } from "./registry.js";
import { LineSplitter, MAX_CLIENT_FRAME, parseClientFrame, type ServerFrame } from "./protocol.js";

export interface ControlServerOptions {
  socketPath: string;
  registry: CommandRegistry;
  /** Log lines for interactive consoles, each at its own verbosity. */
  logs: LogRouter;
  log: Logger;
  /** Most consoles at once (Asterisk's AST_MAX_CONNECTS is 128). */
  maxClients?: number;
}

/** Unsent bytes above which log lines for a slow console are dropped instead of queued. */
const LOG_BACKLOG_LIMIT = 1024 * 1024;
/** Linux's sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;
/** The socket is bound under `<path>.new` and linked to its name once it listens (see start()). */
const TEMP_SUFFIX = ".new";

/** Resolves true when something accepts connections on `path`. */
function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection(path);
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

class ConsoleSession {
  private readonly splitter = new LineSplitter(MAX_CLIENT_FRAME);
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private logConsole: LogConsole | undefined;
  private droppedLogLines = 0;
  private rejected = false;

  constructor(
    readonly socket: Socket,
    private readonly server: ControlServer,
    private readonly opts: ControlServerOptions,
    private readonly log: Logger,
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (err) => this.log.debug({ err: err.message }, "console connection error"));
    socket.on("close", () => this.onClose());
  }

  private onData(chunk: string): void {
    if (this.rejected) return;
    const lines = this.splitter.push(chunk);
    if (this.splitter.overflow) {
      this.log.warn({ limit: MAX_CLIENT_FRAME }, "console sent an oversized frame; closing it");
      this.rejected = true;
      this.send({ type: "error", error: `frame longer than ${MAX_CLIENT_FRAME} bytes` });
      this.socket.destroySoon();
      return;
    }
    for (const text of lines) {
      if (text.trim().length === 0) continue;
      this.queue = this.queue
        .then(() => this.handle(text))
        .catch((err: unknown) => this.log.error({ err: String(err) }, "console request failed"));
    }
  }

  private async handle(text: string): Promise<void> {
    const frame = parseClientFrame(text);
    if ("error" in frame) {
      this.send(frame.id === undefined ? { type: "error", error: frame.error } : { type: "error", id: frame.id, error: frame.error });
      return;
    }
    switch (frame.type) {
      case "exec": {
        const res = await this.opts.registry.execute(frame.line, this.cliConsole());
        this.send({ id: frame.id, type: "result", ok: res.ok, output: res.output });
        return;
      }
      case "complete": {
        const items = await this.opts.registry.complete(frame.line).catch(() => []);
        this.send({ id: frame.id, type: "completions", items });
        return;
      }
      case "subscribe-log":
        if (this.logConsole === undefined) {
          const c: LogConsole = { verbosity: frame.verbose ?? 0, write: (line) => this.sendLog(line) };
          this.logConsole = c;
          this.unsubscribe = this.opts.logs.attach(c);
        }
        return;
      case "unsubscribe-log":
        this.unsubscribe?.();
        this.unsubscribe = undefined;
        this.logConsole = undefined;
        return;
    }
  }

  /** What `core set verbose` changes when typed here: this console's verbosity, if it shows logs. */
  private cliConsole(): { console: CliConsole } | undefined {
    const c = this.logConsole;
    if (c === undefined) return undefined;
    const logs = this.opts.logs;
    return {
      console: {
        get verbosity() {
          return c.verbosity;
        },
        setVerbosity(level: number): number {
          const was = c.verbosity;
          c.verbosity = Math.max(0, level);
          logs.refresh();
          return was;
        },
        get muted() {
          return c.muted === true;
        },
        setMuted(muted: boolean): void {
          c.muted = muted;
        },
        showLevel(level: string, shown: boolean): void {
          const bit = LEVEL_BIT[level as AsteriskLevel];
          if (bit !== undefined) c.hidden = shown ? (c.hidden ?? 0) & ~bit : (c.hidden ?? 0) | bit;
        },
      },
    };
  }

  private sendLog(line: string): void {
    // A console that does not read must not make the PBX buffer its log without bound.
    if (this.socket.writableLength > LOG_BACKLOG_LIMIT) {
      this.droppedLogLines++;
      return;
    }
    if (this.droppedLogLines > 0) {
      this.send({ type: "log", line: `(${this.droppedLogLines} log lines were dropped because this console was reading too slowly)` });
      this.droppedLogLines = 0;
    }
    this.send({ type: "log", line });
  }

  send(frame: ServerFrame): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(JSON.stringify(frame) + "\n");
  }

  private onClose(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.logConsole = undefined;
    this.server.forget(this);
  }
}

export class ControlServer {
  private server: Server | undefined;
  private readonly sessions = new Set<ConsoleSession>();
  private readonly log: Logger;
  private closing: Promise<void> | undefined;
  private listening = false;

  constructor(private readonly opts: ControlServerOptions) {
    this.log = opts.log.child({ category: "cli.control" });
  }

  get socketPath(): string {
    return this.opts.socketPath;
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  /**
   * Checks that the socket path can be ours, without listening yet. A leftover socket file from a
   * crashed PBX is removed; a socket some other running PBX answers on is left alone and claim()
   * fails, so two instances never share one data directory by accident. The server calls this
   * first, to stop a second PBX before it touches ports or the database, and start() once every
   * module has registered its commands: a console that connects as soon as the socket file
   * appears must never find a command missing.
   */
  async claim(): Promise<void> {
    if (this.server) throw new PbxError("INVALID_STATE", "control server already started");
    const path = this.opts.socketPath;
    if (Buffer.byteLength(path) + TEMP_SUFFIX.length > MAX_SOCKET_PATH_BYTES) {
      throw new PbxError("CONTROL_SOCKET", `control socket path is too long for a unix socket (${Buffer.byteLength(path)} > ${MAX_SOCKET_PATH_BYTES - TEMP_SUFFIX.length} bytes): ${path}; use a shorter data directory`);
    }
    mkdirSync(dirname(path), { recursive: true });
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st) {
      if (!st.isSocket()) {
        throw new PbxError("CONTROL_SOCKET", `${path} exists and is not a socket; remove it or use another data directory`);
      }
      if (await isListening(path)) {
        throw new PbxError("CONTROL_SOCKET_IN_USE", `another Switchboard is already running with control socket ${path}; stop it or use another data directory`);
      }
      rmSync(path, { force: true });
      this.log.info({ path }, "removed stale control socket");
    }
  }

  /**
   * Claims the socket path (see claim()) and listens on it. The socket is bound under a temporary
   * name, made private to the PBX's user, and only then linked to its real name: a client that
   * connects the moment the file appears never meets a socket that is bound but not yet
   * listening (ECONNREFUSED) or one that others may still use. The link fails when the name was
   * taken meanwhile (a second PBX starting on the same data directory).
   */
  async start(): Promise<void> {
    await this.claim();
    const path = this.opts.socketPath;
    const temp = `${path}${TEMP_SUFFIX}`;
    rmSync(temp, { force: true });
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) => {
        reject(new PbxError("CONTROL_SOCKET", `cannot listen on control socket ${path}: ${err.message}`, { cause: err }));
      });
      server.listen(temp, () => resolve());
    });
    try {
      // Whoever can connect can run `core stop now`, so only the PBX's own user may.
      chmodSync(temp, 0o600);
      linkSync(temp, path);
    } catch (err) {
      server.close();
      this.server = undefined;
      const inUse = (err as NodeJS.ErrnoException).code === "EEXIST";
      const hint = inUse ? "; is another Switchboard starting with the same data directory?" : "";
      throw new PbxError(inUse ? "CONTROL_SOCKET_IN_USE" : "CONTROL_SOCKET", `cannot listen on control socket ${path}: ${(err as Error).message}${hint}`, { cause: err });
    } finally {
      rmSync(temp, { force: true });
    }
    this.listening = true;
    server.on("error", (err) => this.log.error({ err: err.message }, "control socket error"));
    this.log.debug({ path }, "control socket listening");
  }

  private accept(socket: Socket): void {
    const max = this.opts.maxClients ?? 128;
    if (this.closing || this.sessions.size >= max) {
      // A refused console that resets before reading the reply must not take the PBX down with
      // an unhandled 'error' event.
      socket.on("error", () => socket.destroy());
      socket.end(JSON.stringify({ type: "error", error: "too many consoles connected" }) + "\n");
      return;
    }
    const session = new ConsoleSession(socket, this, this.opts, this.log);
    this.sessions.add(session);
    this.log.debug({ clients: this.sessions.size }, "console connected");
  }

  /** Called by a session when its socket closes. */
  forget(session: ConsoleSession): void {
    if (this.sessions.delete(session)) this.log.debug({ clients: this.sessions.size }, "console disconnected");
  }

  /** Stops listening, lets pending replies flush, disconnects consoles and removes the socket file. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sessions) s.socket.end();
    // end() lets queued replies (such as "Shutting down") reach the console; a console that
    // does not close its side within a moment is cut off.
    const timer = setTimeout(() => {
      for (const s of this.sessions) s.socket.destroy();
    }, 500);
    timer.unref();
    await closed;
    clearTimeout(timer);
    if (this.listening) rmSync(this.opts.socketPath, { force: true });
    this.listening = false;
  }
}
