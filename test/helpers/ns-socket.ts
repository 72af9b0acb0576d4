/**
 * The test-process side of ns-socket-agent.ts: SIP sockets that live in a network namespace but
 * are driven, byte for byte, from the test. Every datagram or stream segment that reaches the
 * namespace's socket is kept, so a test can read the headers exactly as they crossed the wire.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "./pbx.js";
import { stopProcess, trackProcess } from "./processes.js";
import { parseSipMessage, type Endpoint, type SipMessageLite } from "./sip-client.js";

const AGENT = join(dirname(fileURLToPath(import.meta.url)), "ns-socket-agent.ts");

interface AgentEvent {
  readonly ev: "ready" | "bound" | "connected" | "error" | "data" | "closed";
  readonly id?: string;
  readonly port?: number;
  readonly host?: string;
  readonly data?: string;
  readonly error?: string;
}

/** A message received on an agent socket, with the address it came from. */
export interface Received {
  readonly msg: SipMessageLite;
  readonly from: Endpoint;
}

/** One agent process inside `ns`; it opens any number of sockets there. */
export class NsSocketAgent {
  private readonly handlers = new Map<string, (e: AgentEvent) => void>();
  private counter = 0;
  private stopped = false;

  private constructor(
    readonly ns: string,
    private readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const e = JSON.parse(line) as AgentEvent;
      if (e.id !== undefined) this.handlers.get(e.id)?.(e);
    });
  }

  static start(ns: string): Promise<NsSocketAgent> {
    // The agent is a plain script, not a test file: without this it would report to node:test.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", AGENT], { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    trackProcess(child, `ns-socket-agent:${ns}`);
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`ns-socket-agent in ${ns} exited (${code}): ${stderr.slice(-2000)}`));
      child.once("exit", onExit);
      const rl = createInterface({ input: child.stdout });
      rl.once("line", (line) => {
        rl.close();
        child.off("exit", onExit);
        if ((JSON.parse(line) as AgentEvent).ev !== "ready") reject(new Error(`ns-socket-agent: unexpected first line ${line}`));
        else resolve(new NsSocketAgent(ns, child));
      });
    });
  }

  /** A UDP socket bound to ip:port (0 = ephemeral) inside the namespace. */
  udp(ip: string, port = 0): Promise<NsSipSocket> {
    const id = `u${++this.counter}`;
    return new Promise((resolve, reject) => {
      this.handlers.set(id, (e) => {
        if (e.ev === "bound") resolve(new NsSipSocket(this, id, "UDP", ip, e.port ?? 0));
        else if (e.ev === "error") reject(new Error(`udp bind ${ip}:${port} in ${this.ns}: ${e.error}`));
      });
      this.command({ op: "udp", id, ip, port });
    });
  }

  /**
   * A TCP connection from `ip` to `server`; resolves with the socket, or with the error text
   * ("timeout" when no SYN-ACK came within `timeoutMs`, "ECONNREFUSED" on a reset …).
   */
  tcp(ip: string, server: Endpoint, timeoutMs = 3000): Promise<NsSipSocket | { error: string }> {
    const id = `t${++this.counter}`;
    return new Promise((resolve) => {
      this.handlers.set(id, (e) => {
        if (e.ev === "connected") resolve(new NsSipSocket(this, id, "TCP", ip, e.port ?? 0, server));
        else if (e.ev === "error") resolve({ error: e.error ?? "?" });
      });
      this.command({ op: "tcp", id, ip, host: server.ip, port: server.port, timeoutMs });
    });
  }

  /** @internal */
  command(c: Record<string, unknown>): void {
    // A phone's automatic answer (a 200 to a late BYE) may come after stop(): nothing to send it to.
    if (this.stopped) return;
    this.child.stdin?.write(JSON.stringify(c) + "\n");
  }

  /** @internal Routes a socket's later events (data, closed) to it. */
  listen(id: string, fn: (e: AgentEvent) => void): void {
    this.handlers.set(id, fn);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.child.stdin?.end();
    await stopProcess(this.child, 2000);
  }
}

/** A SIP socket in a namespace: sends raw text, keeps every message that arrives. */
export class NsSipSocket {
  readonly received: Received[] = [];
  private waiters: Array<{ pred: (r: Received) => boolean; resolve: (r: Received) => void }> = [];
  private readonly listeners: Array<(r: Received) => void> = [];
  private stream = Buffer.alloc(0);

  /** @internal */
  constructor(
    private readonly agent: NsSocketAgent,
    private readonly id: string,
    readonly transport: "UDP" | "TCP",
    readonly localIp: string,
    readonly localPort: number,
    private readonly peer?: Endpoint,
  ) {
    agent.listen(id, (e) => {
      if (e.ev !== "data") return;
      const from = { ip: e.host ?? "", port: e.port ?? 0 };
      const buf = Buffer.from(e.data ?? "", "base64");
      if (transport === "UDP") this.deliver(buf.toString("latin1"), from);
      else this.onStream(buf, from);
    });
  }

  /** Sends raw bytes; UDP needs the destination, TCP goes to the connected server. */
  send(raw: string, to?: Endpoint): void {
    const dest = to ?? this.peer;
    this.agent.command({ op: "send", id: this.id, data: Buffer.from(raw, "latin1").toString("base64"), host: dest?.ip, port: dest?.port });
  }

  /** Calls `fn` for every message that arrives from now on. */
  onMessage(fn: (r: Received) => void): void {
    this.listeners.push(fn);
  }

  /** Resolves with the first message (already received or future) matching `pred`. */
  waitFor(pred: (r: Received) => boolean, timeoutMs = 5000, what = "a matching SIP message"): Promise<Received> {
    const seen = this.received.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const got = this.received.map((r) => (r.msg.isResponse ? `${r.msg.status} ${r.msg.method}` : r.msg.method)).join(", ");
        reject(new Error(`${this.transport} ${this.localIp}:${this.localPort}: no ${what} within ${timeoutMs} ms (received: ${got || "nothing"})`));
      }, timeoutMs);
      const waiter = {
        pred,
        resolve: (r: Received) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends `raw` and resolves with the first final response with its Call-ID and CSeq. */
  async request(raw: string, to?: Endpoint, timeoutMs = 5000): Promise<SipMessageLite> {
    const req = parseSipMessage(raw);
    const callId = req?.header("call-id");
    const cseq = req?.header("cseq");
    const skip = new Set(this.received);
    this.send(raw, to);
    const r = await this.waitFor(
      (x) => !skip.has(x) && x.msg.isResponse && x.msg.status >= 200 && x.msg.header("call-id") === callId && x.msg.header("cseq") === cseq,
      timeoutMs,
      `final response to ${req?.method ?? "?"}`,
    );
    return r.msg;
  }

  close(): void {
    this.agent.command({ op: "close", id: this.id });
  }

  private deliver(raw: string, from: Endpoint): void {
    const msg = parseSipMessage(raw);
    if (msg === undefined) return;
    const r = { msg, from };
    this.received.push(r);
    for (const fn of this.listeners) fn(r);
    for (const w of [...this.waiters]) {
      if (w.pred(r)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(r);
      }
    }
  }

  /** RFC 3261 §18.3: on a stream, Content-Length delimits each message. */
  private onStream(chunk: Buffer, from: Endpoint): void {
    this.stream = Buffer.concat([this.stream, chunk]);
    for (;;) {
      while (this.stream.length >= 2 && this.stream[0] === 0x0d && this.stream[1] === 0x0a) this.stream = this.stream.subarray(2);
      const end = this.stream.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.stream.subarray(0, end).toString("latin1");
      const len = Number(/^(?:content-length|l)\s*:\s*(\d+)/im.exec(head)?.[1] ?? "0");
      if (this.stream.length < end + 4 + len) return;
      this.deliver(this.stream.subarray(0, end + 4 + len).toString("latin1"), from);
      this.stream = this.stream.subarray(end + 4 + len);
    }
  }
}
