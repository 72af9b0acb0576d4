/**
 * The outgoing leg of a bridged call: we act as UAC toward one contact of the dialled endpoint
 * (RFC 3261 §13.2). It sends the INVITE, reports 1xx/2xx/failure upward, ACKs 2xx itself
 * (§13.2.2.4), cancels (§9.1) and hangs up (§15.1.1). It PRACKs reliable provisional responses
 * (RFC 3262 §4) and refreshes the session with UPDATE when the callee makes us the session
 * timer refresher (RFC 4028 §7.4).
 */
import { TypedEmitter } from "../../core/emitter.js";
import { randomHex } from "../../core/random.js";
import type { EndpointConfig } from "../../config/index.js";
import { Headers } from "../../sip/message/headers.js";
import { SipRequest, type SipResponse } from "../../sip/message/message.js";
import { Dialog, newCallId, tagOfHeader } from "../../sip/dialog/dialog.js";
import { parseCSeq } from "../../sip/parser/index.js";
import { newBranch, newTag } from "../../sip/transaction/create-response.js";
import { advertisedAddress, advertisedPort } from "../../sip/transport/transport-set.js";
import { formatHostPort, type Flow } from "../../sip/transport/types.js";
import type { TimerHandle } from "../../core/clock.js";
import type { CallContext } from "./call-context.js";
import { optionTagsOf, parseSessionExpires, supportedTagsFor } from "./session-extensions.js";

export type OutboundState = "Down" | "Dialing" | "Ringing" | "Up" | "Hungup";

export interface OutboundLegEvents {
  [k: string]: unknown[];
  ringing: [];
  /** 183 (or 180) with SDP: early media. */
  progress: [sdp: string];
  answered: [sdp: string | undefined];
  failed: [status: number, reason: string];
  /** The far end sent BYE after answer. */
  remoteHangup: [];
}

export interface OutboundLegOptions {
  ctx: CallContext;
  name: string;
  endpoint: EndpointConfig;
  /** The contact URI (Request-URI of the INVITE). */
  target: string;
  flow: Flow;
  callerId: { num: string; name: string };
  offerSdp: string;
  mediaLegId: string;
  /** Our SDP for this leg with another direction and session version (re-INVITE answers). */
  sdpFor: (direction: "sendrecv" | "sendonly" | "recvonly" | "inactive", version: number) => string;
}

export class OutboundLeg extends TypedEmitter<OutboundLegEvents> {
  state: OutboundState = "Down";
  readonly name: string;
  readonly endpoint: EndpointConfig;
  readonly callId = newCallId();
  readonly mediaLegId: string;
  readonly createdAt: number;
  answeredAt: number | undefined;
  dialog: Dialog | undefined;
  private invite: SipRequest | undefined;
  private provisional = false;
  private cancelRequested = false;
  private ackWire: SipRequest | undefined;
  hangupCause: number | undefined;
  /** Early dialogs by the callee's To tag, for PRACKs (RFC 3262 §4). */
  private readonly earlyDialogs = new Map<string, { dialog: Dialog; lastRSeq: number | undefined }>();
  /** RFC 4028: our refresh timer, when the callee's 2xx made us the refresher. */
  private refreshTimer: TimerHandle | undefined;

  constructor(private readonly o: OutboundLegOptions) {
    super();
    this.name = o.name;
    this.endpoint = o.endpoint;
    this.mediaLegId = o.mediaLegId;
    this.createdAt = o.ctx.clock.now();
  }

  get flow(): Flow {
    return this.o.flow;
  }

  sdpFor(direction: "sendrecv" | "sendonly" | "recvonly" | "inactive", version: number): string {
    return this.o.sdpFor(direction, version);
  }

  start(): void {
    const { flow } = this.o;
    const host = formatHostPort(advertisedAddress(flow.transport, flow.remoteAddress), advertisedPort(flow.transport, flow.remoteAddress));
    const h = new Headers();
    h.append("Via", `SIP/2.0/${flow.transport.protocol.toUpperCase()} ${host};rport;branch=${newBranch()}`);
    h.append("Max-Forwards", "70");
    const display = this.o.callerId.name ? `"${this.o.callerId.name.replace(/["\\\r\n]/g, "")}" ` : "";
    h.append("From", `${display}<sip:${encodeUser(this.o.callerId.num || "anonymous")}@${host}>;tag=${newTag()}`);
    h.append("To", `<${this.o.target}>`);
    h.append("Contact", `<sip:${encodeUser(this.o.callerId.num || "switchboard")}@${host}${flow.transport.protocol === "udp" ? "" : `;transport=${flow.transport.protocol}`}>`);
    h.append("Call-ID", this.callId);
    h.append("CSeq", `${1 + (parseInt(randomHex(2), 16) % 1000)} INVITE`);
    const ep = this.o.endpoint;
    h.append("Allow", `INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO${ep.rel100 !== "no" ? ", PRACK" : ""}`);
    // RFC 4028 §7.1: a UAC that supports timers lists `timer` and MAY leave Session-Expires out;
    // the callee then picks the interval and the refresher. RFC 3262 §4: 100rel in Supported,
    // in Require when the endpoint insists (100rel=required).
    const supported = supportedTagsFor(ep);
    if (supported) h.append("Supported", supported);
    if (ep.rel100 === "required") h.append("Require", "100rel");
    h.append("User-Agent", this.o.ctx.userAgent());
    h.append("Content-Type", "application/sdp");
    this.invite = new SipRequest("INVITE", this.o.target, h, Buffer.from(this.o.offerSdp));
    this.state = "Dialing";
    this.o.ctx.transactions.sendRequest(this.invite, flow, {
      onResponse: (res) => this.onResponse(res),
      onTimeout: () => this.fail(408, "Request Timeout"),
      onTransportError: () => this.fail(503, "Service Unavailable"),
    });
  }

  private onResponse(res: SipResponse): void {
    if (this.state === "Hungup" && res.status < 200) return;
    if (res.status < 200) {
      if (res.status === 100) return;
      this.provisional = true;
      if (this.cancelRequested) {
        this.sendCancel();
        return;
      }
      if (this.isReliable(res)) {
        // A retransmission of a reliable response we already PRACKed is not news (§4).
        if (!this.prack(res)) return;
      }
      const sdp = sdpOf(res);
      if (this.state === "Dialing") this.state = "Ringing";
      if (sdp) this.emit("progress", sdp);
      else if (res.status === 180 || res.status === 182) this.emit("ringing");
      return;
    }
    if (res.status < 300) {
      this.onSuccess(res);
      return;
    }
    this.fail(res.status, res.reason);
  }

  private isReliable(res: SipResponse): boolean {
    return optionTagsOf(res).required.has("100rel") && res.headers.get("RSeq") !== undefined;
  }

  /**
   * RFC 3262 §4: "If a provisional response is received for an initial request, and that
   * response contains a Require header field containing the option tag 100rel, the response is
   * to be sent reliably. If the response is a 100 (Trying) (as opposed to 101 to 199), this
   * option tag MUST be ignored ... the UAC MUST send a PRACK" — in the early dialog the response
   * creates, with RAck naming its RSeq and the INVITE's CSeq. Responses out of RSeq order, and
   * retransmissions, are not PRACKed. Returns false for such a duplicate.
   */
  private prack(res: SipResponse): boolean {
    if (!this.invite || this.state === "Hungup") return false;
    const rseq = Number((res.headers.get("RSeq") ?? "").trim());
    if (!Number.isInteger(rseq) || rseq < 1) return true;
    const toTag = tagOfHeader(res.headers.get("To") ?? "");
    if (!toTag) return true;
    let early = this.earlyDialogs.get(toTag);
    if (!early) {
      const d = Dialog.fromResponse(this.invite, res, this.o.flow, this.o.callerId.num || "switchboard");
      if (!d) return true;
      early = { dialog: d, lastRSeq: undefined };
      this.earlyDialogs.set(toTag, early);
    }
    // §4: "the UAC MUST NOT send a PRACK for a retransmission"; "If the UAC receives another
    // reliable provisional response to the same request, and its RSeq value is not one higher
    // than the value of the sequence number, that response MUST NOT be acknowledged with a PRACK".
    if (early.lastRSeq !== undefined && rseq !== early.lastRSeq + 1) return false;
    early.lastRSeq = rseq;
    early.dialog.refreshTarget(res);
    const inviteSeq = parseCSeq(this.invite.headers.get("CSeq") ?? "")?.seq ?? 1;
    const prack = early.dialog.createRequest("PRACK", { userAgent: this.o.ctx.userAgent() });
    prack.headers.append("RAck", `${rseq} ${inviteSeq} INVITE`);
    this.o.ctx.transactions.sendRequest(prack, early.dialog.flow, { onResponse: () => {}, onTimeout: () => {} });
    return true;
  }

  private onSuccess(res: SipResponse): void {
    if (!this.invite) return;
    if (!this.dialog) {
      const d = Dialog.fromResponse(this.invite, res, this.o.flow, this.o.callerId.num || "switchboard");
      if (!d) return;
      // PRACKs in the early dialog used CSeq numbers after the INVITE's; the confirmed dialog
      // continues from there (RFC 3261 §12.2.1.1: local CSeq increases by one per request).
      const early = this.earlyDialogs.get(d.state.remoteTag);
      if (early) d.state.localSeq = Math.max(d.state.localSeq, early.dialog.state.localSeq);
      this.dialog = d;
    }
    this.sendAck();
    if (this.state === "Up" || this.state === "Hungup") {
      // A retransmitted (or forked) 2xx: re-ACKed above; a call we already gave up on is ended.
      if (this.state === "Hungup" && !this.byeSent) this.sendBye();
      return;
    }
    if (this.cancelRequested) {
      // §9.1: a 2xx can cross our CANCEL; the call is then up and must be ended with BYE.
      this.state = "Hungup";
      this.sendBye();
      return;
    }
    this.state = "Up";
    this.answeredAt = this.o.ctx.clock.now();
    this.earlyDialogs.clear();
    this.startRefreshing(res);
    this.emit("answered", sdpOf(res));
  }

  /**
   * RFC 4028 §7.2: a 2xx whose Session-Expires says refresher=uac makes us refresh. §7.4/§10:
   * the refresher sends its refresh at half the session interval; UPDATE without a body
   * (RFC 3311) refreshes without another offer/answer.
   */
  private startRefreshing(res: SipResponse): void {
    this.stopRefreshing();
    const se = parseSessionExpires(res.headers.get("Session-Expires"));
    if (!se || se.refresher !== "uac" || this.o.endpoint.timers === "no") return;
    const allow = res.headers.getAll("Allow").map((m) => m.trim().toUpperCase());
    if (allow.length > 0 && !allow.includes("UPDATE")) {
      this.o.ctx.log.notice({ endpoint: this.o.endpoint.id }, `${this.name}: the callee made us the session timer refresher but does not allow UPDATE; the session will not be refreshed (set timers=no on endpoint ${this.o.endpoint.id})`);
      return;
    }
    const interval = Math.max(1, se.interval);
    this.refreshTimer = this.o.ctx.clock.setTimeout(() => this.sendRefresh(interval), (interval * 1000) / 2);
  }

  private sendRefresh(interval: number): void {
    const d = this.dialog;
    if (!d || this.state !== "Up") return;
    const update = d.createRequest("UPDATE", { userAgent: this.o.ctx.userAgent() });
    update.headers.append("Session-Expires", `${interval};refresher=uac`);
    update.headers.append("Supported", "timer");
    this.o.ctx.transactions.sendRequest(update, d.flow, {
      onResponse: (r) => {
        if (r.status < 200 || this.state !== "Up") return;
        if (r.status < 300) {
          this.startRefreshing(r);
          return;
        }
        // §12.2.1.2 (RFC 3261): 481 or 408 to a request inside the dialog ends it.
        if (r.status === 481 || r.status === 408) {
          this.stopRefreshing();
          this.state = "Hungup";
          this.emit("remoteHangup");
          return;
        }
        // RFC 4028 §7.4: a 422 names the Min-SE to retry with; anything else keeps the interval.
        const minSe = Number((r.headers.get("Min-SE") ?? "").trim().split(/[;\s]/)[0]);
        const next = r.status === 422 && Number.isInteger(minSe) && minSe > interval ? minSe : interval;
        this.refreshTimer = this.o.ctx.clock.setTimeout(() => this.sendRefresh(next), r.status === 422 ? 0 : (next * 1000) / 2);
      },
      onTimeout: () => {
        if (this.state !== "Up") return;
        this.state = "Hungup";
        this.emit("remoteHangup");
      },
    });
  }

  /** A 2xx that arrived after the INVITE transaction ended (the layer's stray responses). */
  onStray2xx(res: SipResponse): void {
    if (res.status >= 200 && res.status < 300) this.onSuccess(res);
  }

  /** §13.2.2.4: the ACK for a 2xx is built by the UA core, with the INVITE's CSeq number. */
  private sendAck(): void {
    const d = this.dialog;
    if (!d || !this.invite) return;
    if (!this.ackWire) {
      const seq = Number((this.invite.headers.get("CSeq") ?? "1").trim().split(/\s+/)[0]);
      this.ackWire = d.createRequest("ACK", { userAgent: this.o.ctx.userAgent(), cseq: seq });
    }
    this.o.ctx.transactions.sendStateless(this.ackWire, d.flow);
  }

  private fail(status: number, reason: string): void {
    if (this.state === "Hungup" || this.state === "Up") return;
    this.state = "Hungup";
    this.emit("failed", status, reason);
  }

  /** Stops ringing this contact (the caller went away, another fork answered, Dial timed out). */
  cancel(): void {
    if (this.state === "Up") {
      this.hangup();
      return;
    }
    if (this.state === "Hungup" || this.cancelRequested) return;
    this.cancelRequested = true;
    this.state = "Hungup";
    // §9.1: "a CANCEL request SHOULD NOT be sent to cancel an INVITE unless a provisional response
    // has been received"; without one we wait for it (onResponse sends the CANCEL then) and the
    // INVITE transaction's Timer B ends the attempt otherwise.
    if (this.provisional) this.sendCancel();
  }

  private cancelSent = false;
  private sendCancel(): void {
    if (this.cancelSent || !this.invite) return;
    this.cancelSent = true;
    const inv = this.invite;
    const h = new Headers();
    // §9.1: same Request-URI, Call-ID, To, From, CSeq number and top Via as the INVITE.
    h.append("Via", inv.headers.getAll("Via")[0] ?? "");
    for (const f of inv.headers.fields) if (f.name === "Route") h.append("Route", f.value);
    h.append("Max-Forwards", "70");
    h.append("From", inv.headers.get("From") ?? "");
    h.append("To", inv.headers.get("To") ?? "");
    h.append("Call-ID", inv.headers.get("Call-ID") ?? "");
    const seq = (inv.headers.get("CSeq") ?? "1").trim().split(/\s+/)[0] ?? "1";
    h.append("CSeq", `${seq} CANCEL`);
    h.append("User-Agent", this.o.ctx.userAgent());
    const cancel = new SipRequest("CANCEL", inv.uri, h);
    this.o.ctx.transactions.sendRequest(cancel, this.o.flow, { onResponse: () => {}, onTimeout: () => {} });
  }

  private byeSent = false;
  private sendBye(): void {
    const d = this.dialog;
    if (!d || this.byeSent) return;
    this.byeSent = true;
    const bye = d.createRequest("BYE", { userAgent: this.o.ctx.userAgent() });
    this.o.ctx.transactions.sendRequest(bye, d.flow, { onResponse: () => {}, onTimeout: () => {} });
  }

  /** Ends an answered call from our side (BYE), or cancels an unanswered one. */
  hangup(): void {
    this.stopRefreshing();
    if (this.state === "Up") {
      this.state = "Hungup";
      this.sendBye();
      return;
    }
    this.cancel();
  }

  /** The far end hung up (its BYE was answered by the call manager). */
  remoteBye(): void {
    this.stopRefreshing();
    if (this.state !== "Up") return;
    this.state = "Hungup";
    this.emit("remoteHangup");
  }

  private stopRefreshing(): void {
    this.refreshTimer?.cancel();
    this.refreshTimer = undefined;
  }

  close(): void {
    this.stopRefreshing();
    this.earlyDialogs.clear();
    this.removeAll();
  }
}

function sdpOf(res: SipResponse): string | undefined {
  const ct = (res.headers.get("Content-Type") ?? "").toLowerCase();
  if (res.body.length === 0 || !ct.startsWith("application/sdp")) return undefined;
  return res.body.toString("utf8");
}

function encodeUser(u: string): string {
  return u.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
