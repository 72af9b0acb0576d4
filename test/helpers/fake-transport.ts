/**
 * Test helper: an in-memory `Transport` (RFC 3261 §18 interface) that records every Buffer it is
 * asked to send instead of touching a socket. Reliable (TCP-like) or not (UDP-like), so the
 * transaction timers that depend on reliability (E, G, J, K, I, D) can be exercised both ways.
 *
 *   const t = new FakeTransport({ reliable: false });
 *   layer.receive(bytes, t.flow("192.0.2.10", 5070));
 *   t.sent.at(-1)?.text   // the last message sent, as a string
 */
import type { Flow, SendErrorHandler, Transport, TransportDump, TransportProtocol, TransportNat } from "../../src/sip/transport/types.js";
import { formatHostPort } from "../../src/sip/transport/types.js";

export interface SentPacket {
  data: Buffer;
  /** `data` decoded as latin1 (SIP heads are ASCII; bodies survive byte for byte). */
  text: string;
  remoteAddress: string;
  remotePort: number;
  connectionId?: string | undefined;
}

export interface FakeTransportOptions {
  id?: string;
  reliable?: boolean;
  protocol?: TransportProtocol;
  localAddress?: string;
  localPort?: number;
}

export class FakeTransport implements Transport {
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  readonly family = 4 as const;
  readonly localAddress: string;
  readonly localPort: number;
  nat: TransportNat | undefined;
  readonly sent: SentPacket[] = [];
  received = 0;
  /** When set, `send` rejects with this error (to drive transport-failure paths). */
  failWith: Error | undefined;
  private closed = false;

  constructor(opts: FakeTransportOptions = {}) {
    this.reliable = opts.reliable ?? false;
    this.protocol = opts.protocol ?? (this.reliable ? "tcp" : "udp");
    this.id = opts.id ?? `transport-${this.protocol}`;
    this.localAddress = opts.localAddress ?? "192.0.2.1";
    this.localPort = opts.localPort ?? 5060;
  }

  async listen(): Promise<void> {
    // Nothing to bind.
  }

  send(data: Buffer, remoteAddress: string, remotePort: number, connectionId?: string, onError?: SendErrorHandler): void {
    // Failures arrive later, as a real socket reports them.
    const fail = this.closed ? new Error("fake transport closed") : this.failWith;
    if (fail) {
      if (onError) queueMicrotask(() => onError(fail));
      return;
    }
    this.sent.push({ data: Buffer.from(data), text: data.toString("latin1"), remoteAddress, remotePort, connectionId });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  dump(): TransportDump {
    return {
      id: this.id,
      protocol: this.protocol,
      bind: formatHostPort(this.localAddress, this.localPort),
      received: this.received,
      sent: this.sent.length,
      dropped: 0,
    };
  }

  /** A flow from a peer over this transport, as a real transport would hand to `onMessage`. */
  flow(remoteAddress = "192.0.2.10", remotePort = 5060, connectionId?: string): Flow {
    const f: Flow = { transport: this, remoteAddress, remotePort };
    if (connectionId !== undefined) f.connectionId = connectionId;
    return f;
  }

  /** Texts of everything sent so far. */
  texts(): string[] {
    return this.sent.map((p) => p.text);
  }

  /** The start lines of everything sent so far, e.g. `SIP/2.0 100 Trying`. */
  startLines(): string[] {
    return this.sent.map((p) => p.text.slice(0, p.text.indexOf("\r\n")));
  }

  last(): SentPacket | undefined {
    return this.sent[this.sent.length - 1];
  }

  clear(): void {
    this.sent.length = 0;
  }
}
