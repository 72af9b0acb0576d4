/**
 * SIP over UDP (RFC 3261 §18.1.1, §18.2.1). One socket per bound address; every datagram is
 * one message. The socket lives on its own thread (`udp-io-worker.ts`): receiving and sending
 * are syscalls whose cost, with the kernel's loopback delivery and the wake-up of the peer, was the
 * largest single item of a REGISTER's CPU profile, and there they run on the second core.
 * Datagrams cross in one batch per event-loop turn and direction. The delegate's `allow` runs
 * before anything else so a banned source costs one map lookup.
 */
import type { Worker } from "node:worker_threads";
import { TransportError } from "../../core/errors.js";
import { spawnWorker } from "../../core/worker-thread.js";
import type { Flow, SendErrorHandler, Transport } from "./types.js";
import { BaseTransport, type BaseTransportOptions } from "./base-transport.js";
import { formatHostPort } from "./types.js";
import { forEachDatagram, packDatagrams, type FromSocketThread, type ToSocketThread, type UdpIoConfig } from "./udp-io-protocol.js";

export type UdpTransportOptions = BaseTransportOptions;

const BUFFER_BYTES = 4 * 1024 * 1024;

/** What is waiting to cross to the socket thread at the end of this turn. */
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
  private worker: Worker | undefined;
  private out = emptyOutgoing();
  private flushScheduled = false;
  private nextBatch = 1;
  /** Batches sent to the socket thread with error handlers, not yet reported back, by batch number. */
  private readonly inFlight = new Map<number, Outgoing>();
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: UdpTransportOptions) {
    super(opts);
  }

  listen(): Promise<void> {
    const config: UdpIoConfig = { address: this.opts.address, port: this.opts.port, family: this.family, bufferBytes: BUFFER_BYTES };
    const worker = spawnWorker(import.meta.url, "udp-io-worker", { workerData: config, name: `sip ${this.id}` });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let bound = false;
      worker.on("message", (m: FromSocketThread) => {
        switch (m.t) {
          case "rx":
            forEachDatagram(m, (data, address, port) => this.onDatagram(data, address, port));
            break;
          case "sent":
            this.onSent(m.batch, m.errors);
            break;
          case "bound":
            bound = true;
            this.bound = { address: m.address, port: m.port };
            resolve();
            break;
          case "bindError":
            reject(this.bindError(new Error(m.message)));
            void worker.terminate();
            break;
          case "socketError":
            this.opts.log.warn({ transport: this.id, err: m.message }, "UDP socket error");
            break;
          case "closed":
            break;
        }
      });
      worker.on("error", (err) => {
        if (!bound) reject(this.bindError(err));
        this.opts.log.error({ transport: this.id, err: err.message }, `UDP transport ${this.id}: socket thread failed (${err.message}); no SIP over UDP on ${formatHostPort(this.localAddress, this.localPort)} until restart`);
      });
      worker.on("exit", () => this.failInFlight(`transport ${this.id} is closed`));
    });
  }

  private onDatagram(data: Buffer, address: string, port: number): void {
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
    if (this.worker === undefined || this.closed) {
      if (onError) queueMicrotask(() => onError(new TransportError(`transport ${this.id} is closed`)));
      return;
    }
    this.sent++;
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

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const out = this.out;
    const worker = this.worker;
    if (out.datas.length === 0 || worker === undefined) return;
    this.out = emptyOutgoing();
    const batch = this.nextBatch++;
    if (out.anyHandler) this.inFlight.set(batch, out);
    const packed = packDatagrams(out.datas, out.addresses, out.ports);
    const m: ToSocketThread = { t: "tx", batch, reply: out.anyHandler, ...packed };
    worker.postMessage(m, [packed.bytes]);
  };

  private onSent(batch: number, errors: Array<[number, string]>): void {
    const sent = this.inFlight.get(batch);
    this.inFlight.delete(batch);
    for (const [index, message] of errors) {
      const peer = sent ? formatHostPort(sent.addresses[index] ?? "", sent.ports[index] ?? 0) : "?";
      const onError = sent?.handlers[index];
      if (onError) onError(new TransportError(`UDP send to ${peer} failed: ${message}`));
      else this.opts.log.debug({ transport: this.id, peer, err: message }, "UDP send failed");
    }
  }

  private failInFlight(reason: string): void {
    for (const sent of this.inFlight.values()) for (const h of sent.handlers) h?.(new TransportError(reason));
    this.inFlight.clear();
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    const worker = this.worker;
    if (this.closed || worker === undefined) {
      this.closed = true;
      return Promise.resolve();
    }
    this.flush();
    this.closed = true;
    this.closing = new Promise<void>((resolve) => {
      worker.once("exit", () => resolve());
      worker.postMessage({ t: "close" } satisfies ToSocketThread);
      // A socket thread that does not answer is stopped.
      setTimeout(() => void worker.terminate(), 2000).unref();
    });
    return this.closing;
  }
}
