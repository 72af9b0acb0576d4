/**
 * The transport interface (RFC 3261 §18). A transport owns sockets and moves bytes; it knows
 * nothing of transactions. UDP, TCP, TLS and WebSocket (ws-transport.ts) implement it; a stream
 * transport gets framing from `StreamFramer`.
 */
import type { IpNetwork } from "../../core/ip.js";

export type TransportProtocol = "udp" | "tcp" | "tls" | "ws" | "wss";

/**
 * pjsip transport NAT settings: toward destinations outside `localNets`, Via and Contact carry
 * `externalSignalingAddress` (and port) instead of the bound address.
 */
export interface TransportNat {
  localNets: IpNetwork[];
  externalSignalingAddress?: string | undefined;
  /** 0 = the bound port. */
  externalSignalingPort?: number | undefined;
}

/** Where a message came from or goes to: the transport, the peer, and for streams the connection. */
export interface Flow {
  transport: Transport;
  remoteAddress: string;
  remotePort: number;
  /** Stream transports: the connection the message arrived on, so a response reuses it. */
  connectionId?: string | undefined;
}

export interface TransportDelegate {
  /**
   * Consulted before any parsing work for every datagram and at accept for every connection.
   * Returning false drops the packet silently / closes the connection (the ban list, issue 3).
   */
  allow(address: string): boolean;
  /** One complete SIP message (datagram, or a framed message from a stream). */
  onMessage(data: Buffer, flow: Flow): void;
  /**
   * A connection that can never be opened again from our side closed (a WebSocket: the peer
   * has no address to connect to), so what was reachable only through it is not any more.
   */
  onConnectionClosed?(flow: Flow): void;
}

/** Told, asynchronously, that a send failed (the error names the peer and the cause). */
export type SendErrorHandler = (err: Error) => void;

export interface Transport {
  /** The pjsip.conf transport section id, e.g. "transport-udp". */
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  readonly family: 4 | 6;
  /** Bound address and port, known after `listen()`. */
  readonly localAddress: string;
  readonly localPort: number;
  /** NAT rewriting for what we write into Via/Contact; set from the transport's configuration. */
  nat?: TransportNat | undefined;
  listen(): Promise<void>;
  /**
   * Sends bytes to a peer. Stream transports reuse `connectionId` or an open connection to the
   * peer, else connect. Returns at once: a failure is reported later, to `onError` only (no
   * Promise per message: this runs for every response and retransmission).
   */
  send(data: Buffer, remoteAddress: string, remotePort: number, connectionId?: string, onError?: SendErrorHandler): void;
  close(): Promise<void>;
  /**
   * The layer above authenticated (or trusts without authentication) the sender of a request
   * that came over `flow`. A transport that limits unauthenticated connections (WebSocket)
   * stops counting this one; the others need not implement it.
   */
  vouch?(flow: Flow): void;
  /** Counters and connections for `pjsip show transports` and tests. */
  dump(): TransportDump;
}

export interface TransportDump {
  id: string;
  protocol: TransportProtocol;
  bind: string;
  received: number;
  sent: number;
  dropped: number;
  connections?: number | undefined;
}

/** `[2001:db8::1]:5060` or `192.0.2.1:5060`. */
export function formatHostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
