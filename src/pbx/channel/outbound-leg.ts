/**
 * The outgoing leg of a bridged call: we act as UAC toward one contact of the dialled endpoint
 * (RFC 3261 §13.2). It sends the INVITE, reports 1xx/2xx/failure upward, ACKs 2xx itself
 * (§13.2.2.4), cancels (§9.1) and hangs up (§15.1.1).
 */
import { TypedEmitter } from "../../core/emitter.js";
import { randomHex } from "../../core/random.js";
import type { EndpointConfig } from "../../config/index.js";
import { Headers } from "../../sip/message/headers.js";
import { SipRequest, type SipResponse } from "../../sip/message/message.js";
import { Dialog, newCallId } from "../../sip/dialog/dialog.js";
import { newBranch, newTag } from "../../sip/transaction/create-response.js";
import type { InviteClientTransaction } from "../../sip/transaction/client-transaction.js";
import { advertisedAddress, advertisedPort } from "../../sip/transport/transport-set.js";
import { formatHostPort, type Flow } from "../../sip/transport/types.js";
import type { CallContext } from "./call-context.js";

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
  private tx: InviteClientTransaction | undefined;
  private provisional = false;
  private cancelRequested = false;
  private ackWire: SipRequest | undefined;
  hangupCause: number | undefined;

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
    h.append("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO");
    h.append("Supported", "replaces");
    h.append("User-Agent", this.o.ctx.userAgent());
    h.append("Content-Type", "application/sdp");
    this.invite = new SipRequest("INVITE", this.o.target, h, Buffer.from(this.o.offerSdp));
    this.state = "Dialing";
    this.tx = this.o.ctx.transactions.sendRequest(this.invite, flow, {
      onResponse: (res) => this.onResponse(res),
      onTimeout: () => this.fail(408, "Request Timeout"),
      onTransportError: () => this.fail(503, "Service Unavailable"),
    }) as InviteClientTransaction;
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

  private onSuccess(res: SipResponse): void {
    if (!this.invite) return;
    if (!this.dialog) {
      const d = Dialog.fromResponse(this.invite, res, this.o.flow, this.o.callerId.num || "switchboard");
      if (!d) return;
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
    this.emit("answered", sdpOf(res));
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
    if (this.state === "Up") {
      this.state = "Hungup";
      this.sendBye();
      return;
    }
    this.cancel();
  }

  /** The far end hung up (its BYE was answered by the call manager). */
  remoteBye(): void {
    if (this.state !== "Up") return;
    this.state = "Hungup";
    this.emit("remoteHangup");
  }

  close(): void {
    this.tx = undefined;
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
