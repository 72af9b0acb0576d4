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
 * between the threads in one batch per event-loop turn and direction. Moving the port closes
 * one socket and binds the other: datagrams arriving in that millisecond are lost, as UDP
 * allows, and the peers' retransmissions (§17.1.1.2, §17.1.2.2) cover them. Either way, what we
 * send in one turn is sent together at the end of it.
 */
import { createSocket, type Socket } from "node:dgram";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { TransportError } from "../../core/errors.js";
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
 * The default on a machine with 2+ cores: the port goes to the socket thread at start and stays
 * there (`up: 0`). Moving it under load works (see the policy above and the tests), but a move in
 * the middle of a call surge lost calls in bench:calls (6-10 % at 600 setups/s), so it is not the
 * default until that is understood; docs/performance.md has the figures of both.
 */
export const DEFAULT_SOCKET_THREAD_POLICY: SocketThreadPolicy = { up: 0, upSeconds: 0, down: -1, downSeconds: Infinity };

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
  private place: UdpSocketPlace = "main";
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
    this.policy = opts.socketThread ?? (availableParallelism() >= 2 ? DEFAULT_SOCKET_THREAD_POLICY : false);
  }

  /** Where the socket is now, and how often it has moved (`pjsip show transports` detail, tests). */
  get socketPlace(): { place: UdpSocketPlace; moves: number } {
    return { place: this.place, moves: this.moves };
  }

  async listen(): Promise<void> {
    await this.bindMain(this.opts.port);
    if (this.policy !== false) {
      // Started now, so that moving the port later does not wait for the thread to load.
      this.ensureWorker();
      if (this.policy.up === 0) await this.moveToThread();
      else {
        this.monitor = setInterval(() => this.measure(), 1000);
        this.monitor.unref();
      }
    }
  }

  private bindMain(port: number): Promise<void> {
    const socket = createSocket({ type: this.family === 6 ? "udp6" : "udp4", ipv6Only: this.family === 6, lookup: fastLookup });
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
        this.socket = socket;
        resolve();
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

  /** Sends this turn's datagrams from wherever the socket is; while it moves they wait. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const out = this.out;
    if (out.datas.length === 0 || this.place === "moving") return;
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
    if (policy === false || this.closed || this.place === "moving") return;
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
      if (this.place === "thread" && !this.closed) void this.rebindMain("the socket thread stopped");
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

  /** Releases the port on the main thread and binds it on the socket thread. */
  async moveToThread(perSecond = 0): Promise<void> {
    if (this.place !== "main" || this.closed) return;
    this.place = "moving";
    this.busySeconds = 0;
    this.ensureWorker();
    await this.threadReady;
    if (this.worker === undefined || this.closed) {
      this.place = "main";
      return;
    }
    await this.closeMainSocket();
    const r = await this.askThread({ t: "bind", address: this.opts.address, port: this.localPort });
    if (this.closed) return;
    if (r.t === "bound") {
      this.place = "thread";
      this.moves++;
      this.opts.log.info({ transport: this.id, perSecond }, this.policy !== false && this.policy.up === 0 ? `UDP transport ${this.id}: socket on its own thread` : `UDP transport ${this.id}: ${perSecond} datagrams/s, socket moved to its own thread`);
    } else {
      await this.rebindMain(`the socket thread could not bind it (${r.t === "bindError" ? r.message : r.t})`);
    }
    this.flush();
  }

  /** Takes the port back from the socket thread. */
  async moveToMain(perSecond = 0): Promise<void> {
    if (this.place !== "thread" || this.closed) return;
    this.place = "moving";
    this.quietSeconds = 0;
    await this.askThread({ t: "unbind" });
    if (this.closed) return;
    if (await this.rebindMain(undefined)) {
      this.moves++;
      this.opts.log.info({ transport: this.id, perSecond }, `UDP transport ${this.id}: ${perSecond} datagrams/s, socket back on the main thread`);
    }
    this.flush();
  }

  /** Binds the port on the main thread again; false when that failed (logged). */
  private async rebindMain(why: string | undefined): Promise<boolean> {
    if (this.closed) return false;
    this.place = "moving";
    try {
      await this.bindMain(this.localPort);
      this.place = "main";
      if (why) this.opts.log.warn({ transport: this.id }, `UDP transport ${this.id}: socket kept on the main thread: ${why}`);
      return true;
    } catch (err) {
      this.place = "main";
      this.opts.log.error(
        { transport: this.id, err: err instanceof Error ? err.message : String(err) },
        `UDP transport ${this.id}: cannot bind ${formatHostPort(this.localAddress, this.localPort)} again (${err instanceof Error ? err.message : String(err)}); no SIP over UDP on it until restart`,
      );
      return false;
    }
  }

  private closeMainSocket(): Promise<void> {
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
