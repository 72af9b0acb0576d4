/**
 * SIP over UDP (RFC 3261 §18.1.1, §18.2.1). One socket per bound address; every datagram is
 * one message. The delegate's `allow` runs before anything else so a banned source costs
 * one map lookup.
 */
import { createSocket, type Socket } from "node:dgram";
import { TransportError } from "../../core/errors.js";
import { fastLookup } from "../../core/fast-lookup.js";
import type { Flow, SendErrorHandler, Transport } from "./types.js";
import { BaseTransport, type BaseTransportOptions } from "./base-transport.js";
import { formatHostPort } from "./types.js";

export type UdpTransportOptions = BaseTransportOptions;

export class UdpTransport extends BaseTransport implements Transport {
  readonly protocol = "udp" as const;
  readonly reliable = false;
  private socket: Socket | undefined;

  constructor(private readonly opts: UdpTransportOptions) {
    super(opts);
  }

  listen(): Promise<void> {
    const socket = createSocket({ type: this.family === 6 ? "udp6" : "udp4", ipv6Only: this.family === 6, lookup: fastLookup });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(this.bindError(err));
      socket.once("error", onError);
      socket.bind(this.opts.port, this.opts.address, () => {
        socket.off("error", onError);
        socket.on("error", (err) => this.opts.log.warn({ transport: this.id, err: err.message }, "UDP socket error"));
        const a = socket.address();
        this.bound = { address: a.address, port: a.port };
        try {
          socket.setRecvBufferSize(4 * 1024 * 1024);
          socket.setSendBufferSize(4 * 1024 * 1024);
        } catch {
          // Larger buffers are an optimisation; the kernel may cap them.
        }
        socket.on("message", (data, rinfo) => this.onDatagram(data, rinfo.address, rinfo.port));
        resolve();
      });
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
    const socket = this.socket;
    if (!socket || this.closed) {
      if (onError) queueMicrotask(() => onError(new TransportError(`transport ${this.id} is closed`)));
      return;
    }
    this.sent++;
    if (onError === undefined) {
      // Without a callback dgram reports a failed send as the socket's "error" event (logged).
      socket.send(data, remotePort, remoteAddress);
      return;
    }
    socket.send(data, remotePort, remoteAddress, (err) => {
      if (err) onError(new TransportError(`UDP send to ${formatHostPort(remoteAddress, remotePort)} failed: ${err.message}`, { cause: err }));
    });
  }

  close(): Promise<void> {
    if (this.closed || !this.socket) {
      this.closed = true;
      return Promise.resolve();
    }
    this.closed = true;
    const socket = this.socket;
    return new Promise((resolve) => socket.close(() => resolve()));
  }

}
