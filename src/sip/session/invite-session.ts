/**
 * What the UAS and the UAC side of an INVITE session share (RFC 3261 §12-§15, RFC 3264, RFC
 * 3311, RFC 4028): requests inside the dialog (BYE, re-INVITE, UPDATE, INFO …), re-INVITE and
 * UPDATE in both directions with their offer/answer state and glare rules, the 2xx to an INVITE
 * retransmitted until its ACK (one implementation for initial and re-INVITEs, accepted-response.ts)
 * with our BYE and re-INVITEs held until that ACK or the give-up, the ACKs we send for 2xx (a
 * bounded cache for their retransmissions), target refresh, the session timer in either role,
 * and BYE.
 *
 *   Initial ──1xx with To tag──> Early ──2xx──> Confirmed ──BYE (either way), 481/408,
 *      │                          │                          session expiry, ACK timeout──> Terminated
 *      └──────── final non-2xx, CANCEL ──────────────────────────────────────────────────> Terminated
 */
import { TypedEmitter, type EventMap } from "../../core/emitter.js";
import type { Dialog } from "../dialog/dialog.js";
import type { SipRequest, SipResponse } from "../message/message.js";
import { parseCSeq } from "../parser/index.js";
import { AcceptedResponse } from "./accepted-response.js";
import { dialogTagOf } from "./dialog-tags.js";
import { bodyOf, withCredentials, type MessageFactory, type SessionBody } from "./message-factory.js";
import { OfferAnswer } from "./offer-answer.js";
import type { Respond, SessionEnvironment } from "./ports.js";
import { SentAcks } from "./sent-acks.js";
import { SessionRefresh, type SessionTimerPolicy } from "./session-refresh.js";

export type { SessionTimerPolicy };

export type SessionState = "Initial" | "Early" | "Confirmed" | "Terminated";

export type TerminationReason =
  | "bye-sent"
  | "bye-received"
  | "rejected"
  | "cancelled"
  | "failed"
  | "ack-timeout"
  | "session-expired"
  /** §12.2.1.2: a 481 or 408 to a request inside the dialog. */
  | "dialog-gone"
  | "closed";

export interface InviteSessionEvents extends EventMap {
  /** An answer to our offer arrived: in an ACK (offer in our 2xx) or in a 2xx to our re-INVITE/UPDATE. */
  answer: [body: SessionBody];
  /** The peer sent BYE (already answered 200). */
  bye: [req: SipRequest];
  /** The session ended, whichever way; emitted once. */
  terminated: [reason: TerminationReason];
  /** A re-INVITE/UPDATE from the peer was refused for an unfinished exchange (§14.2). */
  glare: [method: string, status: 491 | 500];
  /** 64*T1 without an ACK for our 2xx to the initial INVITE (§13.3.1.4); a BYE follows. */
  ackTimeout: [];
  /** RFC 4028 §10: no refresh in time; a BYE follows. */
  sessionExpired: [interval: number];
  /** We are the refresher but cannot refresh (no UPDATE allowed and no session description to repeat). */
  refreshFailed: [reason: string];
  /** INFO, MESSAGE, NOTIFY, OPTIONS inside the dialog (answered 200). */
  request: [req: SipRequest];
}

/** A re-INVITE or UPDATE we send (modify()). */
export interface ModifySpec {
  method: "INVITE" | "UPDATE";
  /** Our offer; required for a re-INVITE, none for a refresh UPDATE. */
  body?: SessionBody | undefined;
  headers?: Array<[string, string]>;
  supported?: string;
}

/** A re-INVITE or UPDATE from the peer, for the delegate to answer. */
export interface ModifyRequest {
  method: "INVITE" | "UPDATE";
  /** The peer's offer; undefined for an offerless re-INVITE (our 2xx must offer) or a refresh UPDATE. */
  offer: SessionBody | undefined;
  request: SipRequest;
}

/** 2xx with the answer (or our offer, for an offerless re-INVITE), or a failure status. */
export interface ModifyOutcome {
  status: number;
  reason?: string;
  body?: SessionBody | undefined;
  headers?: ReadonlyArray<readonly [string, string]>;
}

/** A final status for a request the delegate took (REFER: 202, or a refusal). */
export interface RequestOutcome {
  status: number;
  reason?: string;
  headers?: ReadonlyArray<readonly [string, string]>;
}

export interface InviteSessionDelegate {
  /** Decides the answer to a re-INVITE or UPDATE (media is the PBX's business). */
  onModify?(m: ModifyRequest): ModifyOutcome;
  /** A REFER inside the dialog (RFC 3515 §2.4.2); without this delegate it is answered 405. */
  onRefer?(req: SipRequest): RequestOutcome;
}

/**
 * Answers a 401/407 to one of our requests (RFC 3261 §22.2): the header to add (Authorization or
 * Proxy-Authorization and its value), or undefined to give up (the responder says why in its
 * log). `attempt` counts the challenges to this request so far (1 for the first), so a responder
 * can refuse a second challenge after its credentials unless the nonce was only stale.
 */
export type ChallengeResponder = (req: SipRequest, res: SipResponse, attempt: number) => readonly [string, string] | undefined;

/** The most challenges one request is resubmitted for (stale nonces, a proxy then the callee). */
export const MAX_CHALLENGES = 3;

export interface InviteSessionOptions {
  env: SessionEnvironment;
  factory: MessageFactory;
  /** Our Allow and Supported for messages that establish or refresh the dialog (the PBX's list). */
  allow: string;
  supported: string;
  /** Our Contact's user part. */
  contactUser: string;
  sessionTimers?: SessionTimerPolicy | undefined;
  /** Credentials for challenges to our INVITE, re-INVITEs, UPDATEs and BYE (a trunk's outbound_auth). */
  challenge?: ChallengeResponder | undefined;
}

/** A re-INVITE of ours waiting for the ACK to our 2xx (§14.1). */
interface QueuedModify {
  o: ModifySpec & { challenges?: number };
  retried: boolean;
  onFinal: (res: SipResponse | undefined) => void;
}

export abstract class InviteSession<E extends InviteSessionEvents = InviteSessionEvents> extends TypedEmitter<E> {
  state: SessionState = "Initial";
  delegate: InviteSessionDelegate = {};
  protected readonly oa = new OfferAnswer();
  /** Our 2xx to INVITEs (initial and re-INVITEs) awaiting their ACK, by CSeq. */
  protected readonly accepted = new Map<number, AcceptedResponse>();
  /** ACKs we sent for 2xx to our INVITEs (bounded); only 2xx that matched one of our INVITEs add one. */
  protected readonly acks: SentAcks;
  /** RFC 4028: the session timer, its role and the refresh rules. */
  protected readonly refresh: SessionRefresh;
  /** The session description we sent last; a re-INVITE refresh repeats it (RFC 4028 §7.4). */
  protected localBody: SessionBody | undefined;
  /** The methods the peer listed in Allow, when it listed any. */
  protected peerAllow: string[] | undefined;
  /** BYE to send once no 2xx of ours awaits its ACK (§15: not before the ACK or the give-up). */
  protected byeAfterAck = false;
  /**
   * The peer answered a refresh UPDATE 405 or 501: it takes no UPDATE in this dialog, so refreshes
   * are re-INVITEs from then on.
   */
  private updateRefused = false;
  /** Our re-INVITEs waiting until no 2xx of ours awaits its ACK (§14.1). */
  private readonly queued: QueuedModify[] = [];
  private readonly retryTimers = new Set<{ cancel(): void }>();
  private closed = false;

  protected constructor(protected readonly o: InviteSessionOptions) {
    super();
    this.acks = new SentAcks({ clock: o.env.clock, transactions: o.env.transactions, factory: () => this.factory });
    this.refresh = new SessionRefresh(o.sessionTimers, {
      clock: o.env.clock,
      active: () => this.state === "Confirmed",
      send: (headers, onFinal) => this.sendRefresh(headers, onFinal),
      expired: (interval) => this.sessionExpired(interval),
      cannotRefresh: () => this.emitShared("refreshFailed", "the peer does not allow UPDATE and there is no session description to repeat in a re-INVITE"),
      later: (ms, fn) => this.later(ms, fn),
    });
  }

  abstract get dialog(): Dialog | undefined;
  abstract get callId(): string;
  abstract get localTag(): string;

  /**
   * The dialog a request from the peer with this From tag belongs to (forking: several early
   * dialogs). A missing tag is the empty one (dialog-tags.ts: RFC 2543 peers send none).
   */
  dialogFor(remoteTag: string | undefined): Dialog | undefined {
    const d = this.dialog;
    return d && d.state.remoteTag === (remoteTag ?? "") ? d : undefined;
  }

  protected get timers() {
    return this.o.env.transactions.timers;
  }

  /** close() ran: nothing is sent any more. */
  protected get isClosed(): boolean {
    return this.closed;
  }

  protected get factory(): MessageFactory {
    return this.o.factory;
  }

  /** Emits an event of the shared map from code that does not know the subclass's map. */
  protected emitShared<K extends keyof InviteSessionEvents>(event: K, ...args: InviteSessionEvents[K]): void {
    (this as unknown as TypedEmitter<InviteSessionEvents>).emit(event, ...args);
  }

  /**
   * A request inside this session's dialog, routed here by the session layer after the §12.2.2
   * checks (dialog exists, CSeq in order).
   */
  receiveRequest(req: SipRequest, respond: Respond, dialog: Dialog | undefined = this.dialog): void {
    const f = this.factory;
    if (this.state === "Terminated") {
      // Late retransmissions after our BYE crossed theirs are answered, not 481'd.
      respond(f.response(req, req.method === "BYE" ? 200 : 481));
      return;
    }
    switch (req.method) {
      case "BYE":
        respond(f.response(req, 200));
        this.receiveBye(req);
        return;
      case "INVITE":
      case "UPDATE":
        this.receiveModify(req, respond, dialog);
        return;
      case "PRACK":
        respond(f.response(req, this.receivePrack(req)));
        return;
      case "INFO":
      case "OPTIONS":
      case "NOTIFY":
      case "MESSAGE":
        respond(f.response(req, 200));
        this.emitShared("request", req);
        return;
      case "REFER":
        if (this.delegate.onRefer) {
          const out = this.delegate.onRefer(req);
          respond(f.response(req, out.status, { ...(out.reason !== undefined ? { reason: out.reason } : {}), headers: out.headers ?? [] }));
          return;
        }
        respond(f.response(req, 405, { allow: this.o.allow }));
        return;
      default:
        respond(f.response(req, 405, { allow: this.o.allow }));
    }
  }

  protected receiveBye(req: SipRequest): void {
    this.emitShared("bye", req);
    this.terminate("bye-received");
  }

  /** RFC 3262 PRACK; only a UAS that sent reliable provisionals has any to match. */
  protected receivePrack(_req: SipRequest): number {
    return 481;
  }

  /** The ACK for a 2xx (it matched no transaction; the session layer found the dialog). */
  receiveAck(ack: SipRequest): void {
    const seq = parseCSeq(ack.headers.get("CSeq") ?? "")?.seq;
    if (seq === undefined) return;
    const waiting = this.accepted.get(seq);
    if (!waiting) return; // a retransmitted ACK
    waiting.acked();
    this.accepted.delete(seq);
    if (this.oa.expectsAnswerInAck(seq)) {
      this.oa.answered();
      const body = bodyOf(ack);
      if (body && this.state !== "Terminated") this.emitShared("answer", body);
    }
    this.acknowledged(seq);
  }

  /** Hook: the ACK for our 2xx to the INVITE with this CSeq arrived. */
  protected acknowledged(_seq: number): void {
    this.ackSettled();
  }

  /**
   * Sends a 2xx to an INVITE and keeps resending it until the ACK (§13.3.1.4). The initial
   * INVITE's timeout ends the session; a re-INVITE's only drops its unanswered offer. Either way
   * the 2xx no longer awaits its ACK, so a BYE or a re-INVITE held for it goes out.
   */
  protected sendAccepted(seq: number, transmit: () => void, onTimeout: () => void): void {
    transmit();
    this.accepted.get(seq)?.close();
    const a = new AcceptedResponse({
      clock: this.o.env.clock,
      timers: () => this.timers,
      transmit,
      onTimeout: () => {
        if (this.accepted.get(seq) === a) this.accepted.delete(seq);
        onTimeout();
        this.ackSettled();
      },
    });
    this.accepted.set(seq, a);
    a.start();
  }

  /**
   * A 2xx of ours was ACKed or given up on. Once none awaits its ACK: the BYE held for it is sent
   * (§13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds without receiving an
   * ACK, the dialog is confirmed, but the session SHOULD be terminated. This is accomplished with
   * a BYE"), or else our queued re-INVITEs may start (§14.1).
   */
  private ackSettled(): void {
    if (this.accepted.size > 0) return;
    if (this.byeAfterAck) {
      this.sendBye();
      return;
    }
    if (this.queued.length === 0 || this.state !== "Confirmed") return;
    const queued = this.queued.splice(0);
    this.oa.localInviteQueued = false;
    for (const q of queued) this.sendModify(q.o, q.retried, q.onFinal);
  }

  /** Our queued re-INVITEs will not be sent (the session ended): their callers learn it. */
  private dropQueued(): void {
    const queued = this.queued.splice(0);
    this.oa.localInviteQueued = false;
    for (const q of queued) q.onFinal(undefined);
  }

  /** A re-INVITE or UPDATE from the peer (§14.2, RFC 3311 §5.2, RFC 4028 §9). */
  private receiveModify(req: SipRequest, respond: Respond, dialog: Dialog | undefined): void {
    const f = this.factory;
    const method = req.method as "INVITE" | "UPDATE";
    const seq = parseCSeq(req.headers.get("CSeq") ?? "")?.seq ?? 0;
    const offer = bodyOf(req);
    const minSe = this.refresh.tooSmall(req);
    if (minSe !== undefined) {
      // RFC 4028 §9 applies to refreshes as to the initial INVITE: 422 with our Min-SE.
      respond(f.response(req, 422, { reason: "Session Interval Too Small", headers: [["Min-SE", String(minSe)]] }));
      return;
    }
    const conflict = this.oa.conflict(method, offer !== undefined);
    if (conflict === 491) {
      this.emitShared("glare", method, 491);
      respond(f.response(req, 491));
      return;
    }
    if (conflict === 500) {
      this.emitShared("glare", method, 500);
      // §14.2: "... and MUST include a Retry-After header field with a randomly chosen value of
      // between 0 and 10 seconds."
      respond(f.response(req, 500, { headers: [["Retry-After", String(Math.floor(Math.random() * 11))]] }));
      return;
    }
    if (method === "INVITE") this.oa.remoteInvite = seq;
    if (offer) this.oa.remoteOffer(seq);
    let outcome: ModifyOutcome;
    try {
      outcome = this.delegate.onModify?.({ method, offer, request: req }) ?? defaultOutcome(method, offer);
    } catch (err) {
      // A failing delegate must not leave the offer (or the re-INVITE) pending: every later offer
      // would get 491 and every re-INVITE 500. The session stays as it was, the request gets 500,
      // and the error goes on to the caller, which logs it.
      this.oa.rollback(seq);
      respond(f.response(req, 500));
      throw err;
    } finally {
      if (method === "INVITE") this.oa.remoteInvite = undefined;
    }
    if (outcome.status >= 300 || outcome.status < 200) {
      // RFC 3264 §8 / RFC 6337: a rejected offer leaves the session as it was.
      this.oa.rollback(seq);
      respond(f.response(req, outcome.status < 200 ? 500 : outcome.status, { ...(outcome.reason ? { reason: outcome.reason } : {}), headers: outcome.headers ?? [] }));
      return;
    }
    // §12.2.2: "When a UAS receives a target refresh request, it MUST replace the dialog's remote
    // target URI with the URI from the Contact header field in that request, if present."
    dialog?.refreshTarget(req);
    // RFC 4028 §9 concerns refreshes of an established session: an UPDATE in an early dialog
    // (RFC 3311 §5.1) neither starts nor restarts the session timer.
    const timerHeaders = dialog === this.dialog && this.state === "Confirmed" ? this.refresh.answerPeerRefresh(req) : [];
    const res = f.response(req, outcome.status, {
      contact: dialog ? { flow: dialog.flow, user: dialog.contactUser, secure: dialog.state.secure } : undefined,
      allow: this.o.allow,
      supported: this.o.supported,
      headers: [...timerHeaders, ...(outcome.headers ?? [])],
      body: outcome.body,
    });
    if (offer) this.oa.answered();
    else if (outcome.body && method === "INVITE") this.oa.localOffer(seq, true);
    if (outcome.body) this.localBody = outcome.body;
    if (method === "INVITE") {
      this.sendAccepted(seq, () => respond(res), () => this.oa.rollback(seq));
    } else {
      respond(res);
    }
  }

  /** RFC 4028 §10: no refresh arrived; the non-refresher ends the session with BYE. */
  private sessionExpired(interval: number): void {
    if (this.state === "Terminated") return;
    this.emitShared("sessionExpired", interval);
    this.bye("session-expired");
  }

  /**
   * RFC 4028 §7.4: our refresh. UPDATE (RFC 3311) refreshes without a new offer/answer when the
   * peer allows it; otherwise a re-INVITE repeats our session description. An UPDATE the peer
   * refuses with 405 or 501 is followed at once by that re-INVITE, and the dialog's later
   * refreshes are re-INVITEs.
   */
  private sendRefresh(headers: Array<[string, string]>, onFinal: (res: SipResponse | undefined) => void): boolean {
    const update = !this.updateRefused && (this.peerAllow === undefined || this.peerAllow.includes("UPDATE"));
    if (!update && !this.localBody) return false;
    const supported = /\btimer\b/.test(this.o.supported) ? this.o.supported : [this.o.supported, "timer"].filter(Boolean).join(", ");
    const reinvite = () => this.sendModify({ method: "INVITE", body: this.localBody, headers, supported }, false, onFinal);
    if (!update) {
      reinvite();
      return true;
    }
    this.sendModify({ method: "UPDATE", headers, supported }, false, (res) => {
      if (res && (res.status === 405 || res.status === 501)) {
        // §21.4.6 405: "The method specified in the Request-Line is understood, but not allowed
        // for the address identified by the Request-URI"; §21.5.2 501: "This is the appropriate
        // response when a UAS does not recognize the request method". Either way this peer takes
        // no UPDATE: refresh with a re-INVITE now and in every later refresh of the dialog.
        this.updateRefused = true;
        this.noteAllow(res);
        if (this.localBody && this.state === "Confirmed") {
          reinvite();
          return;
        }
      }
      onFinal(res);
    });
    return true;
  }

  /**
   * Sends a re-INVITE or UPDATE in the confirmed dialog and resolves with its final response
   * (undefined when one may not be sent now: §14.1 "a UAC MUST NOT initiate a new INVITE
   * transaction within a dialog while another INVITE transaction is in progress in either
   * direction", or an offer while one is unanswered). A re-INVITE while only our 2xx to an INVITE
   * awaits its ACK is not refused but sent once that ACK arrives or the 2xx gives up. A 491 is
   * retried once after the §14.1 wait.
   */
  modify(o: ModifySpec): Promise<SipResponse | undefined> {
    return new Promise((resolve) => this.sendModify(o, false, resolve));
  }

  private sendModify(o: ModifySpec & { challenges?: number }, retried: boolean, onFinal: (res: SipResponse | undefined) => void): void {
    const d = this.dialog;
    if (!d || this.state !== "Confirmed") return onFinal(undefined);
    if (o.method === "INVITE" && !o.body) throw new Error("modify: an offerless re-INVITE from our side is not supported");
    if (o.method === "INVITE" && this.accepted.size > 0 && this.oa.localInvite === undefined && this.oa.remoteInvite === undefined) {
      // §14.1: "a UAC MUST NOT initiate a new INVITE transaction within a dialog while another
      // INVITE transaction is in progress in either direction." Our side of the peer's INVITE is
      // in progress until its ACK (the 2xx is still being retransmitted): the re-INVITE waits for
      // the ACK or the give-up (ackSettled), and counts as pending for the peer's next INVITE (491).
      this.queued.push({ o, retried, onFinal });
      this.oa.localInviteQueued = true;
      return;
    }
    if (!this.oa.canSend(o.method, o.body !== undefined)) return onFinal(undefined);
    const req = this.factory.inDialog(d, o.method, { allow: this.o.allow, supported: o.supported ?? this.o.supported, headers: o.headers ?? [], body: o.body });
    const seq = d.state.localSeq;
    if (o.method === "INVITE") this.oa.localInvite = seq;
    if (o.body) {
      this.oa.localOffer(seq);
      this.localBody = o.body;
    }
    let done = false;
    const final = (res: SipResponse | undefined, status: number) => {
      if (done) return;
      done = true;
      if (o.method === "INVITE" && this.oa.localInvite === seq) this.oa.localInvite = undefined;
      if (status >= 300) this.oa.rollback(seq);
      const challenges = (o.challenges ?? 0) + 1;
      const credentials = res && (status === 401 || status === 407) && challenges <= MAX_CHALLENGES && this.state === "Confirmed" ? this.o.challenge?.(req, res, challenges) : undefined;
      if (credentials) {
        // §22.2: the same re-INVITE or UPDATE again with credentials, as a new transaction.
        this.sendModify({ ...o, headers: withCredentials(o.headers ?? [], credentials), challenges }, retried, onFinal);
        return;
      }
      if (status === 481 || status === 408) {
        // §12.2.1.2: "If the response for a request within a dialog is a 481 (Call/Transaction
        // Does Not Exist) or a 408 (Request Timeout), the UAC SHOULD terminate the dialog."
        this.terminate("dialog-gone");
        onFinal(res);
        return;
      }
      if (status === 491 && !retried && this.state === "Confirmed") {
        // §14.1: "If the UAC is the owner of the Call-ID of the dialog ID ..., T has a randomly
        // chosen value between 2.1 and 4 seconds in units of 10 ms. If the UAC is not the owner
        // of the Call-ID of the dialog ID, T has a randomly chosen value of between 0 and 2
        // seconds in units of 10 ms."
        const t = this.ownsCallId() ? 2100 + 10 * Math.floor(Math.random() * 191) : 10 * Math.floor(Math.random() * 201);
        this.later(t, () => this.sendModify(o, true, onFinal));
        return;
      }
      onFinal(res);
    };
    this.o.env.transactions.sendRequest(req, d.flow, {
      onResponse: (res) => {
        if (res.status < 200) return;
        if (res.status < 300) {
          if (o.method === "INVITE") this.sendAck(d, seq, res);
          if (done) return;
          // §12.2.1.2: the 2xx to a target refresh request replaces the remote target.
          d.refreshTarget(res);
          this.noteAllow(res);
          const body = bodyOf(res);
          if (this.oa.awaitsAnswerTo(seq)) {
            this.oa.answered();
            if (body && this.state !== "Terminated") this.emitShared("answer", body);
          }
        }
        final(res, res.status);
      },
      onTimeout: () => final(undefined, 408),
      onTransportError: () => final(undefined, 408),
    });
  }

  /** §13.2.2.4: the ACK for a 2xx to our INVITE; a retransmitted 2xx gets the same ACK again. */
  protected sendAck(d: Dialog, seq: number, _res: SipResponse): void {
    this.acks.send(d, seq);
  }

  /**
   * A 2xx that matched no client transaction (its transaction ended). Only a retransmission of a
   * 2xx we already acknowledged in this dialog gets its ACK again (§13.2.2.4); any other 2xx —
   * another CSeq, another To tag — is not ours to acknowledge and is left alone. Returns whether
   * the response was taken.
   */
  receiveStrayResponse(res: SipResponse): boolean {
    const cseq = parseCSeq(res.headers.get("CSeq") ?? "");
    if (!cseq || cseq.method !== "INVITE" || res.status < 200 || res.status >= 300) return false;
    const d = this.dialog;
    if (!d || dialogTagOf(res.headers.get("To")) !== d.state.remoteTag) return false;
    return this.acks.resend(d, cseq.seq);
  }

  protected noteAllow(msg: SipRequest | SipResponse): void {
    const allow = msg.headers.getAll("Allow").map((m) => m.trim().toUpperCase()).filter((m) => m.length > 0);
    if (allow.length > 0) this.peerAllow = allow;
  }

  /** True when we generated the dialog's Call-ID (we sent the initial INVITE). */
  protected abstract ownsCallId(): boolean;

  protected later(ms: number, fn: () => void): void {
    const h = this.o.env.clock.setTimeout(() => {
      this.retryTimers.delete(h);
      if (!this.closed) fn();
    }, ms);
    this.retryTimers.add(h);
  }

  /**
   * Ends a confirmed session with BYE (§15.1.1). §15: "the callee's UA MUST NOT send a BYE on a
   * confirmed dialog until it has received an ACK for its 2xx response or until the server
   * transaction times out" — a BYE while any 2xx of ours (to the initial INVITE or to a
   * re-INVITE) awaits its ACK waits for the ACK, or for the 2xx's give-up at 64*T1.
   */
  bye(reason: TerminationReason = "bye-sent"): void {
    if (this.state === "Terminated") return;
    if (this.state === "Confirmed") {
      if (this.accepted.size > 0) this.byeAfterAck = true;
      else this.sendBye();
    }
    this.terminate(reason);
  }

  /**
   * An INFO in the confirmed dialog (RFC 6086), e.g. a DTMF digit; its answer changes nothing
   * (challenges are answered). False when there is no confirmed dialog to send it in.
   */
  info(body: SessionBody): boolean {
    return this.request("INFO", { body });
  }

  /**
   * A request in the confirmed dialog whose answer changes nothing (INFO, the NOTIFY of a REFER's
   * implicit subscription); challenges are answered. False when there is no confirmed dialog.
   */
  request(method: string, spec: { headers?: ReadonlyArray<readonly [string, string]>; body?: SessionBody }): boolean {
    const d = this.dialog;
    if (this.state !== "Confirmed" || d === undefined) return false;
    this.sendInDialog(d, this.factory.inDialog(d, method, { ...(spec.headers ? { headers: spec.headers } : {}), body: spec.body }), 0);
    return true;
  }

  /**
   * A request in the confirmed dialog whose final response matters (the REFER of Transfer());
   * undefined without a confirmed dialog, on timeout or a transport error.
   */
  requestAndWait(method: string, spec: { headers?: ReadonlyArray<readonly [string, string]>; body?: SessionBody }): Promise<SipResponse | undefined> {
    const d = this.dialog;
    if (this.state !== "Confirmed" || d === undefined) return Promise.resolve(undefined);
    const req = this.factory.inDialog(d, method, { ...(spec.headers ? { headers: spec.headers } : {}), body: spec.body });
    return new Promise((resolve) => {
      this.o.env.transactions.sendRequest(req, d.flow, {
        onResponse: (res) => {
          if (res.status >= 200) resolve(res);
        },
        onTimeout: () => resolve(undefined),
        onTransportError: () => resolve(undefined),
      });
    });
  }

  private byeSent = false;
  protected sendBye(d: Dialog | undefined = this.dialog): void {
    if (!d || (d === this.dialog && this.byeSent)) return;
    if (d === this.dialog) this.byeSent = true;
    this.sendInDialog(d, this.factory.inDialog(d, "BYE"), 0);
  }

  /** A BYE (or another request whose answer changes nothing) that answers challenges (§22.2). */
  private sendInDialog(d: Dialog, req: SipRequest, challenges: number): void {
    this.o.env.transactions.sendRequest(req, d.flow, {
      onResponse: (res) => {
        if (res.status !== 401 && res.status !== 407) return;
        if (challenges + 1 > MAX_CHALLENGES) return;
        const credentials = this.o.challenge?.(req, res, challenges + 1);
        if (credentials) this.sendInDialog(d, this.factory.resubmit(req, d.flow, d.nextLocalSeq(), credentials), challenges + 1);
      },
      onTimeout: () => {},
    });
  }

  /** Moves to Terminated once: timers stop, `terminated` is emitted. */
  protected terminate(reason: TerminationReason): void {
    if (this.state === "Terminated") return;
    this.state = "Terminated";
    this.refresh.stop();
    // A held BYE needs the 2xx retransmissions to go on: their ACK (or give-up) releases it.
    if (!this.byeAfterAck) {
      for (const a of this.accepted.values()) a.close();
      this.accepted.clear();
    }
    this.dropQueued();
    this.emitShared("terminated", reason);
    // The transactions of an ended session wait out Timers L/M/J (32 s on UDP) and keep the
    // session for that long, to absorb retransmissions and answer late forked 2xx. Nothing above
    // the session listens any more: letting go of the PBX's listeners and delegate here frees each
    // call's channels, bridge and media state at once instead of 32 s later (at 800 call setups/s
    // that was ~25,000 calls held, over 1 GiB of RSS).
    this.removeAll();
    this.delegate = {};
  }

  /** Stops every timer; the session is Terminated afterwards (no BYE is sent). Safe twice. */
  close(): void {
    if (this.closed) return;
    this.terminate("closed");
    this.closed = true;
    for (const a of this.accepted.values()) a.close();
    this.accepted.clear();
    for (const t of this.retryTimers) t.cancel();
    this.retryTimers.clear();
    this.acks.clear();
  }

  dump(): Record<string, unknown> {
    return {
      callId: this.callId,
      localTag: this.localTag,
      remoteTag: this.dialog?.state.remoteTag,
      state: this.state,
      offerAnswer: this.oa.dump(),
      awaitingAck: [...this.accepted.keys()],
      queuedReinvites: this.queued.length,
      byeHeld: this.byeAfterAck && this.accepted.size > 0,
      cachedAcks: this.acks.size,
      sessionTimer: this.refresh.dump(),
      routeSet: this.dialog?.state.routeSet,
      remoteTarget: this.dialog?.state.remoteTarget,
    };
  }

  /** The session timer for the console (undefined without one). */
  sessionTimerState(): { interval: number; role: "refresher" | "non-refresher"; expiresInMs: number | undefined } | undefined {
    return this.refresh.dump();
  }
}

/** Without a delegate: a refresh UPDATE is fine, anything that needs media decisions is not. */
function defaultOutcome(method: string, offer: SessionBody | undefined): ModifyOutcome {
  return method === "UPDATE" && !offer ? { status: 200 } : { status: 488 };
}
