/**
 * The UAS side of an INVITE session (RFC 3261 §13.3): provisional responses, unreliable or
 * reliable (RFC 3262: RSeq, retransmitted until PRACK, the 2xx held while an SDP-carrying one is
 * unacknowledged), the 2xx retransmitted until the ACK on every transport with `ackTimeout` after
 * 64*T1, rejection, CANCEL, and the session timer of the 2xx (RFC 4028 §9) in either role. An
 * INVITE without exactly one SIP or SIPS Contact gets no session at all (400, §8.1.1.8).
 *
 *   Initial ──provisional()──> Early ──accept()──> Confirmed ──ACK──> (confirmed event)
 *      │                         │                     └── 64*T1 without ACK: ackTimeout, BYE
 *      └── reject() / CANCEL / PRACK timeout ──────────────────────────────────> Terminated
 */
import { SipResponseError } from "../../core/errors.js";
import { Dialog } from "../dialog/dialog.js";
import { newTag } from "../message/identifiers.js";
import type { SipRequest, SipResponse } from "../message/message.js";
import { parseCSeq } from "../parser/index.js";
import type { Flow } from "../transport/types.js";
import type { Refresher } from "./extension-headers.js";
import { dialogContactProblem } from "./dialog-contact.js";
import { InviteSession, type InviteSessionEvents, type InviteSessionOptions } from "./invite-session.js";
import { bodyOf, type SessionBody } from "./message-factory.js";
import type { InviteServerPort } from "./ports.js";
import { ReliableProvisionals } from "./reliable-provisionals.js";

export interface ServerInviteSessionEvents extends InviteSessionEvents {
  /** Our 2xx to the INVITE went out (emitted synchronously with it). */
  accepted: [];
  /** The ACK for our 2xx to the INVITE arrived: the dialog is confirmed both ways. */
  confirmed: [ack: SipRequest];
  /** The caller CANCELled before our final response (the 487 is sent by the CANCEL's handler, §9.2). */
  cancelled: [];
  /** RFC 3262 §3: 64*T1 without a PRACK; the INVITE was answered 500. */
  prackTimeout: [status: number, seconds: number];
}

/** The session timer agreed for the 2xx (the PBX's policy decided it). */
export interface ServerSessionTimerTerms {
  interval: number;
  /** `uac`: the caller refreshes and we end the call when it stops; `uas`: we refresh. */
  refresher: Refresher;
}

export interface ServerInviteSessionOptions extends InviteSessionOptions {
  invite: SipRequest;
  tx: InviteServerPort;
  flow: Flow;
  /** Send 18x reliably (RFC 3262), as agreed from the INVITE's Supported/Require. */
  reliable: boolean;
  sessionTimer?: ServerSessionTimerTerms | undefined;
  localTag?: string;
}

export class ServerInviteSession extends InviteSession<ServerInviteSessionEvents> {
  readonly invite: SipRequest;
  readonly localTag: string;
  readonly inviteSeq: number;
  private readonly dlg: Dialog;
  private finalSent = false;
  private answering: Promise<boolean> | undefined;
  private readonly reliable: ReliableProvisionals | undefined;
  /** Our offer in a reliable 18x was answered in its PRACK: the 2xx is no new offer. */
  private earlyExchanged = false;

  /**
   * Throws `SipResponseError(400)` for an INVITE whose Contact cannot be a remote target
   * (dialog-contact.ts); the pipeline edge answers it.
   */
  constructor(private readonly so: ServerInviteSessionOptions) {
    super(so);
    // §8.1.1.8: "the Contact header field MUST be present and contain exactly one SIP or SIPS URI
    // in any request that can result in the establishment of a dialog."
    const problem = dialogContactProblem(so.invite);
    if (problem) throw new SipResponseError(problem.status, problem.reason, [], problem.detail);
    this.invite = so.invite;
    // RFC 3261 §19.3: tags "MUST be globally unique and cryptographically random".
    this.localTag = so.localTag ?? newTag();
    this.inviteSeq = parseCSeq(so.invite.headers.get("CSeq") ?? "")?.seq ?? 0;
    this.dlg = Dialog.fromInvite(so.invite, this.localTag, so.flow, so.contactUser);
    this.oa.remoteInvite = this.inviteSeq;
    if (bodyOf(so.invite)) this.oa.remoteOffer(this.inviteSeq);
    this.noteAllow(so.invite);
    if (so.reliable) {
      this.reliable = new ReliableProvisionals({
        clock: so.env.clock,
        T1: so.env.transactions.timers.T1,
        inviteSeq: this.inviteSeq,
        transmit: (res) => so.tx.respond(res),
        onGiveUp: (status) => this.prackTimeout(status),
      });
    }
  }

  get dialog(): Dialog {
    return this.dlg;
  }

  get callId(): string {
    return this.dlg.state.callId;
  }

  /** A final response went out (or a CANCEL ended the INVITE). */
  get answered(): boolean {
    return this.finalSent;
  }

  protected ownsCallId(): boolean {
    return false;
  }

  /** A response to the INVITE; 101-299 establish the dialog and carry Record-Route and Contact. */
  private response(status: number, body: SessionBody | undefined, headers: Array<[string, string]> = [], reason?: string): SipResponse {
    const establishes = status > 100 && status < 300;
    return this.factory.response(this.invite, status, {
      toTag: this.localTag,
      ...(reason ? { reason } : {}),
      ...(establishes ? { contact: { flow: this.dlg.flow, user: this.dlg.contactUser, secure: this.dlg.state.secure }, allow: this.o.allow, supported: this.o.supported } : {}),
      headers,
      body,
    });
  }

  /**
   * Sends a 1xx (not 100). Reliable when agreed (RFC 3262 §3); a reliable one with SDP is the
   * answer to the INVITE's offer.
   */
  provisional(status: number, body?: SessionBody): void {
    if (this.finalSent || this.state === "Terminated" || this.answering) return;
    if (this.state === "Initial") this.state = "Early";
    const res = this.response(status, body);
    if (this.reliable) {
      this.reliable.send(res);
      if (body && this.localBody === undefined) {
        // RFC 3262 §5: a reliable 18x with SDP answers the INVITE's offer; to an offerless
        // INVITE it is our offer, and "the UAC MUST generate an answer in the PRACK".
        if (this.oa.state === "RemoteOffer") this.oa.answered();
        else if (this.oa.state === "Stable" && !bodyOf(this.invite)) this.oa.localOffer(this.inviteSeq);
        this.localBody = body;
      }
    } else this.so.tx.respond(res);
  }

  /** True while reliable provisionals are on for this INVITE. */
  get reliableProvisionals(): boolean {
    return this.reliable !== undefined;
  }

  /**
   * Answers 2xx. RFC 3262 §3: the UAS MAY send the final response before all PRACKs "unless the
   * final response is 2xx and any of the unacknowledged reliable provisional responses contained a
   * session description. In that case, it MUST NOT send a final response until those provisional
   * responses are acknowledged." Resolves true once the 2xx is out, false when the session ended
   * first (CANCEL, PRACK timeout, reject()).
   */
  accept(body?: SessionBody, headers: Array<[string, string]> = []): Promise<boolean> {
    if (this.finalSent || this.state === "Terminated") return Promise.resolve(false);
    this.answering ??= (async () => {
      if (this.reliable?.pendingWithSdp) await this.reliable.whenSdpAcked();
      if (this.finalSent || this.state === "Terminated") return false;
      this.sendAnswer(body, headers);
      return true;
    })();
    return this.answering;
  }

  private sendAnswer(body: SessionBody | undefined, extra: Array<[string, string]>): void {
    this.finalSent = true;
    this.state = "Confirmed";
    const terms = this.so.sessionTimer;
    const headers: Array<[string, string]> = [];
    if (terms && this.o.sessionTimers) {
      // RFC 4028 §9: the 2xx carries the Session-Expires and names the refresher; "If the
      // refresher parameter in the Session-Expires header field in the 2xx response has a value of
      // 'uac', the UAS MUST place a Require header field into the response with the value 'timer'."
      headers.push(["Session-Expires", `${terms.interval};refresher=${terms.refresher}`], ["Require", "timer"]);
    }
    const res = this.response(200, body, [...headers, ...extra]);
    // A session description already exchanged in a reliable 18x and its PRACK (RFC 3262 §5) is
    // not offered again: the 2xx repeats it (RFC 6337 §3.1.1) and the ACK carries no answer.
    if (body && !this.earlyExchanged) {
      if (this.oa.state === "RemoteOffer") this.oa.answered();
      else if (this.oa.state === "Stable" && !bodyOf(this.invite)) this.oa.localOffer(this.inviteSeq, true);
      this.localBody = body;
    }
    this.oa.remoteInvite = undefined;
    this.sendAccepted(this.inviteSeq, () => this.so.tx.respond(res), () => this.ackTimedOut());
    this.reliable?.finalSent();
    if (terms && this.o.sessionTimers) this.refresh.start(terms.interval, terms.refresher === "uas" ? "refresher" : "non-refresher");
    this.emit("accepted");
  }

  /**
   * §13.3.1.4: "the dialog is confirmed, but the session SHOULD be terminated ... with a BYE". A
   * session we already ended has its BYE held for this ACK; the shared ackSettled() sends it.
   */
  private ackTimedOut(): void {
    if (this.state === "Terminated") return;
    this.emit("ackTimeout");
    this.bye("ack-timeout");
  }

  protected override acknowledged(seq: number): void {
    if (seq === this.inviteSeq && this.state !== "Terminated") this.emit("confirmed", this.invite);
    super.acknowledged(seq);
  }

  /** Rejects the INVITE with a final non-2xx response (before any 2xx). */
  reject(status: number, reason?: string, headers: Array<[string, string]> = []): void {
    if (this.finalSent || this.state === "Terminated") return;
    this.finalSent = true;
    this.oa.remoteInvite = undefined;
    this.so.tx.respond(this.response(status, undefined, headers, reason));
    this.reliable?.finalSent();
    this.terminate("rejected");
  }

  /**
   * A CANCEL matched our INVITE (§9.2). Returns false when the final response already went out
   * (the CANCEL then has no effect on the session).
   */
  cancelled(): boolean {
    if (this.finalSent || this.state === "Terminated") return false;
    this.finalSent = true;
    this.reliable?.finalSent();
    this.emit("cancelled");
    this.terminate("cancelled");
    return true;
  }

  protected override receivePrack(req: SipRequest): number {
    // RFC 3262 §3: 2xx for a PRACK that acknowledges one of our reliable 18x, 481 otherwise.
    const status = this.reliable?.onPrack(req) ?? 481;
    if (status === 200 && this.oa.awaitsAnswerTo(this.inviteSeq) && this.localBody !== undefined) {
      // §5: the answer to the offer of our reliable 18x comes in its PRACK.
      const body = bodyOf(req);
      if (body) {
        this.oa.answered();
        this.earlyExchanged = true;
        if (this.state !== "Terminated") this.emitShared("answer", body);
      }
    }
    return status;
  }

  protected override receiveBye(req: SipRequest): void {
    if (!this.finalSent) {
      // §15.1.2: "the UAS MUST still respond to any pending requests received for that dialog. It
      // is RECOMMENDED that a 487 (Request Terminated) response be generated to those pending
      // requests."
      this.finalSent = true;
      this.so.tx.respond(this.response(487, undefined));
      this.reliable?.finalSent();
    }
    super.receiveBye(req);
  }

  /**
   * RFC 3262 §3: 64*T1 without a PRACK; "the UAS SHOULD reject the original request with a 5xx
   * response".
   */
  private prackTimeout(status: number): void {
    if (this.finalSent || this.state === "Terminated") return;
    const secs = (64 * this.timers.T1) / 1000;
    this.finalSent = true;
    this.so.tx.respond(this.response(500, undefined, [["Warning", `399 switchboard "no PRACK for reliable ${status} within ${secs} s"`]], "Server Internal Error"));
    this.emit("prackTimeout", status, secs);
    this.terminate("failed");
  }

  /**
   * BYE once the 2xx went out. Before the final response there is no dialog to end with BYE: the
   * INVITE is answered 487 instead (§15.1.2 recommends it for requests pending at teardown).
   */
  override bye(reason?: Parameters<InviteSession["bye"]>[0]): void {
    if (!this.finalSent) {
      this.reject(487);
      return;
    }
    super.bye(reason);
  }

  /** Ends the session from our side: a final response before answer (`status`), BYE after. */
  hangup(status: number, reason?: string): void {
    if (!this.finalSent) this.reject(status, reason);
    else this.bye();
  }

  override close(): void {
    super.close();
    this.reliable?.close();
  }

  override dump(): Record<string, unknown> {
    return { ...super.dump(), role: "uas", finalSent: this.finalSent, reliable: this.reliable?.dump() };
  }
}
