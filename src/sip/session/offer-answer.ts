/**
 * The offer/answer state of one session (RFC 3264 §4, RFC 6337 §2-3) and the INVITE overlap
 * rules of RFC 3261 §14 and RFC 3311 §5.2, decided in one place:
 *
 *                 we send an offer (INVITE, UPDATE, or a 2xx to an offerless re-INVITE)
 *      Stable ───────────────────────────────────────────────> LocalOffer
 *        ^  ^           answer arrives (18x/2xx/ACK), or the          │
 *        │  └─────────── transaction fails / the ACK never comes <────┘
 *        │
 *        │   peer's offer arrives (INVITE, UPDATE)
 *        └──────────────────────────────> RemoteOffer ── we answer, or reject ──> Stable
 *
 * Conflicts: a new INVITE while one of ours is pending (sent, or queued until the ACK to our
 * 2xx), or any new offer while our offer is
 * unanswered, gets 491 (§14.2; RFC 3311 §5.2); an INVITE while the peer's previous INVITE has no
 * final response, or an offer while the peer's previous offer is unanswered, gets 500 with
 * Retry-After.
 */

export type OfferAnswerState = "Stable" | "LocalOffer" | "RemoteOffer";

export class OfferAnswer {
  state: OfferAnswerState = "Stable";
  /** CSeq of the request (or of the INVITE whose 2xx/ACK) that carries the pending offer. */
  private offerSeq: number | undefined;
  /** Our offer went out in a 2xx: the answer is due in the ACK with this CSeq. */
  private answerInAck = false;
  /** Our INVITE (initial or re-INVITE) without a final response. */
  localInvite: number | undefined;
  /** Our re-INVITE is decided but waits for the ACK to our 2xx (§14.1); it counts as pending. */
  localInviteQueued = false;
  /** The peer's INVITE we have not answered finally. */
  remoteInvite: number | undefined;

  /**
   * Whether a re-INVITE/UPDATE from the peer can be taken now; undefined when it may proceed.
   */
  conflict(method: string, carriesOffer: boolean): 491 | 500 | undefined {
    if (method === "INVITE") {
      // §14.2: "A UAS that receives an INVITE on a dialog while an INVITE it had sent on that
      // dialog is in progress MUST return a 491 (Request Pending) response to the received INVITE."
      // An offerless re-INVITE would make us offer while our offer is unanswered (RFC 3264 §4), so
      // it collides as well, and so does one of ours that only waits to be sent.
      if (this.localInvite !== undefined || this.localInviteQueued || this.state === "LocalOffer") return 491;
      // §14.2: "A UAS that receives a second INVITE before it sends the final response to a first
      // INVITE with a lower CSeq sequence number on the same dialog MUST return a 500".
      if (this.remoteInvite !== undefined || this.state === "RemoteOffer") return 500;
      return undefined;
    }
    if (!carriesOffer) return undefined;
    // RFC 3311 §5.2: "If an UPDATE is received that contains an offer, and the UAS has generated
    // an offer ... to which it has not yet received an answer, the UAS MUST reject the UPDATE with
    // a 491 response. Similarly, if an UPDATE is received that contains an offer, and the UAS has
    // received an offer ... to which it has not yet generated an answer, the UAS MUST reject the
    // UPDATE with a 500 response, and MUST include a Retry-After header field".
    if (this.state === "LocalOffer") return 491;
    if (this.state === "RemoteOffer") return 500;
    return undefined;
  }

  /** True when we may start an INVITE transaction (§14.1) or send an offer now. */
  canSend(method: string, withOffer: boolean): boolean {
    if (method === "INVITE" && (this.localInvite !== undefined || this.remoteInvite !== undefined)) return false;
    return !withOffer || this.state === "Stable";
  }

  remoteOffer(seq: number): void {
    this.state = "RemoteOffer";
    this.offerSeq = seq;
    this.answerInAck = false;
  }

  localOffer(seq: number, inAck = false): void {
    this.state = "LocalOffer";
    this.offerSeq = seq;
    this.answerInAck = inAck;
  }

  /** The pending offer was answered (by us or by the peer). */
  answered(): void {
    this.state = "Stable";
    this.offerSeq = undefined;
    this.answerInAck = false;
  }

  /** The offer's transaction failed: the session description in force stays (RFC 3264 §8). */
  rollback(seq: number): void {
    if (this.offerSeq === seq) this.answered();
  }

  /** An ACK with this CSeq is the one that must carry the answer to our offer in a 2xx. */
  expectsAnswerInAck(seq: number): boolean {
    return this.state === "LocalOffer" && this.answerInAck && this.offerSeq === seq;
  }

  /** True while the offer of this CSeq's transaction is ours and unanswered. */
  awaitsAnswerTo(seq: number): boolean {
    return this.state === "LocalOffer" && this.offerSeq === seq;
  }

  dump(): { state: OfferAnswerState; localInvite: number | undefined; localInviteQueued: boolean; remoteInvite: number | undefined } {
    return { state: this.state, localInvite: this.localInvite, localInviteQueued: this.localInviteQueued, remoteInvite: this.remoteInvite };
  }
}
