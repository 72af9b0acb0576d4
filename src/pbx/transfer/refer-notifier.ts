/**
 * The implicit subscription a REFER creates (RFC 3515 §2.4.4): NOTIFYs in the REFER's dialog
 * whose message/sipfrag body is the status line of the transfer's progress — `100 Trying` at once,
 * then a final status that ends the subscription (`Subscription-State: terminated`).
 *
 *   active ──progress(180)──► active ──final(200 | 4xx-6xx)──► terminated
 *
 * RFC 3515 §2.4.6: the Event header's `id` is the REFER's CSeq number; it may be left out for the
 * first REFER of a dialog, and is for that one (phones that match NOTIFYs by Event alone then
 * still find it).
 */
import type { InviteSession } from "../../sip/session/index.js";

/** How long the implicit subscription is granted; it ends with the final NOTIFY well before. */
const EXPIRES_S = 60;

export class ReferNotifier {
  private over = false;
  private readonly finals: Array<() => void> = [];

  constructor(
    private readonly session: InviteSession,
    /** The REFER's CSeq number, and whether it was the first REFER in the dialog. */
    private readonly referSeq: number,
    private readonly firstInDialog: boolean,
    /** RFC 4488 `Refer-Sub: false`: no NOTIFYs at all (the outcome still ends the transfer). */
    private readonly silent = false,
  ) {}

  get terminated(): boolean {
    return this.over;
  }

  /** A provisional status of the transfer (100 Trying, 180 Ringing). */
  progress(status: number, reason: string): void {
    if (!this.over) this.send(status, reason, `active;expires=${EXPIRES_S}`);
  }

  /** The outcome; later calls do nothing. */
  final(status: number, reason: string): void {
    if (this.over) return;
    this.over = true;
    this.send(status, reason, "terminated;reason=noresource");
    for (const fn of this.finals.splice(0)) fn();
  }

  /** Runs `fn` once the final NOTIFY went out (at once if it has). */
  onFinal(fn: () => void): void {
    if (this.over) fn();
    else this.finals.push(fn);
  }

  private send(status: number, reason: string, state: string): void {
    if (this.silent) return;
    this.session.request("NOTIFY", {
      headers: [
        ["Event", this.firstInDialog ? "refer" : `refer;id=${this.referSeq}`],
        ["Subscription-State", state],
      ],
      body: { body: `SIP/2.0 ${status} ${reason}\r\n`, contentType: "message/sipfrag;version=2.0" },
    });
  }
}
