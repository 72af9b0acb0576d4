/**
 * A SIP dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE establishes, identified by
 * Call-ID, local tag and remote tag, with the state needed to send requests inside it — CSeq
 * numbers, the remote target, and the route set. Messages are built from this state by
 * sip/session/message-factory.ts; offer/answer and glare live in sip/session/offer-answer.ts.
 */
import { initialCSeq, newCallId as newRandomCallId } from "../message/identifiers.js";
import type { SipRequest, SipResponse } from "../message/message.js";
import { cseqOf, parseNameAddr, formatUri } from "../parser/index.js";
import type { Flow } from "../transport/types.js";

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
  /**
   * Our Contact is a SIPS URI. UAS (§12.1.1): the INVITE came over TLS and "contained a SIPS URI
   * in the Request-URI or in the top Record-Route header field value, if there was any, or the
   * Contact header field if there was no Record-Route header field" (the Request-URI case is
   * also the dialog's "secure" flag). UAC (§12.1.2): we sent the INVITE over TLS to a SIPS URI.
   */
  secure: boolean;
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
        localSeq: initialCSeq(),
        remoteSeq: cseqOf(req)?.seq,
        remoteTarget: contact ? formatUri(contact.uri) : req.uri,
        routeSet: req.headers.getAll("Record-Route"),
        secure: isSecure(flow) && sipsRequested(req),
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
    // §12.1.2: "A UAC MUST be prepared to receive a response without a tag in the To field, in
    // which case the tag is considered to have a value of null" (an RFC 2543 UAS): kept as "".
    const remoteTag = tagOfHeader(to) ?? "";
    const localTag = tagOfHeader(invite.headers.get("From") ?? "");
    if (!localTag) return undefined;
    const contact = parseNameAddr(res.headers.getAll("Contact")[0] ?? "");
    return new Dialog(
      {
        callId: invite.headers.get("Call-ID") ?? "",
        localTag,
        remoteTag,
        localHeader: invite.headers.get("From") ?? "",
        remoteHeader: to,
        localSeq: cseqOf(invite)?.seq ?? 1,
        remoteSeq: undefined,
        remoteTarget: contact ? formatUri(contact.uri) : invite.uri,
        routeSet: res.headers.getAll("Record-Route").reverse(),
        secure: isSecure(flow) && /^sips:/i.test(invite.uri),
      },
      flow,
      contactUser,
    );
  }

  /** §12.2.1.1: "The UAC MUST increment the CSeq sequence number by one" for each new request. */
  nextLocalSeq(): number {
    return ++this.state.localSeq;
  }

  /**
   * §12.2.2: "If the remote sequence number was not empty, but the sequence number of the request
   * is lower than the remote sequence number, the request is out of order and MUST be rejected
   * with a 500 (Server Internal Error) response." ACK and CANCEL carry the INVITE's number.
   */
  acceptRemoteSeq(req: SipRequest): boolean {
    const seq = cseqOf(req)?.seq;
    if (seq === undefined) return false;
    if (req.method === "ACK" || req.method === "CANCEL") return true;
    // Only a lower number is out of order: an equal one is a retransmission that outlived its
    // transaction (a BYE resent after ours answered it), which gets its answer again.
    if (this.state.remoteSeq !== undefined && seq < this.state.remoteSeq) return false;
    this.state.remoteSeq = seq;
    return true;
  }

  /** §12.2.1.2: a target refresh (re-INVITE, UPDATE, their 2xx) replaces the remote target. */
  refreshTarget(msg: SipRequest | SipResponse): void {
    const contact = parseNameAddr(msg.headers.getAll("Contact")[0] ?? "");
    if (contact) this.state.remoteTarget = formatUri(contact.uri);
  }
}

function isSecure(flow: Flow): boolean {
  return flow.transport.protocol === "tls" || flow.transport.protocol === "wss";
}

/** The `tag` parameter of a From/To header value (outside the URI). */
export function tagOfHeader(value: string): string | undefined {
  const na = parseNameAddr(value);
  const t = na?.params.get("tag");
  return t === null || t === undefined ? undefined : t;
}

export function newCallId(): string {
  return newRandomCallId();
}

/**
 * §12.1.1: whether the INVITE asks for a SIPS Contact in our answer: a SIPS Request-URI, else
 * the top Record-Route when there is one, else the caller's own Contact.
 */
function sipsRequested(req: SipRequest): boolean {
  if (/^sips:/i.test(req.uri)) return true;
  const top = req.headers.getAll("Record-Route")[0];
  const uri = (value: string | undefined) => (value === undefined ? undefined : parseNameAddr(value)?.uri.scheme);
  if (top !== undefined) return uri(top)?.toLowerCase() === "sips";
  return uri(req.headers.getAll("Contact")[0])?.toLowerCase() === "sips";
}
