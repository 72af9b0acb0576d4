/**
 * The REGISTER we send for one outbound registration (RFC 3261 §10.2): Request-URI server_uri,
 * From and To client_uri, one Call-ID for every REGISTER of the registration (§10.2.4 "SHOULD use
 * the same Call-ID for all registrations during a single boot cycle") with a rising CSeq, our
 * Contact with contact_user (default `s`) at the address the transport advertises toward the
 * registrar, and Expires. An outbound_proxy becomes a Route (§8.1.2), support_path adds
 * `Supported: path` (RFC 3327 §5).
 */
import { Headers } from "../../sip/message/headers.js";
import { newBranch } from "../../sip/message/identifiers.js";
import { SipRequest } from "../../sip/message/message.js";
import { advertisedAddress, advertisedPort } from "../../sip/transport/transport-set.js";
import { formatHostPort, type Flow } from "../../sip/transport/types.js";

export interface RegisterSpec {
  serverUri: string;
  clientUri: string;
  contactUser: string;
  /** The line=yes token, a URI parameter of our Contact. */
  line?: string | undefined;
  /** Raw parameters appended after our Contact's `>` (contact_header_params). */
  contactHeaderParams: string;
  /** Route for outbound_proxy, already a name-addr (`<sip:proxy;lr>`). */
  route?: string | undefined;
  supportPath: boolean;
  expires: number;
  callId: string;
  cseq: number;
  fromTag: string;
  userAgent: string;
  /** Authorization or Proxy-Authorization answering the registrar's challenge. */
  credentials?: { header: "Authorization" | "Proxy-Authorization"; value: string } | undefined;
}

/** Our Contact URI for this flow (sips: over TLS, transport named on streams, §8.1.1.8). */
export function contactUri(flow: Flow, user: string, line?: string): string {
  const host = formatHostPort(advertisedAddress(flow.transport, flow.remoteAddress), advertisedPort(flow.transport, flow.remoteAddress));
  const proto = flow.transport.protocol;
  const scheme = proto === "tls" ? "sips" : "sip";
  const transport = proto === "udp" || proto === "tls" ? "" : `;transport=${proto}`;
  return `${scheme}:${user}@${host}${transport}${line !== undefined ? `;line=${line}` : ""}`;
}

export function buildRegister(spec: RegisterSpec, flow: Flow): SipRequest {
  const h = new Headers();
  const hostPort = formatHostPort(advertisedAddress(flow.transport, flow.remoteAddress), advertisedPort(flow.transport, flow.remoteAddress));
  h.append("Via", `SIP/2.0/${flow.transport.protocol.toUpperCase()} ${hostPort};rport;branch=${newBranch()}`);
  if (spec.route !== undefined) h.append("Route", spec.route);
  h.append("Max-Forwards", "70");
  h.append("From", `<${spec.clientUri}>;tag=${spec.fromTag}`);
  h.append("To", `<${spec.clientUri}>`);
  h.append("Call-ID", spec.callId);
  h.append("CSeq", `${spec.cseq} REGISTER`);
  h.append("Contact", `<${contactUri(flow, spec.contactUser, spec.line)}>${spec.expires === 0 ? ";expires=0" : ""}${spec.contactHeaderParams}`);
  h.append("Expires", String(spec.expires));
  if (spec.supportPath) h.append("Supported", "path");
  if (spec.credentials) h.append(spec.credentials.header, spec.credentials.value);
  h.append("User-Agent", spec.userAgent);
  return new SipRequest("REGISTER", spec.serverUri, h);
}
