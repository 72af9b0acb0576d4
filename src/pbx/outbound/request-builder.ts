/**
 * Builds out-of-dialog requests we originate (OPTIONS qualify today, more later) and the flow
 * they leave on: destination from the target URI or, for stream transports and NAT-rewritten
 * contacts, the address the peer registered from.
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { Headers } from "../../sip/message/headers.js";
import { SipRequest } from "../../sip/message/message.js";
import { parseUri } from "../../sip/parser/index.js";
import { newBranch, newTag } from "../../sip/transaction/create-response.js";
import { advertisedAddress, advertisedPort, type TransportSet } from "../../sip/transport/transport-set.js";
import { formatHostPort, type Flow, type TransportProtocol } from "../../sip/transport/types.js";

export interface Target {
  uri: string;
  /** When known (a registered contact), the address the binding came from. */
  source?: { address: string; port: number; transport: string } | undefined;
}

export function flowFor(target: Target, transports: TransportSet): Flow | undefined {
  const u = parseUri(target.uri);
  // RFC 3261 §26.2.2: a sips: URI without a transport parameter is reached over TLS (port 5061).
  const uriProto = (u?.params.get("transport") ?? (u?.scheme.toLowerCase() === "sips" ? "tls" : "udp")).toLowerCase() as TransportProtocol;
  const src = target.source;
  if (src && src.transport !== "udp") {
    const t = transports.pick(src.transport as TransportProtocol, src.address);
    return t ? { transport: t, remoteAddress: src.address, remotePort: src.port } : undefined;
  }
  if (!u || !u.host) return undefined;
  const t = transports.pick(uriProto, u.host);
  if (!t) return undefined;
  return { transport: t, remoteAddress: u.host, remotePort: u.port ?? (uriProto === "tls" ? 5061 : 5060) };
}

/**
 * Where a request to a configured URI goes (a registrar, a trunk's static contact, an outbound
 * proxy): RFC 3263 without SRV/NAPTR, so the A/AAAA of its host, its port or 5060/5061, over the
 * transport section `transportId` names (the endpoint's or registration's `transport=`) or the
 * first one for the URI's transport. Returns why not, in words, when it cannot.
 */
export async function resolveFlow(target: string, transportId: string, transports: TransportSet, resolve: (host: string) => Promise<string>): Promise<Flow | string> {
  const uri = parseUri(target.replace(/^<|>$/g, ""));
  if (!uri || !uri.host) return `cannot read the URI '${target}'`;
  const named = transportId !== "" ? transports.byId(transportId) : undefined;
  if (transportId !== "" && !named) return `transport '${transportId}' is not running`;
  const uriProto = (uri.params.get("transport") ?? (uri.scheme.toLowerCase() === "sips" ? "tls" : "udp")).toLowerCase() as TransportProtocol;
  const protocol = named?.protocol ?? uriProto;
  let address = uri.host.replace(/^\[|\]$/g, "");
  if (isIP(address) === 0) {
    try {
      address = await resolve(address);
    } catch (err) {
      return `cannot resolve '${uri.host}' (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  const transport = named && isIP(address) === named.family ? named : transports.pick(protocol, address);
  if (!transport) return `no ${protocol.toUpperCase()} transport for ${address} (add a transport with protocol=${protocol}, or name one in transport=)`;
  return { transport, remoteAddress: address, remotePort: uri.port ?? (protocol === "tls" ? 5061 : 5060) };
}

export interface BuildOptions {
  method: string;
  uri: string;
  flow: Flow;
  fromUser: string;
  userAgent: string;
  maxForwards?: number;
}

export function buildRequest(o: BuildOptions): SipRequest {
  const host = advertisedAddress(o.flow.transport, o.flow.remoteAddress);
  const hostPort = formatHostPort(host, advertisedPort(o.flow.transport, o.flow.remoteAddress));
  const h = new Headers();
  h.append("Via", `SIP/2.0/${o.flow.transport.protocol.toUpperCase()} ${hostPort};rport;branch=${newBranch()}`);
  h.append("From", `<sip:${o.fromUser}@${hostPort}>;tag=${newTag()}`);
  h.append("To", `<${o.uri}>`);
  // RFC 3261 §8.1.1.8: a Contact reached over a stream names its transport, or the peer would
  // send its requests to it over UDP.
  // RFC 7118 §5.2.2: a WebSocket Contact says `transport=ws`, over WSS too (as the dialogs' Contacts).
  const p = o.flow.transport.protocol;
  const transportParam = p === "udp" ? "" : `;transport=${p === "wss" ? "ws" : p}`;
  h.append("Contact", `<sip:${o.fromUser}@${hostPort}${transportParam}>`);
  h.append("Call-ID", randomBytes(12).toString("hex"));
  h.append("CSeq", `${1 + (randomBytes(2).readUInt16BE(0) % 1000)} ${o.method}`);
  h.append("Max-Forwards", String(o.maxForwards ?? 70));
  h.append("User-Agent", o.userAgent);
  return new SipRequest(o.method, o.uri, h);
}
