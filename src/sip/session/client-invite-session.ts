/**
 * The UAC side of an INVITE session (RFC 3261 §13.2): sends the INVITE, keeps one early dialog
 * per To tag (forking, §13.2.2.4), PRACKs reliable provisionals (RFC 3262 §4), ACKs every 2xx
 * itself (a retransmission gets the same ACK again), lets the first 2xx win and ACKs and BYEs any
 * later one from another fork, CANCELs only after a provisional response (§9.1) and ACKs and BYEs
 * a 2xx that crossed its CANCEL (reliable provisionals are still PRACKed until the final
 * response), and takes the session timer the 2xx names (RFC 4028 §7.2).
 *
 *   Initial ──1xx──> Early ──first 2xx──> Confirmed ──BYE / 481 / 408 / expiry──> Terminated
 *      │               │  later 2xx of other forks: ACK + BYE
 *      └── 3xx-6xx, Timer B, transport error, cancel() ─────────────────────────> Terminated
 */
import { Dialog } from "../dialog/dialog.js";
import type { SipRequest, SipResponse } from "../message/message.js";
import { parseCSeq } from "../parser/index.js";
import type { Flow } from "../transport/types.js";
import { dialogTagOf } from "./dialog-tags.js";
import { ExpiringMap } from "./expiring-map.js";
import { optionTagsOf, parseRSeq } from "./extension-headers.js";
import { InviteSession, MAX_CHALLENGES, type InviteSessionEvents, type InviteSessionOptions } from "./invite-session.js";
import { bodyOf, type SessionBody } from "./message-factory.js";

export interface ClientInviteSessionEvents extends InviteSessionEvents {
  /** A 1xx other than 100 (a reliable one once PRACKed; retransmissions are not repeated). */
  provisional: [res: SipResponse, body: SessionBody | undefined];
  /** The first 2xx: the session is up (the ACK went out already). */
  accepted: [res: SipResponse, body: SessionBody | undefined];
  /** A final failure: 3xx-6xx, 408 for Timer B, 503 for a transport error. Not after cancel(). */
  failed: [status: number, reason: string];
}

export interface ClientInviteSessionOptions extends InviteSessionOptions {
  flow: Flow;
  /** The Request-URI (the contact we call) and, unless `to` says otherwise, the To URI. */
  requestUri: string;
  to?: string;
  from: { user: string; display?: string | undefined; host?: string | undefined };
  /** Route header values: a preloaded route set (§8.1.2, the outbound proxy). */
  route?: readonly string[] | undefined;
  /** Our offer (RFC 3264); the answer comes in a reliable 18x or the 2xx. */
  body?: SessionBody | undefined;
  /** Option tags the callee must support (e.g. `100rel` for 100rel=required). */
  require?: string | undefined;
  headers?: ReadonlyArray<readonly [string, string]>;
}

/** The most losing forks (and 2xx that crossed our CANCEL) whose dialogs a session remembers. */
const MAX_LOSING_FORKS = 16;

interface EarlyDialog {
  dialog: Dialog;
  lastRSeq: number | undefined;
}

export class ClientInviteSession extends InviteSession<ClientInviteSessionEvents> {
  /** Our INVITE; replaced by its resubmission with credentials after a 401/407 (§22.2). */
  invite: SipRequest;
  inviteSeq: number;
  readonly localTag: string;
  private confirmed: Dialog | undefined;
  /** Early dialogs by the callee's To tag (forking). */
  private readonly early = new Map<string, EarlyDialog>();
  /**
   * Dialogs of 2xx that lost the race (or crossed our CANCEL): ACKed and BYEd; a retransmission
   * is ACKed again without a second BYE. Bounded like the ACK cache: 64*T1, MAX_LOSING_FORKS.
   */
  private readonly losers: ExpiringMap<Dialog>;
  private provisionalSeen = false;
  private cancelRequested = false;
  private cancelSent = false;
  private started = false;
  /** Challenges (401/407) our INVITE was resubmitted for. */
  private challenges = 0;

  constructor(private readonly co: ClientInviteSessionOptions) {
    super(co);
    this.invite = co.factory.request({
      method: "INVITE",
      requestUri: co.requestUri,
      flow: co.flow,
      from: co.from,
      to: co.to ?? `<${co.requestUri}>`,
      contactUser: co.contactUser,
      route: co.route,
      allow: co.allow,
      supported: co.supported,
      require: co.require,
      headers: co.headers ?? [],
      body: co.body,
    });
    this.inviteSeq = parseCSeq(this.invite.headers.get("CSeq") ?? "")?.seq ?? 1;
    this.localTag = dialogTagOf(this.invite.headers.get("From"));
    this.losers = new ExpiringMap({ clock: co.env.clock, lifetimeMs: () => 64 * this.timers.T1, max: MAX_LOSING_FORKS });
  }

  get callId(): string {
    return this.invite.headers.get("Call-ID") ?? "";
  }

  get dialog(): Dialog | undefined {
    return this.confirmed;
  }

  protected ownsCallId(): boolean {
    return true;
  }

  /** The peer's tags of the early dialogs (one per fork whose provisional had a To tag), oldest first. */
  get earlyRemoteTags(): string[] {
    return this.confirmed ? [] : [...this.early.keys()];
  }

  override dialogFor(remoteTag: string | undefined): Dialog | undefined {
    const tag = remoteTag ?? "";
    if (this.confirmed) return this.confirmed.state.remoteTag === tag ? this.confirmed : undefined;
    return this.early.get(tag)?.dialog;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.oa.localInvite = this.inviteSeq;
    if (this.co.body) {
      this.oa.localOffer(this.inviteSeq);
      this.localBody = this.co.body;
    }
    this.send();
  }

  private send(): void {
    this.o.env.transactions.sendRequest(this.invite, this.co.flow, {
      onResponse: (res) => this.onResponse(res),
      onTimeout: () => this.fail(408, "Request Timeout"),
      onTransportError: () => this.fail(503, "Service Unavailable"),
    });
  }

  private onResponse(res: SipResponse): void {
    if (res.status < 200) {
      this.onProvisional(res);
      return;
    }
    if (res.status < 300) {
      this.onSuccess(res);
      return;
    }
    if ((res.status === 401 || res.status === 407) && this.resubmit(res)) return;
    this.oa.localInvite = undefined;
    this.fail(res.status, res.reason);
  }

  /**
   * §22.2: a 401/407 to our INVITE is answered with credentials (the endpoint's outbound_auth) in
   * a new INVITE transaction: same Call-ID, From tag and offer, CSeq one higher. False when there
   * are none to give, the attempt was cancelled meanwhile, or the challenges keep coming.
   */
  private resubmit(res: SipResponse): boolean {
    if (this.cancelRequested || this.state === "Terminated" || this.isClosed) return false;
    if (++this.challenges > MAX_CHALLENGES) return false;
    const credentials = this.co.challenge?.(this.invite, res, this.challenges);
    if (!credentials) return false;
    const oldSeq = this.inviteSeq;
    this.inviteSeq = oldSeq + 1;
    this.invite = this.factory.resubmit(this.invite, this.co.flow, this.inviteSeq, credentials);
    // A 1xx to the old INVITE says nothing of the new one: CANCEL waits for one to it (§9.1).
    this.provisionalSeen = false;
    this.oa.localInvite = this.inviteSeq;
    if (this.co.body) {
      this.oa.rollback(oldSeq);
      this.oa.localOffer(this.inviteSeq);
    }
    this.send();
    return true;
  }

  private onProvisional(res: SipResponse): void {
    if (res.status === 100) return;
    this.provisionalSeen = true;
    const reliable = optionTagsOf(res).required.has("100rel") && res.headers.get("RSeq") !== undefined;
    if (this.cancelRequested) {
      this.sendCancel();
      // RFC 3262 §4: the UAC MUST send a PRACK for a reliable provisional response; a CANCEL
      // changes nothing until the final response ends the INVITE. Unacknowledged, the UAS
      // retransmits it for 64*T1 (and may answer 5xx instead of the 487 our CANCEL asked for).
      const early = reliable && !this.isClosed ? this.earlyDialogOf(res) : undefined;
      if (early) this.prack(res, early);
      return;
    }
    // After the first 2xx, a late provisional of another fork changes nothing.
    if (this.state === "Terminated" || this.state === "Confirmed") return;
    const early = this.earlyDialogOf(res);
    // §12.1.2 / RFC 3262: a provisional with a To tag refreshes the early dialog's target.
    early?.dialog.refreshTarget(res);
    if (reliable && early && !this.prack(res, early)) return;
    if (this.state === "Initial") this.state = "Early";
    const body = bodyOf(res);
    // RFC 3262 §5: the session description in a reliable provisional answers our offer.
    if (reliable && body && this.oa.awaitsAnswerTo(this.inviteSeq)) this.oa.answered();
    this.emit("provisional", res, body);
  }

  /** The early dialog of a provisional with a To tag, created on its first provisional. */
  private earlyDialogOf(res: SipResponse): EarlyDialog | undefined {
    const toTag = dialogTagOf(res.headers.get("To"));
    if (!toTag) return undefined;
    let early = this.early.get(toTag);
    if (!early) {
      const d = Dialog.fromResponse(this.invite, res, this.co.flow, this.co.contactUser);
      if (!d) return undefined;
      early = { dialog: d, lastRSeq: undefined };
      this.early.set(toTag, early);
    }
    return early;
  }

  /**
   * RFC 3262 §4: "If a provisional response is received for an initial request, and that response
   * contains a Require header field containing the option tag 100rel, the response is to be sent
   * reliably ... the UAC MUST send a PRACK" in the early dialog, with RAck naming its RSeq and the
   * INVITE's CSeq. "the UAC MUST NOT send a PRACK for a retransmission"; "If the UAC receives
   * another reliable provisional response to the same request, and its RSeq value is not one
   * higher than the value of the sequence number, that response MUST NOT be acknowledged with a
   * PRACK". Returns false for such a response (it is not passed up either).
   */
  private prack(res: SipResponse, early: EarlyDialog): boolean {
    const rseq = parseRSeq(res.headers.get("RSeq"));
    if (rseq === undefined) return true;
    if (early.lastRSeq !== undefined && rseq !== early.lastRSeq + 1) return false;
    early.lastRSeq = rseq;
    const prack = this.factory.inDialog(early.dialog, "PRACK", { headers: [["RAck", `${rseq} ${this.inviteSeq} INVITE`]] });
    this.o.env.transactions.sendRequest(prack, early.dialog.flow, { onResponse: () => {}, onTimeout: () => {} });
    return true;
  }

  /** A 2xx: from the transaction, or stray after it ended (§13.2.2.4: both are ACKed). */
  private onSuccess(res: SipResponse): void {
    // A 2xx without a To tag (an RFC 2543 UAS) is a dialog with the null tag "" (§12.1.2).
    const toTag = dialogTagOf(res.headers.get("To"));
    if (this.confirmed?.state.remoteTag === toTag) {
      this.sendAck(this.confirmed, this.inviteSeq, res);
      return;
    }
    const known = this.losers.get(toTag);
    if (known) {
      this.sendAck(known, this.inviteSeq, res);
      return;
    }
    const d = Dialog.fromResponse(this.invite, res, this.co.flow, this.co.contactUser);
    if (!d) return;
    // PRACKs in the early dialog used CSeq numbers after the INVITE's; the confirmed dialog
    // continues from there (§12.2.1.1: the local CSeq increases by one per request).
    const early = this.early.get(toTag);
    if (early) d.state.localSeq = Math.max(d.state.localSeq, early.dialog.state.localSeq);
    this.sendAck(d, this.inviteSeq, res);
    if (this.confirmed || this.cancelRequested || this.state === "Terminated") {
      // §13.2.2.4: "If, after acknowledging any 2xx response to an INVITE, the UAC does not want
      // to continue with that dialog, then the UAC MUST terminate the dialog by sending a BYE
      // request". Later forks lose; a 2xx that crossed our CANCEL (§9.1) is ended the same way.
      this.losers.set(toTag, d);
      this.sendBye(d);
      return;
    }
    this.confirmed = d;
    this.state = "Confirmed";
    this.oa.localInvite = undefined;
    const body = bodyOf(res);
    if (this.oa.awaitsAnswerTo(this.inviteSeq)) this.oa.answered();
    this.noteAllow(res);
    this.early.clear();
    this.refresh.answerOurs(res);
    this.emit("accepted", res, body);
  }

  /**
   * A 2xx to our INVITE after its transaction ended: a retransmission (the same ACK again), or a
   * fork we do not keep (ACK, then BYE: §13.2.2.4). A 2xx to a re-INVITE is the base class's.
   */
  override receiveStrayResponse(res: SipResponse): boolean {
    const cseq = parseCSeq(res.headers.get("CSeq") ?? "");
    if (cseq?.method === "INVITE" && cseq.seq === this.inviteSeq && res.status >= 200 && res.status < 300) {
      if (!dialogTagOf(res.headers.get("To"))) return false;
      this.onSuccess(res);
      return true;
    }
    return super.receiveStrayResponse(res);
  }

  private fail(status: number, reason: string): void {
    if (this.state === "Terminated" || this.state === "Confirmed") return;
    if (!this.cancelRequested) this.emit("failed", status, reason);
    this.terminate(this.cancelRequested ? "cancelled" : "failed");
  }

  /**
   * Stops the attempt (the caller went away, another fork answered, Dial timed out); a confirmed
   * session is ended with BYE. §9.1: "a CANCEL request SHOULD NOT be sent to cancel an INVITE
   * unless a provisional response has been received"; without one the CANCEL waits for it, and
   * the INVITE transaction's Timer B ends the attempt otherwise.
   */
  cancel(): void {
    if (this.state === "Confirmed") {
      this.bye();
      return;
    }
    if (this.state === "Terminated" || this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.provisionalSeen) this.sendCancel();
    this.terminate("cancelled");
  }

  override bye(reason?: Parameters<InviteSession["bye"]>[0]): void {
    if (this.state !== "Confirmed") {
      this.cancel();
      return;
    }
    super.bye(reason);
  }

  private sendCancel(): void {
    if (this.cancelSent) return;
    this.cancelSent = true;
    this.o.env.transactions.sendRequest(this.factory.cancel(this.invite), this.co.flow, { onResponse: () => {}, onTimeout: () => {} });
  }

  override close(): void {
    super.close();
    this.early.clear();
    this.losers.clear();
  }

  override dump(): Record<string, unknown> {
    return { ...super.dump(), role: "uac", earlyDialogs: [...this.early.keys()], losingForks: this.losers.size, cancelled: this.cancelRequested };
  }
}
