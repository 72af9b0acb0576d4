/**
 * A SIP dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE establishes, identified by
 * Call-ID, local tag and remote tag, with the state needed to send requests inside it — CSeq
 * numbers, the remote target, and the route set.
 */
import { randomHex, randomPooled } from "../../core/random.js";
import { Headers } from "../message/headers.js";
import { SipRequest, type SipResponse } from "../message/message.js";
import { parseCSeq, parseNameAddr, formatUri } from "../parser/index.js";
import { newBranch } from "../transaction/create-response.js";
import { formatHostPort, type Flow } from "../transport/types.js";
import { advertisedAddress, advertisedPort } from "../transport/transport-set.js";

export interface DialogState {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** The From/To header values as we write them: local is ours, remote the peer's (with tags). */
  localHeader: string;
  remoteHeader: string;
  localSeq: number;
  remoteSeq: number | undefined;
  /** §12.1.1: the URI from the peer's Contact; requests inside the dialog go there. */
  remoteTarget: string;
  /** §12.1.1/§12.1.2: Record-Route values, in the order requests must carry them as Route. */
  routeSet: string[];
}

export class Dialog {
  readonly state: DialogState;
  /** Where requests inside the dialog are sent (connection reuse, NAT: the observed source). */
  flow: Flow;
  /** Our Contact user, e.g. the endpoint name. */
  contactUser: string;

  constructor(state: DialogState, flow: Flow, contactUser: string) {
    this.state = state;
    this.flow = flow;
    this.contactUser = contactUser;
  }

  get id(): string {
    return `${this.state.callId};${this.state.localTag};${this.state.remoteTag}`;
  }

  /**
   * §12.1.1: the UAS side of a dialog, from the INVITE and the tag we put in our To.
   * "The route set MUST be set to the list of URIs in the Record-Route header field from the
   * request, taken in order and preserving all URI parameters."
   */
  static fromInvite(req: SipRequest, localTag: string, flow: Flow, contactUser: string): Dialog {
    const from = req.headers.get("From") ?? "";
    const to = req.headers.get("To") ?? "";
    const contact = parseNameAddr(req.headers.getAll("Contact")[0] ?? "");
    return new Dialog(
      {
        callId: req.headers.get("Call-ID") ?? "",
        localTag,
        remoteTag: tagOfHeader(from) ?? "",
        localHeader: `${to};tag=${localTag}`,
        remoteHeader: from,
        // §8.1.1.5: the initial CSeq "MUST be less than 2**31"; random, so it is not guessable.
        localSeq: 1 + (randomPooled(2).readUInt16BE(0) % 10000),
        remoteSeq: parseCSeq(req.headers.get("CSeq") ?? "")?.seq,
        remoteTarget: contact ? formatUri(contact.uri) : req.uri,
        routeSet: req.headers.getAll("Record-Route"),
      },
      flow,
      contactUser,
    );
  }

  /**
   * §12.1.2: the UAC side, from the INVITE we sent and a response with a To tag.
   * "The route set MUST be set to the list of URIs in the Record-Route header field from the
   * response, taken in reverse order".
   */
  static fromResponse(invite: SipRequest, res: SipResponse, flow: Flow, contactUser: string): Dialog | undefined {
    const to = res.headers.get("To") ?? "";
    const remoteTag = tagOfHeader(to);
    const localTag = tagOfHeader(invite.headers.get("From") ?? "");
    if (!remoteTag || !localTag) return undefined;
    const contact = parseNameAddr(res.headers.getAll("Contact")[0] ?? "");
    return new Dialog(
      {
        callId: invite.headers.get("Call-ID") ?? "",
        localTag,
        remoteTag,
        localHeader: invite.headers.get("From") ?? "",
        remoteHeader: to,
        localSeq: parseCSeq(invite.headers.get("CSeq") ?? "")?.seq ?? 1,
        remoteSeq: undefined,
        remoteTarget: contact ? formatUri(contact.uri) : invite.uri,
        routeSet: res.headers.getAll("Record-Route").reverse(),
      },
      flow,
      contactUser,
    );
  }

  /** §12.2.2: a request in the dialog must have a CSeq above the last one (else 500). */
  acceptRemoteSeq(req: SipRequest): boolean {
    const seq = parseCSeq(req.headers.get("CSeq") ?? "")?.seq;
    if (seq === undefined) return false;
    if (req.method === "ACK" || req.method === "CANCEL") return true;
    if (this.state.remoteSeq !== undefined && seq <= this.state.remoteSeq) return false;
    this.state.remoteSeq = seq;
    return true;
  }

  /**
   * §14.1: our own re-INVITE (or UPDATE with an offer) on this dialog awaits its final response.
   * Whoever sends one sets it, and clears it on the final response.
   */
  localInviteInProgress = false;
  /** CSeq of the peer's re-INVITE we have not yet answered with a final response. */
  private remoteInviteInProgress: number | undefined;
  /** CSeq of the peer's offerless re-INVITE whose 2xx carried our offer; its ACK brings the answer. */
  private offerAwaitingAck: number | undefined;

  /**
   * Whether a re-INVITE/UPDATE from the peer can be taken now (RFC 3261 §14.2, RFC 3311 §5.2):
   * 491 when it collides with an offer/answer exchange we started, 500 when it overlaps the
   * peer's own unanswered INVITE; undefined when it may proceed.
   */
  reinviteConflict(req: SipRequest): 491 | 500 | undefined {
    const carriesOffer = req.body.length > 0;
    // §14.2: "A UAS that receives an INVITE on a dialog while an INVITE it had sent on that dialog
    // is in progress MUST return a 491 (Request Pending) response to the received INVITE."
    // RFC 3264 §4 forbids a new offer while ours is unanswered; an offerless re-INVITE would make
    // us offer again, so it collides as well. An UPDATE without SDP (a refresh) does not.
    if (this.localInviteInProgress || this.offerAwaitingAck !== undefined) {
      if (req.method === "INVITE" || carriesOffer) return 491;
    }
    // §14.2: "A UAS that receives a second INVITE before it sends the final response to a first
    // INVITE with a lower CSeq sequence number on the same dialog MUST return a 500".
    if (req.method === "INVITE" && this.remoteInviteInProgress !== undefined) return 500;
    return undefined;
  }

  /** The peer's re-INVITE is being handled (until reinviteAnswered). */
  reinviteStarted(req: SipRequest): void {
    if (req.method === "INVITE") this.remoteInviteInProgress = parseCSeq(req.headers.get("CSeq") ?? "")?.seq;
  }

  /** Our final response to the peer's re-INVITE went out; `offered` when its 2xx carried our offer. */
  reinviteAnswered(req: SipRequest, offered: boolean): void {
    if (req.method !== "INVITE") return;
    this.remoteInviteInProgress = undefined;
    if (offered) this.offerAwaitingAck = parseCSeq(req.headers.get("CSeq") ?? "")?.seq;
  }

  /**
   * §13.3.1.4: without an ACK after 64*T1 the 2xx is given up on; the offer it carried is then
   * dropped so that later re-INVITEs are not refused with 491 forever.
   */
  forgetOffer(seq: number): void {
    if (this.offerAwaitingAck === seq) this.offerAwaitingAck = undefined;
  }

  /** A 2xx ACK from the peer; true when it completes the offer we made in that 2xx. */
  ackReceived(ack: SipRequest): boolean {
    const seq = parseCSeq(ack.headers.get("CSeq") ?? "")?.seq;
    if (seq === undefined || seq !== this.offerAwaitingAck) return false;
    this.offerAwaitingAck = undefined;
    return true;
  }

  /** §12.2.1.2: a target refresh (re-INVITE, UPDATE, their 2xx) replaces the remote target. */
  refreshTarget(msg: SipRequest | SipResponse): void {
    const contact = parseNameAddr(msg.headers.getAll("Contact")[0] ?? "");
    if (contact) this.state.remoteTarget = formatUri(contact.uri);
  }

  contactHeader(): string {
    const host = advertisedAddress(this.flow.transport, this.flow.remoteAddress);
    const transport = this.flow.transport.protocol === "udp" ? "" : `;transport=${this.flow.transport.protocol}`;
    return `<sip:${this.contactUser}@${formatHostPort(host, advertisedPort(this.flow.transport, this.flow.remoteAddress))}${transport}>`;
  }

  viaHeader(branch = newBranch()): string {
    const host = advertisedAddress(this.flow.transport, this.flow.remoteAddress);
    return `SIP/2.0/${this.flow.transport.protocol.toUpperCase()} ${formatHostPort(host, advertisedPort(this.flow.transport, this.flow.remoteAddress))};rport;branch=${branch}`;
  }

  /**
   * §12.2.1.1: a request within the dialog. With a loose-routing route set (or none) the
   * Request-URI is the remote target and the route set becomes Route headers.
   */
  createRequest(method: string, opts: { userAgent: string; cseq?: number } = { userAgent: "Switchboard" }): SipRequest {
    const s = this.state;
    let seq: number;
    if (opts.cseq !== undefined) seq = opts.cseq;
    else if (method === "ACK" || method === "CANCEL") seq = s.localSeq;
    else seq = ++s.localSeq;
    const h = new Headers();
    h.append("Via", this.viaHeader());
    for (const r of s.routeSet) h.append("Route", r);
    h.append("Max-Forwards", "70");
    h.append("From", s.localHeader);
    h.append("To", s.remoteHeader);
    h.append("Call-ID", s.callId);
    h.append("CSeq", `${seq} ${method}`);
    if (method !== "BYE" && method !== "CANCEL" && method !== "ACK") h.append("Contact", this.contactHeader());
    h.append("User-Agent", opts.userAgent);
    return new SipRequest(method, s.remoteTarget, h);
  }
}

/** The `tag` parameter of a From/To header value (outside the URI). */
export function tagOfHeader(value: string): string | undefined {
  const na = parseNameAddr(value);
  const t = na?.params.get("tag");
  return t === null || t === undefined ? undefined : t;
}

export function newCallId(): string {
  return randomHex(16);
}
