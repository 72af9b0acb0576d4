/**
 * RFC 4028 for one session: which side refreshes, the 422 for refreshes below our Min-SE, the
 * Session-Expires our 2xx to a refresh repeats, what the 2xx to our own refresh (or to our INVITE)
 * decides, and the timer in either role (session-timer.ts). The session supplies the sending and
 * the ending (SessionRefreshHost); nothing here builds a message.
 *
 *   peer refreshes (non-refresher) ──no refresh by N - min(32, N/3)──> host.expired → BYE
 *   we refresh (refresher)         ──N/2──> host.send(UPDATE or re-INVITE) ──2xx──> again
 *                                                                        └─422──> at once with a larger Min-SE
 */
import type { Clock } from "../../core/clock.js";
import type { SipRequest, SipResponse } from "../message/message.js";
import { clampSessionInterval, parseMinSe, parseSessionExpires, supportsTag, type Refresher } from "./extension-headers.js";
import { SessionTimer, type SessionTimerRole } from "./session-timer.js";

/** Session timers (RFC 4028) for a session; undefined switches them off. */
export interface SessionTimerPolicy {
  /** Refreshes asking for a shorter interval get 422 with this Min-SE (§9). */
  minSe: number;
}

export interface SessionRefreshHost {
  clock: Clock;
  /** True while refreshing makes sense (the dialog is confirmed). */
  active(): boolean;
  /**
   * Sends our refresh with these headers and reports its final response (undefined: no response,
   * or none could be sent). Returns false when no refresh can be sent at all.
   */
  send(headers: Array<[string, string]>, onFinal: (res: SipResponse | undefined) => void): boolean;
  /** The non-refresher's deadline passed. */
  expired(interval: number): void;
  /** We are the refresher but send() could not refresh. */
  cannotRefresh(): void;
  later(ms: number, fn: () => void): void;
}

/** How soon a refresh that could not be sent is tried again. */
const RETRY_MS = 2000;

export class SessionRefresh {
  private timer: SessionTimer | undefined;

  constructor(
    private readonly policy: SessionTimerPolicy | undefined,
    private readonly host: SessionRefreshHost,
  ) {}

  get enabled(): boolean {
    return this.policy !== undefined;
  }

  /** RFC 4028 §9, for refreshes as for the initial INVITE: the Min-SE a too-short request gets 422 with. */
  tooSmall(req: SipRequest): number | undefined {
    if (!this.policy) return undefined;
    const se = parseSessionExpires(req.headers.get("Session-Expires"));
    return se && supportsTag(req, "timer") && se.interval < this.policy.minSe ? this.policy.minSe : undefined;
  }

  /**
   * RFC 4028 §9/§10 for a refresh the peer sent (re-INVITE or UPDATE answered 2xx): the 2xx
   * repeats Session-Expires with the refresher and the timer starts again; no Session-Expires and
   * no `timer` support switch it off. Returns the headers for our 2xx.
   */
  answerPeerRefresh(req: SipRequest): Array<[string, string]> {
    if (!this.policy) return [];
    const se = parseSessionExpires(req.headers.get("Session-Expires"));
    const supports = supportsTag(req, "timer");
    let interval: number | undefined;
    let refresher: Refresher = "uac";
    if (se && supports) {
      interval = clampSessionInterval(se.interval, this.policy.minSe);
      refresher = se.refresher ?? "uac";
    } else if (!se && supports && this.timer) {
      interval = this.timer.interval;
    }
    // DEVIATION(RFC 4028 §9): a Session-Expires without `timer` support was inserted by a proxy
    // and would make us the refresher toward a UA that does not know the extension; such a
    // session runs without a timer, as with Asterisk.
    if (interval === undefined) {
      this.stop();
      return [];
    }
    // The refresh's UAC is the peer: refresher=uac leaves the refreshing to it, uas makes it ours.
    this.start(interval, refresher === "uas" ? "refresher" : "non-refresher");
    // §9: "If the refresher parameter in the Session-Expires header field in the 2xx response has
    // a value of 'uac', the UAS MUST place a Require header field into the response with the value
    // 'timer'."
    return [["Session-Expires", `${interval};refresher=${refresher}`], ["Require", "timer"]];
  }

  /**
   * RFC 4028 §7.2 (the 2xx to our INVITE or to our refresh): Session-Expires with refresher=uac
   * keeps us refreshing, uas hands it to the peer; none means no session timer.
   */
  answerOurs(res: SipResponse): void {
    if (!this.policy) return;
    const se = parseSessionExpires(res.headers.get("Session-Expires"));
    if (!se || !se.refresher) {
      this.stop();
      return;
    }
    this.start(clampSessionInterval(se.interval, this.policy.minSe), se.refresher === "uac" ? "refresher" : "non-refresher");
  }

  /** Starts (or restarts) the timer in a role; a no-op with timers off. */
  start(interval: number, role: SessionTimerRole): void {
    if (!this.policy) return;
    this.timer ??= new SessionTimer({
      clock: this.host.clock,
      interval,
      role,
      onExpired: (n) => this.host.expired(n),
      onRefreshDue: (n) => this.refreshDue(n),
    });
    this.timer.refresh(interval, role);
  }

  /** RFC 4028 §10: "the refresher SHOULD send a refresh at half the session interval". */
  private refreshDue(interval: number): void {
    if (!this.host.active()) return;
    // In our refresh we are its UAC and stay the refresher.
    const sent = this.host.send([["Session-Expires", `${interval};refresher=uac`]], (res) => {
      if (!this.host.active()) return;
      if (!res) {
        // Not sent now (an INVITE transaction in progress, §14.1): try again shortly.
        this.host.later(RETRY_MS, () => this.refreshDue(interval));
        return;
      }
      if (res.status >= 200 && res.status < 300) {
        this.answerOurs(res);
        return;
      }
      // §7.4: a 422 whose Min-SE is above our interval names the interval to retry with at once.
      // Any other failure — a 422 without a usable larger Min-SE included, which retried at once
      // would loop — keeps the interval and tries again at the next half interval.
      const minSe = parseMinSe(res.headers.get("Min-SE"));
      if (res.status === 422 && minSe !== undefined && minSe > interval) {
        const next = clampSessionInterval(minSe, this.policy?.minSe);
        this.host.later(0, () => this.refreshDue(next));
      } else {
        this.start(interval, "refresher");
      }
    });
    if (!sent) this.host.cannotRefresh();
  }

  stop(): void {
    this.timer?.close();
    this.timer = undefined;
  }

  dump(): { interval: number; role: SessionTimerRole; expiresInMs: number | undefined } | undefined {
    return this.timer?.dump();
  }
}
