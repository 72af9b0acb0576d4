/**
 * The one place that builds the requests and responses of INVITE sessions (RFC 3261 §8.1.1,
 * §12.2.1.1, §13.2.2.4, §9.1, §8.2.6, §12.1.1): Via with a fresh branch, CSPRNG tags, Call-ID and
 * initial CSeq (message/identifiers.ts), Contact as `sip:` or `sips:` for the transport with the
 * advertised address (external_signaling_address toward peers outside local_net), Max-Forwards,
 * User-Agent/Server. What a UA supports (Allow, Supported) is the caller's to say: the PBX derives
 * it from what is configured, the session layer only writes it.
 */
import { Headers } from "../message/headers.js";
import { initialCSeq, newBranch, newCallId, newTag } from "../message/identifiers.js";
import { SipRequest, type SipResponse } from "../message/message.js";
import { parseNameAddr } from "../parser/index.js";
import type { Dialog } from "../dialog/dialog.js";
import { createResponse, hasTag } from "../transaction/create-response.js";
import { advertisedAddress, advertisedPort } from "../transport/transport-set.js";
import { formatHostPort, type Flow } from "../transport/types.js";

export { initialCSeq, newBranch, newCallId, newTag };

/** A message body that crosses the layer as text: SDP, with its content type. */
export interface SessionBody {
  body: string;
  contentType: string;
}

export interface MessageFactoryOptions {
  /** The User-Agent of our requests and the Server of our responses (`[global] user_agent`). */
  userAgent: () => string;
}

/** Capability headers a message advertises; empty strings are left out. */
export interface Capabilities {
  allow?: string | undefined;
  supported?: string | undefined;
  require?: string | undefined;
}

export interface OutOfDialogRequestSpec extends Capabilities {
  method: string;
  requestUri: string;
  flow: Flow;
  /** Our identity: user part, display name, and a host (from_domain) instead of our advertised address. */
  from: { user: string; display?: string | undefined; host?: string | undefined };
  /** The To header value (no tag), e.g. `<sip:1002@192.0.2.20>`. */
  to: string;
  /** Contact user; no Contact when undefined. */
  contactUser?: string | undefined;
  /** Route header values (a preloaded route, §8.1.2: the outbound proxy), in order. */
  route?: readonly string[] | undefined;
  callId?: string;
  cseq?: number;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: SessionBody | undefined;
}

export interface InDialogRequestSpec extends Capabilities {
  /** Defaults to the dialog's next local CSeq (ACK and CANCEL: pass the INVITE's). */
  cseq?: number;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: SessionBody | undefined;
}

export interface ResponseSpec extends Capabilities {
  reason?: string;
  /** The To tag for a request without one (our local tag). */
  toTag?: string;
  /** A Contact from this flow and user: responses that establish or refresh a dialog carry one. */
  contact?: { flow: Flow; user: string; secure?: boolean } | undefined;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: SessionBody | undefined;
}

/** Methods whose requests carry our Contact (they create or refresh the remote target, §12.2.1.1, RFC 3311 §5.1). */
const TARGET_REFRESH = new Set(["INVITE", "UPDATE", "SUBSCRIBE", "NOTIFY", "REFER"]);

export class MessageFactory {
  constructor(private readonly o: MessageFactoryOptions) {}

  get userAgent(): string {
    return this.o.userAgent();
  }

  /** Our `host:port` toward the peer of this flow (§18.2.1 sent-by; Contact host). */
  hostPort(flow: Flow): string {
    return formatHostPort(advertisedAddress(flow.transport, flow.remoteAddress), advertisedPort(flow.transport, flow.remoteAddress));
  }

  /** §8.1.1.7 / §18.2.1: our Via for a new request, with `rport` (RFC 3581) and a fresh branch. */
  via(flow: Flow, branch: string = newBranch()): string {
    return `SIP/2.0/${flow.transport.protocol.toUpperCase()} ${this.hostPort(flow)};rport;branch=${branch}`;
  }

  /**
   * §8.1.1.8: our Contact. A SIPS URI only in a secure dialog (§12.1.1: the request came over TLS
   * to a SIPS Request-URI); otherwise a SIP URI that names the transport when it is not UDP
   * (`;transport=tls`, `;transport=ws` for WSS as RFC 7118 writes it), or the peer would send its
   * requests over UDP. This is also what pjsip writes, and phones that cannot route `sips:`
   * (baresip) end the call on a SIPS Contact they did not ask for.
   */
  contact(flow: Flow, user: string, secure = false): string {
    const p = flow.transport.protocol;
    const transport = p === "udp" ? "" : `;transport=${p === "wss" ? "ws" : p}`;
    return `<${secure ? "sips" : "sip"}:${encodeUser(user)}@${this.hostPort(flow)}${transport}>`;
  }

  /** A request outside any dialog (§8.1.1): a new INVITE, OPTIONS … */
  request(spec: OutOfDialogRequestSpec): SipRequest {
    const h = new Headers();
    h.append("Via", this.via(spec.flow));
    for (const r of spec.route ?? []) h.append("Route", r);
    h.append("Max-Forwards", "70");
    const display = spec.from.display ? `"${spec.from.display.replace(/["\\\r\n]/g, "")}" ` : "";
    h.append("From", `${display}<sip:${encodeUser(spec.from.user || "anonymous")}@${spec.from.host || this.hostPort(spec.flow)}>;tag=${newTag()}`);
    h.append("To", spec.to);
    // §8.1.1.8: a request to a SIPS Request-URI carries a SIPS Contact.
    if (spec.contactUser !== undefined) h.append("Contact", this.contact(spec.flow, spec.contactUser, /^sips:/i.test(spec.requestUri)));
    h.append("Call-ID", spec.callId ?? newCallId());
    h.append("CSeq", `${spec.cseq ?? initialCSeq()} ${spec.method}`);
    appendCapabilities(h, spec);
    for (const [n, v] of spec.headers ?? []) h.append(n, v);
    h.append("User-Agent", this.o.userAgent());
    return withBody(new SipRequest(spec.method, spec.requestUri, h), spec.body);
  }

  /**
   * §12.2.1.1: a request within the dialog. "If the route set is empty, the UAC MUST place the
   * remote target URI into the Request-URI"; with a loose router first (`;lr`) the Request-URI is
   * the remote target and the route set becomes Route headers; with a strict router first, its URI
   * becomes the Request-URI and the remote target the last Route.
   */
  inDialog(dialog: Dialog, method: string, spec: InDialogRequestSpec = {}): SipRequest {
    const s = dialog.state;
    const seq = spec.cseq ?? (method === "ACK" || method === "CANCEL" ? s.localSeq : dialog.nextLocalSeq());
    const h = new Headers();
    h.append("Via", this.via(dialog.flow));
    let requestUri = s.remoteTarget;
    const first = s.routeSet[0];
    const firstUri = first !== undefined ? parseNameAddr(first)?.uri : undefined;
    if (first !== undefined && firstUri && !firstUri.params.has("lr")) {
      // "the UAC MUST place the first URI from the route set into the Request-URI, stripping any
      // parameters that are not allowed in a Request-URI" … "The UAC MUST then place the remote
      // target URI into the Route header field as the last value."
      requestUri = formatBareUri(first);
      for (const r of s.routeSet.slice(1)) h.append("Route", r);
      h.append("Route", `<${s.remoteTarget}>`);
    } else {
      for (const r of s.routeSet) h.append("Route", r);
    }
    h.append("Max-Forwards", "70");
    h.append("From", s.localHeader);
    h.append("To", s.remoteHeader);
    h.append("Call-ID", s.callId);
    h.append("CSeq", `${seq} ${method}`);
    if (TARGET_REFRESH.has(method)) h.append("Contact", this.contact(dialog.flow, dialog.contactUser, s.secure));
    appendCapabilities(h, spec);
    for (const [n, v] of spec.headers ?? []) h.append(n, v);
    h.append("User-Agent", this.o.userAgent());
    return withBody(new SipRequest(method, requestUri, h), spec.body);
  }

  /**
   * §13.2.2.4: "The header fields of the ACK are constructed in the same way as for any request
   * sent within a dialog ... with the exception of the CSeq and the header fields related to
   * authentication. The sequence number of the CSeq header field MUST be the same as the INVITE
   * being acknowledged, but the CSeq method MUST be ACK." It carries the answer when the 2xx
   * carried an offer.
   */
  ack(dialog: Dialog, inviteSeq: number, body?: SessionBody): SipRequest {
    return this.inDialog(dialog, "ACK", { cseq: inviteSeq, body });
  }

  /**
   * §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header fields in the
   * CANCEL request MUST be identical to those in the request being cancelled, including tags. A
   * CANCEL constructed by a client MUST have only a single Via header field value matching the
   * top Via value in the request being cancelled." Route headers are copied as well.
   */
  cancel(invite: SipRequest): SipRequest {
    const inv = invite.headers;
    const h = new Headers();
    h.append("Via", inv.getAll("Via")[0] ?? "");
    for (const f of inv.fields) if (f.name === "Route") h.append("Route", f.value);
    h.append("Max-Forwards", "70");
    h.append("From", inv.get("From") ?? "");
    h.append("To", inv.get("To") ?? "");
    h.append("Call-ID", inv.get("Call-ID") ?? "");
    const seq = (inv.get("CSeq") ?? "1").trim().split(/\s+/)[0] ?? "1";
    h.append("CSeq", `${seq} CANCEL`);
    h.append("User-Agent", this.o.userAgent());
    return new SipRequest("CANCEL", invite.uri, h);
  }

  /**
   * §22.2: the request again, answering a 401/407: "When a UAC resubmits a request with its
   * credentials after receiving a 401 (Unauthorized) or 407 (Proxy Authentication Required)
   * response, it MUST increment the CSeq header field value as it would normally when sending an
   * updated request." A new transaction, so a new branch; Call-ID, tags, Route and body stay.
   * Credentials for another realm (a proxy's and the callee's) are kept beside the new ones.
   */
  resubmit(req: SipRequest, flow: Flow, cseq: number, credentials: readonly [name: string, value: string]): SipRequest {
    const h = req.headers.clone();
    h.set("Via", this.via(flow));
    h.set("CSeq", `${cseq} ${req.method}`);
    const merged = withCredentials(h.getAll(credentials[0]).map((v) => [credentials[0], v] as const), credentials);
    h.delete(credentials[0]);
    for (const [, v] of merged) h.append(credentials[0], v);
    return new SipRequest(req.method, req.uri, h, req.body);
  }

  /**
   * A response (§8.2.6). One to a dialog-creating request (101-299 to an INVITE without To tag)
   * copies the Record-Route: §12.1.1 "the UAS MUST copy all Record-Route header field values from
   * the request into the response (including the URIs, URI parameters, and any Record-Route header
   * field parameters, whether they are known or unknown to the UAS) and MUST maintain the order of
   * those values." Without them the caller's ACK and BYE bypass a record-routing proxy.
   */
  response(req: SipRequest, status: number, spec: ResponseSpec = {}): SipResponse {
    const res = createResponse(req, status, spec.reason, spec.toTag);
    const establishes = req.method === "INVITE" && status > 100 && status < 300 && !hasTag(req.headers.get("To") ?? "");
    if (establishes) for (const rr of req.headers.getAll("Record-Route")) res.headers.append("Record-Route", rr);
    if (spec.contact) res.headers.append("Contact", this.contact(spec.contact.flow, spec.contact.user, spec.contact.secure));
    appendCapabilities(res.headers, spec);
    for (const [n, v] of spec.headers ?? []) res.headers.append(n, v);
    res.headers.append("Server", this.o.userAgent());
    return withBody(res, spec.body);
  }
}

function appendCapabilities(h: Headers, c: Capabilities): void {
  if (c.allow) h.append("Allow", c.allow);
  if (c.supported) h.append("Supported", c.supported);
  if (c.require) h.append("Require", c.require);
}

function withBody<M extends SipRequest | SipResponse>(msg: M, body: SessionBody | undefined): M {
  if (!body) return msg;
  msg.headers.append("Content-Type", body.contentType);
  msg.body = Buffer.from(body.body);
  return msg;
}

/**
 * `headers` with `credentials` added: a value of the same header for the same realm is replaced
 * (a new challenge from it), those for other realms stay (a proxy's beside the callee's).
 */
export function withCredentials(headers: readonly (readonly [string, string])[], credentials: readonly [name: string, value: string]): Array<[string, string]> {
  const name = credentials[0].toLowerCase();
  const realm = realmOf(credentials[1]);
  return [...headers.filter(([n, v]) => n.toLowerCase() !== name || realmOf(v) !== realm).map(([n, v]) => [n, v] as [string, string]), [credentials[0], credentials[1]]];
}

/** The realm= of a credentials value (Digest username=…,realm="…"), for telling realms apart. */
function realmOf(credentials: string): string | undefined {
  return /realm\s*=\s*"([^"]*)"/i.exec(credentials)?.[1];
}

/** The URI of a Route value without angle brackets and header parameters, for a Request-URI. */
function formatBareUri(route: string): string {
  const lt = route.indexOf("<");
  const gt = route.lastIndexOf(">");
  const inner = lt >= 0 && gt > lt ? route.slice(lt + 1, gt) : route.trim();
  const q = inner.indexOf("?");
  return q >= 0 ? inner.slice(0, q) : inner;
}

/** RFC 3261 §25.1 user part: unreserved / escaped / user-unreserved; everything else %-escaped. */
export function encodeUser(u: string): string {
  return u.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** The body of a message as text with its content type, when it has one. */
export function bodyOf(msg: SipRequest | SipResponse): SessionBody | undefined {
  if (msg.body.length === 0) return undefined;
  return { body: msg.body.toString("utf8"), contentType: (msg.headers.get("Content-Type") ?? "application/sdp").trim() };
}
