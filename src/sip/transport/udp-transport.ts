/**
 * SIP over UDP (RFC 3261 §18.1.1, §18.2.1). One socket per bound address; every datagram is
 * one message. The delegate's `allow` runs before anything else so a banned source costs one
 * map lookup.
 *
 * Where the socket lives depends on the load:
 *
 *   main thread ──(> up datagrams/s for upSeconds)──► socket thread (udp-io-worker.ts)
 *        ▲                                                   │
 *        └──────(< down datagrams/s for downSeconds)─────────┘
 *
 * Quiet, the main thread owns the socket: a datagram costs one wake-up of one thread. Busy (a
 * registration storm, a call surge), the syscalls of receiving and sending, with the kernel's
 * loopback and wake-up work charged to them, were the largest single item of the signalling
 * thread's profile, so the port moves to a socket thread on another core, and datagrams cross
 * between the threads in one batch per event-loop turn and direction. Either way, what we send
 * in one turn is sent together at the end of it.
 *
 * A move loses nothing: the new owner binds the port beside the old one (both sockets set
 * SO_REUSEADDR; Linux delivers a datagram to the socket bound last), sends move at once, and the
 * old socket passes on what it still has queued for DRAIN_MS before it closes. Closing first and
 * binding after left the port closed for a moment, and the datagrams queued on the old socket
 * were discarded: a move in the middle of a call surge lost 6-10 % of the calls. So that a
 * second server cannot share the port by accident, the first bind is tried without
 * SO_REUSEADDR, and an address in use is an error as with any socket.
 */
import { createSocket, type Socket } from "node:dgram";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { TransportError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { fastLookup } from "../../core/fast-lookup.js";
import { spawnWorker } from "../../core/worker-thread.js";
import type { Flow, SendErrorHandler, Transport } from "./types.js";
import { BaseTransport, type BaseTransportOptions } from "./base-transport.js";
import { formatHostPort } from "./types.js";
import { forEachDatagram, packDatagrams, type FromSocketThread, type ToSocketThread, type UdpIoConfig } from "./udp-io-protocol.js";

/** When the port moves to the socket thread and back, in datagrams per second (in + out). */
export interface SocketThreadPolicy {
  up: number;
  upSeconds: number;
  down: number;
  downSeconds: number;
}

/**
 * The default on a machine with 2+ cores. `up: 0` would put the port on the socket thread at
 * start and keep it there; docs/performance.md has the figures of each.
 */
export const DEFAULT_SOCKET_THREAD_POLICY: SocketThreadPolicy = { up: 2000, upSeconds: 1, down: 1000, downSeconds: 10 };

/** On the socket thread from the start, never back. */
export const ALWAYS_ON_SOCKET_THREAD: SocketThreadPolicy = { up: 0, upSeconds: 0, down: -1, downSeconds: Infinity };

const POLICY_NAMES = ["auto", "always", "never"];
let warnedPolicyName = false;

/**
 * The policy when the transport is not given one: SWITCHBOARD_UDP_SOCKET_THREAD=auto (the
 * default above), `always` or `never` (main thread only); another value is warned about once and
 * read as `auto`. On one core there is no socket thread.
 */
export function socketThreadPolicyFromEnv(log: Logger, value = process.env.SWITCHBOARD_UDP_SOCKET_THREAD, cores = availableParallelism()): SocketThreadPolicy | false {
  if (value !== undefined && !POLICY_NAMES.includes(value) && !warnedPolicyName) {
    warnedPolicyName = true;
    log.warn({ value }, `SWITCHBOARD_UDP_SOCKET_THREAD='${value}' is not one of ${POLICY_NAMES.join(", ")}; using auto`);
  }
  if (cores < 2 || value === "never") return false;
  if (value === "always") return ALWAYS_ON_SOCKET_THREAD;
  return DEFAULT_SOCKET_THREAD_POLICY;
}

/** How long a socket that has handed the port over still passes on what it had queued. */
const DRAIN_MS = 250;

export interface UdpTransportOptions extends BaseTransportOptions {
  /** `false` keeps the socket on the main thread; default: the policy above on a machine with 2+ cores. */
  socketThread?: SocketThreadPolicy | false;
}

export type UdpSocketPlace = "main" | "thread" | "moving";

const BUFFER_BYTES = 4 * 1024 * 1024;

/** What is waiting to be sent at the end of this turn. */
interface Outgoing {
  datas: Buffer[];
  addresses: string[];
  ports: number[];
  handlers: Array<SendErrorHandler | undefined>;
  anyHandler: boolean;
}

function emptyOutgoing(): Outgoing {
  return { datas: [], addresses: [], ports: [], handlers: [], anyHandler: false };
}

export class UdpTransport extends BaseTransport implements Transport {
  readonly protocol = "udp" as const;
  readonly reliable = false;
  private socket: Socket | undefined;
  private worker: Worker | undefined;
  /** Where the port is received and sent from; `moving` is true while a move is under way. */
  private place: "main" | "thread" = "main";
  private moving = false;
  /** A main-thread socket that has handed the port to the thread and still drains its queue. */
  private draining: { socket: Socket; timer: NodeJS.Timeout } | undefined;
  private out = emptyOutgoing();
  private flushScheduled = false;
  private nextBatch = 1;
  /** Batches handed to the socket thread with error handlers, not yet reported back, by batch number. */
  private readonly inFlight = new Map<number, Outgoing>();
  private readonly policy: SocketThreadPolicy | false;
  private traffic = 0;
  private busySeconds = 0;
  private quietSeconds = 0;
  private monitor: NodeJS.Timeout | undefined;
  private threadWaiter: ((m: FromSocketThread) => void) | undefined;
  /** Resolves once the socket thread has started (it loads its module first, which takes a while). */
  private threadReady: Promise<void> | undefined;
  private markReady: () => void = () => {};
  private moves = 0;

  constructor(private readonly opts: UdpTransportOptions) {
    super(opts);
    this.policy = opts.socketThread ?? socketThreadPolicyFromEnv(opts.log);
  }

  /** Where the socket is now, and how often it has moved (`pjsip show transports` detail, tests). */
  get socketPlace(): { place: UdpSocketPlace; moves: number } {
    return { place: this.moving ? "moving" : this.place, moves: this.moves };
  }

  async listen(): Promise<void> {
    if (this.policy === false) {
      this.socket = await this.bindMain(this.opts.port, false);
      return;
    }
    // Tried alone first: an address in use must be an error, not a port shared by two servers.
    const probe = await this.bindMain(this.opts.port, false);
    const port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    this.socket = await this.bindMain(port, true);
    // Started now, so that moving the port later does not wait for the thread to load.
    this.ensureWorker();
    if (this.policy.up === 0) await this.moveToThread();
    else {
      this.monitor = setInterval(() => this.measure(), 1000);
      this.monitor.unref();
    }
  }

  /** A socket on the main thread bound to `port`, delivering to onDatagram. */
  private bindMain(port: number, reuseAddr: boolean): Promise<Socket> {
    const socket = createSocket({ type: this.family === 6 ? "udp6" : "udp4", ipv6Only: this.family === 6, reuseAddr, lookup: fastLookup });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        socket.close();
        reject(this.bindError(err));
      };
      socket.once("error", onError);
      socket.bind(port, this.opts.address, () => {
        socket.off("error", onError);
        socket.on("error", (err) => this.opts.log.warn({ transport: this.id, err: err.message }, "UDP socket error"));
        const a = socket.address();
        this.bound = { address: a.address, port: a.port };
        try {
          socket.setRecvBufferSize(BUFFER_BYTES);
          socket.setSendBufferSize(BUFFER_BYTES);
        } catch {
          // Larger buffers are an optimisation; the kernel may cap them.
        }
        socket.on("message", (data, rinfo) => this.onDatagram(data, rinfo.address, rinfo.port));
        resolve(socket);
      });
    });
  }

  private onDatagram(data: Buffer, address: string, port: number): void {
    this.traffic++;
    if (!this.opts.delegate.allow(address)) {
      this.dropped++;
      return;
    }
    this.received++;
    // RFC 5626 §4.4.1 keep-alives (CRLF or CRLFCRLF) carry no message.
    if (data.length <= 4 && data.every((b) => b === 0x0d || b === 0x0a)) return;
    const flow: Flow = { transport: this, remoteAddress: address, remotePort: port };
    this.opts.delegate.onMessage(data, flow);
  }

  send(data: Buffer, remoteAddress: string, remotePort: number, _connectionId?: string, onError?: SendErrorHandler): void {
    if (this.closed) {
      if (onError) queueMicrotask(() => onError(new TransportError(`transport ${this.id} is closed`)));
      return;
    }
    this.sent++;
    this.traffic++;
    const out = this.out;
    out.datas.push(data);
    out.addresses.push(remoteAddress);
    out.ports.push(remotePort);
    out.handlers.push(onError);
    if (onError) out.anyHandler = true;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Sends this turn's datagrams from wherever the port is. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const out = this.out;
    if (out.datas.length === 0) return;
    this.out = emptyOutgoing();
    if (this.place === "thread" && this.worker !== undefined) {
      const batch = this.nextBatch++;
      if (out.anyHandler) this.inFlight.set(batch, out);
      const packed = packDatagrams(out.datas, out.addresses, out.ports);
      const m: ToSocketThread = { t: "tx", batch, reply: out.anyHandler, ...packed };
      this.worker.postMessage(m, [packed.bytes]);
      return;
    }
    const socket = this.socket;
    for (let i = 0; i < out.datas.length; i++) {
      const address = out.addresses[i] as string;
      const port = out.ports[i] as number;
      const onError = out.handlers[i];
      if (socket === undefined) {
        this.sendFailed(onError, address, port, "the socket is closed");
        continue;
      }
      try {
        // Without a callback dgram reports a failed send as the socket's "error" event (logged).
        if (onError === undefined) socket.send(out.datas[i] as Buffer, port, address);
        else socket.send(out.datas[i] as Buffer, port, address, (err) => err && this.sendFailed(onError, address, port, err.message));
      } catch (err) {
        // dgram refuses some destinations synchronously (port 0, a malformed address).
        this.sendFailed(onError, address, port, err instanceof Error ? err.message : String(err));
      }
    }
  };

  /** One failed send, told to its handler (or logged at debug when it has none). */
  private sendFailed(onError: SendErrorHandler | undefined, address: string, port: number, message: string): void {
    const peer = formatHostPort(address, port);
    if (onError) onError(new TransportError(`UDP send to ${peer} failed: ${message}`));
    else this.opts.log.debug({ transport: this.id, peer, err: message }, "UDP send failed");
  }

  /** Once a second: move the port when the traffic has crossed the policy's threshold long enough. */
  private measure(): void {
    const policy = this.policy;
    const perSecond = this.traffic;
    this.traffic = 0;
    if (policy === false || this.closed || this.moving) return;
    if (this.place === "main") {
      this.busySeconds = perSecond > policy.up ? this.busySeconds + 1 : 0;
      if (this.busySeconds >= policy.upSeconds) void this.moveToThread(perSecond);
    } else {
      this.quietSeconds = perSecond < policy.down ? this.quietSeconds + 1 : 0;
      if (this.quietSeconds >= policy.downSeconds) void this.moveToMain(perSecond);
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const config: UdpIoConfig = { family: this.family, bufferBytes: BUFFER_BYTES };
    const worker = spawnWorker(import.meta.url, "udp-io-worker", { workerData: config, name: `sip ${this.id}` });
    this.threadReady = new Promise((resolve) => (this.markReady = resolve));
    worker.on("message", (m: FromSocketThread) => this.fromThread(m));
    worker.on("error", (err) => {
      this.opts.log.error({ transport: this.id, err: err.message }, `UDP transport ${this.id}: socket thread failed (${err.message})`);
    });
    worker.on("exit", () => {
      this.worker = undefined;
      this.markReady();
      this.failInFlight(`transport ${this.id}: socket thread stopped`);
      this.threadWaiter?.({ t: "bindError", message: "socket thread stopped" });
      // A thread that dies while holding the port hands it back to the main thread.
      if (this.place === "thread" && !this.closed) void this.takeBack("the socket thread stopped");
    });
    this.worker = worker;
    return worker;
  }

  private fromThread(m: FromSocketThread): void {
    switch (m.t) {
      case "ready":
        this.markReady();
        return;
      case "rx":
        forEachDatagram(m, (data, address, port) => this.onDatagram(data, address, port));
        return;
      case "sent":
        this.onSent(m.batch, m.errors);
        return;
      case "socketError":
        this.opts.log.warn({ transport: this.id, err: m.message }, "UDP socket error");
        return;
      case "bound":
      case "bindError":
      case "unbound": {
        const waiter = this.threadWaiter;
        this.threadWaiter = undefined;
        waiter?.(m);
        return;
      }
    }
  }

  private askThread(m: ToSocketThread): Promise<FromSocketThread> {
    const worker = this.ensureWorker();
    return new Promise((resolve) => {
      this.threadWaiter = resolve;
      worker.postMessage(m);
    });
  }

  /** Binds the port on the socket thread beside the main thread's socket, then lets that one drain. */
  async moveToThread(perSecond = 0): Promise<void> {
    if (this.place !== "main" || this.moving || this.closed) return;
    this.moving = true;
    this.busySeconds = 0;
    try {
      this.ensureWorker();
      await this.threadReady;
      if (this.worker === undefined || this.closed) return;
      const r = await this.askThread({ t: "bind", address: this.opts.address, port: this.localPort });
      if (this.closed) return;
      if (r.t !== "bound") {
        this.opts.log.warn({ transport: this.id }, `UDP transport ${this.id}: socket kept on the main thread: the socket thread could not bind it (${r.t === "bindError" ? r.message : r.t})`);
        return;
      }
      this.place = "thread";
      this.moves++;
      const socket = this.socket;
      this.socket = undefined;
      if (socket !== undefined) this.drain(socket);
      this.opts.log.info({ transport: this.id, perSecond }, this.policy !== false && this.policy.up === 0 ? `UDP transport ${this.id}: socket on its own thread` : `UDP transport ${this.id}: ${perSecond} datagrams/s, socket moved to its own thread`);
    } finally {
      this.moving = false;
    }
  }

  /** Binds the port on the main thread again, beside the socket thread's, which then drains. */
  async moveToMain(perSecond = 0): Promise<void> {
    if (this.place !== "thread" || this.moving || this.closed) return;
    this.moving = true;
    this.quietSeconds = 0;
    try {
      if (await this.takeBack(undefined)) {
        this.moves++;
        this.opts.log.info({ transport: this.id, perSecond }, `UDP transport ${this.id}: ${perSecond} datagrams/s, socket back on the main thread`);
        await this.askThread({ t: "unbind", drainMs: DRAIN_MS });
      }
    } finally {
      this.moving = false;
    }
  }

  /** Binds the port on the main thread (again); false when that failed (logged). */
  private async takeBack(why: string | undefined): Promise<boolean> {
    if (this.closed) return false;
    try {
      this.socket = await this.bindMain(this.localPort, true);
      this.place = "main";
      if (why) this.opts.log.warn({ transport: this.id }, `UDP transport ${this.id}: socket back on the main thread: ${why}`);
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (why) this.opts.log.error({ transport: this.id, err: message }, `UDP transport ${this.id}: cannot bind ${formatHostPort(this.localAddress, this.localPort)} again (${message}); no SIP over UDP on it until restart`);
      else this.opts.log.warn({ transport: this.id, err: message }, `UDP transport ${this.id}: socket kept on its own thread: the main thread could not bind it (${message})`);
      return false;
    }
  }

  /** Keeps a socket that handed the port over receiving what it still had queued, then closes it. */
  private drain(socket: Socket): void {
    this.closeDraining();
    this.draining = { socket, timer: setTimeout(() => this.closeDraining(), DRAIN_MS) };
  }

  private closeDraining(): void {
    const d = this.draining;
    if (d === undefined) return;
    this.draining = undefined;
    clearTimeout(d.timer);
    d.socket.close();
  }

  private closeMainSocket(): Promise<void> {
    this.closeDraining();
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  private onSent(batch: number, errors: Array<[number, string]>): void {
    const sent = this.inFlight.get(batch);
    this.inFlight.delete(batch);
    for (const [index, message] of errors) this.sendFailed(sent?.handlers[index], sent?.addresses[index] ?? "?", sent?.ports[index] ?? 0, message);
  }

  private failInFlight(reason: string): void {
    for (const sent of this.inFlight.values()) for (const h of sent.handlers) h?.(new TransportError(reason));
    this.inFlight.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.monitor);
    this.flush();
    this.closed = true;
    await this.closeMainSocket();
    const worker = this.worker;
    if (worker === undefined) return;
    await new Promise<void>((resolve) => {
      worker.once("exit", () => resolve());
      worker.postMessage({ t: "close" } satisfies ToSocketThread);
      // A socket thread that does not answer is stopped.
      setTimeout(() => void worker.terminate(), 2000).unref();
    });
  }
}
