/**
 * One AMI connection: the banner, the login window (authtimeout), actions answered in the order
 * they came (a slow Originate does not let a later Ping overtake it), events filtered by the
 * user's read classes, the session's own event mask and the user's eventfilters, and a write
 * timeout (writetimeout) after which a client that stopped reading is disconnected.
 *
 *   connected ──Login ok──► authenticated ──Logoff / close / write timeout──► closed
 *       │ Login failed, authtimeout
 *       ▼
 *     closed
 */
import type { Socket } from "node:net";
import type { Logger } from "../../core/logger.js";
import { MANAGER_CLASSES, type ManagerClass, type ManagerUser } from "../../config/index.js";
import { mayWrite, type AmiActionRegistry, type AmiCaller, type AmiFields, type AmiReply } from "./ami-action.js";
import { parseEventMask } from "./ami-classes.js";
import { AmiFramer, formatMessage, type AmiMessage } from "./ami-message.js";

/** The version in the banner: Asterisk 22's manager interface (AMI_VERSION 11.0.0). */
export const AMI_VERSION = "11.0.0";

export interface AmiSessionOptions {
  socket: Socket;
  id: number;
  actions: AmiActionRegistry;
  log: Logger;
  authTimeoutMs: number;
  tls: boolean;
  /** Called once when the session has closed, whatever closed it. */
  onClose(session: AmiSession): void;
  /** Called when the session logs in (the server then counts it as authenticated). */
  onLogin(session: AmiSession): void;
}

export class AmiSession implements AmiCaller {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly transport: "TCP" | "TLS";
  readonly connectedAt = Date.now();
  user: ManagerUser | undefined;
  /** The MD5 challenge handed out by Action: Challenge (one per session, as Asterisk keeps it). */
  challenge: string | undefined;
  /** The classes this session asked for (Events:); the user's read= narrows them. */
  private mask: Set<ManagerClass> = new Set(MANAGER_CLASSES);
  private readonly framer = new AmiFramer();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private authTimer: NodeJS.Timeout | undefined;
  private writeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: AmiSessionOptions) {
    this.id = o.id;
    this.remoteAddress = normalizeAddress(o.socket.remoteAddress ?? "");
    this.remotePort = o.socket.remotePort ?? 0;
    this.localAddress = normalizeAddress(o.socket.localAddress ?? "");
    this.localPort = o.socket.localPort ?? 0;
    this.transport = o.tls ? "TLS" : "TCP";
    o.socket.setEncoding("utf8");
    o.socket.setNoDelay(true);
    o.socket.on("data", (chunk: string) => this.onData(chunk));
    o.socket.on("error", () => this.close());
    o.socket.on("close", () => this.close());
    o.socket.on("drain", () => this.drained());
    this.authTimer = setTimeout(() => {
      if (this.user === undefined) {
        o.log.verbose(2, { peer: this.peer }, `Manager connection from ${this.remoteAddress} did not log in within the authtimeout; closed`);
        this.close();
      }
    }, o.authTimeoutMs);
    this.write(`Asterisk Call Manager/${AMI_VERSION}\r\n`);
  }

  get peer(): string {
    return `${this.remoteAddress}:${this.remotePort}`;
  }

  get authenticated(): boolean {
    return this.user !== undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The session's event mask (`Events:`): on, off or class names; false for a value naming no class. */
  setEventMask(value: string): boolean {
    const mask = parseEventMask(value, MANAGER_CLASSES);
    if (mask === undefined) return false;
    this.mask = mask;
    return true;
  }

  get eventsOn(): boolean {
    return this.mask.size > 0;
  }

  loggedIn(user: ManagerUser): void {
    this.user = user;
    if (this.authTimer !== undefined) clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.o.onLogin(this);
  }

  /** Whether an event of class `cls` reaches this session (read=, Events:, eventfilter). */
  wants(cls: ManagerClass, text: string): boolean {
    const user = this.user;
    if (user === undefined || this.closed || !user.read.has(cls) || !this.mask.has(cls)) return false;
    return passesFilters(user, text);
  }

  /** Writes an event already formatted by the server (one text for every session). */
  deliver(text: string): void {
    this.write(text);
  }

  sendEvent(name: string, fields: AmiFields, actionId?: string): void {
    this.write(formatMessage([["Event", name], ...(actionId !== undefined ? [["ActionID", actionId] as const] : []), ...fields]));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.authTimer !== undefined) clearTimeout(this.authTimer);
    if (this.writeTimer !== undefined) clearTimeout(this.writeTimer);
    this.o.socket.end();
    this.o.socket.destroySoon();
    this.o.onClose(this);
  }

  private onData(chunk: string): void {
    if (this.closed) return;
    const { messages, overflow } = this.framer.push(chunk);
    for (const m of messages) this.queue = this.queue.then(() => this.process(m));
    if (overflow !== undefined) {
      this.o.log.notice({ peer: this.peer }, `Manager connection from ${this.remoteAddress} sent ${overflow}; closed`);
      this.queue = this.queue.then(() => this.close());
    }
  }

  private async process(m: AmiMessage): Promise<void> {
    if (this.closed) return;
    const actionId = m.get("ActionID");
    const name = m.get("Action") ?? "";
    let reply: AmiReply;
    if (name.length === 0) reply = { response: "Error", fields: [["Message", "Missing action in request"]] };
    else if (this.user === undefined && !PRE_LOGIN.has(name.toLowerCase())) reply = { response: "Error", fields: [["Message", "Permission denied"]] };
    else {
      const action = this.o.actions.find(name);
      if (action === undefined) reply = { response: "Error", fields: [["Message", `Invalid/unknown command: ${name}. Use Action: ListCommands to show available commands.`]] };
      else if (!mayWrite(this.user, action)) reply = { response: "Error", fields: [["Message", "Permission denied"]] };
      else {
        try {
          reply = await action.handle(m, this);
        } catch (err) {
          this.o.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err), action: name }, `Manager action ${name} from ${this.remoteAddress} failed`);
          reply = { response: "Error", fields: [["Message", `Internal error: ${err instanceof Error ? err.message : String(err)}`]] };
        }
      }
    }
    this.sendReply(reply, actionId);
    if (reply.close === true) this.close();
  }

  private sendReply(reply: AmiReply, actionId: string | undefined): void {
    const id: AmiFields = actionId !== undefined ? [["ActionID", actionId]] : [];
    let text = formatMessage([["Response", reply.response], ...id, ...reply.fields]);
    if (reply.follows !== undefined) text = text.slice(0, -2) + reply.follows + (reply.follows.endsWith("\n") || reply.follows.length === 0 ? "" : "\n") + "--END COMMAND--\r\n\r\n";
    for (const ev of reply.events ?? []) {
      const [first, ...rest] = ev;
      text += formatMessage(first !== undefined ? [first, ...id, ...rest] : id);
    }
    for (const ev of reply.trailing ?? []) text += formatMessage(ev);
    this.write(text);
  }

  private write(text: string): void {
    if (this.closed) return;
    const ok = this.o.socket.write(text);
    if (ok || this.writeTimer !== undefined) return;
    // The kernel's socket buffer is full and Node holds the rest: as Asterisk waits writetimeout
    // for the socket to take a write, the client has that long to read before it is cut off.
    const ms = this.user?.writeTimeoutMs ?? 100;
    this.writeTimer = setTimeout(() => {
      this.o.log.warn({ peer: this.peer }, `Manager connection from ${this.remoteAddress}${this.user ? ` ('${this.user.name}')` : ""} did not read what was sent within ${ms} ms (writetimeout); closed`);
      this.close();
    }, ms);
  }

  private drained(): void {
    if (this.writeTimer !== undefined) clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
  }
}

const PRE_LOGIN = new Set(["login", "challenge", "logoff"]);

/**
 * eventfilter= (manager.conf.sample): with no filters every event passes; white filters only:
 * an event must match one; black only: it must match none; both: it must match a white and no black.
 */
export function passesFilters(user: ManagerUser, text: string): boolean {
  const filters = user.eventFilters;
  if (filters.length === 0) return true;
  let white = false;
  let anyWhite = false;
  for (const f of filters) {
    if (f.sense === "white") {
      anyWhite = true;
      if (!white && f.pattern.test(text)) white = true;
    }
  }
  if (anyWhite && !white) return false;
  for (const f of filters) if (f.sense === "black" && f.pattern.test(text)) return false;
  return true;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: the address as an admin writes it in permit= and reads it in logs. */
export function normalizeAddress(a: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a) ? a.slice(7) : a;
}
