/**
 * What every listening transport shares: identity, the bound address, counters and the dump the
 * console shows. Protocol classes add sockets and framing.
 */
import { TransportError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { TransportDelegate, TransportDump, TransportNat, TransportProtocol } from "./types.js";
import { formatHostPort } from "./types.js";

export interface BaseTransportOptions {
  id: string;
  address: string;
  port: number;
  delegate: TransportDelegate;
  log: Logger;
}

export abstract class BaseTransport {
  abstract readonly protocol: TransportProtocol;
  readonly id: string;
  readonly family: 4 | 6;
  nat: TransportNat | undefined;
  protected bound = { address: "", port: 0 };
  protected received = 0;
  protected sent = 0;
  protected dropped = 0;
  protected closed = false;

  constructor(protected readonly base: BaseTransportOptions) {
    this.id = base.id;
    this.family = base.address.includes(":") ? 6 : 4;
  }

  get localAddress(): string {
    return this.bound.address || this.base.address;
  }

  get localPort(): number {
    return this.bound.port || this.base.port;
  }

  /** The error for a failed bind, naming protocol, address and port. */
  protected bindError(err: Error): TransportError {
    return new TransportError(`cannot bind ${this.protocol.toUpperCase()} ${formatHostPort(this.base.address, this.base.port)}: ${err.message}`, { cause: err });
  }

  protected extraDump(): Partial<TransportDump> {
    return {};
  }

  dump(): TransportDump {
    return {
      id: this.id,
      protocol: this.protocol,
      bind: formatHostPort(this.localAddress, this.localPort),
      received: this.received,
      sent: this.sent,
      dropped: this.dropped,
      ...this.extraDump(),
    };
  }
}
