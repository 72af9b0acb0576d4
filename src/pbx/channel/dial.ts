/**
 * Dial(): rings every contact of the dialled endpoints at once (forking), bridges the first to
 * answer and cancels the rest (RFC 3261 §16.7-style, done by the B2BUA), and maps the outcome to
 * `DIALSTATUS`. This file is the orchestration only; each fork is a `DialAttempt`
 * (dial-attempt.ts) and the dial string is resolved by dial-targets.ts.
 *
 *   forks ringing ──first answer──► bridged (others cancelled) ──either hangs up──► ANSWER
 *        │──every fork failed──► BUSY | NOANSWER | CONGESTION | CHANUNAVAIL
 *        │──timeout──► NOANSWER          └──caller went away──► CANCEL
 */
import { parseDialOptions } from "../apps/dial-options.js";
import { Bridge } from "../bridge/bridge.js";
import type { DialResult, DialStatus } from "../dialplan/channel.js";
import type { CallContext } from "./call-context.js";
import { DialAttempt, type DialAttemptOwner, type DialHooks } from "./dial-attempt.js";
import { resolveDialTargets, type DialTarget } from "./dial-targets.js";
import { CAUSE, dialStatusForResponse } from "./hangup-cause.js";
import type { DialCaller } from "./dial-caller.js";

export type { DialStatus, DialHooks };

/** The Q.850 cause an unsuccessful Dial() leaves on the calling channel. */
const DIAL_CAUSE: Partial<Record<DialStatus, number>> = {
  BUSY: CAUSE.USER_BUSY,
  NOANSWER: CAUSE.NO_ANSWER,
  CONGESTION: CAUSE.CONGESTION,
  CHANUNAVAIL: CAUSE.SUBSCRIBER_ABSENT,
};

/** The failure that speaks for all of them: busy beats unanswered beats congestion. */
const FAILURE_ORDER = ["BUSY", "NOANSWER", "CONGESTION", "CHANUNAVAIL"] as const;

export async function dial(ctx: CallContext, hooks: DialHooks, call: DialCaller, targets: string[], timeoutSec: number | undefined, options: string): Promise<DialResult> {
  const resolved = resolveDialTargets(ctx, call.log, targets);
  if (resolved.length === 0) return { status: "CHANUNAVAIL" };
  if (call.hungUp() || call.redirectPending()) return { status: "CANCEL" };
  return new Dial(ctx, hooks, call, resolved, timeoutSec, options).run();
}

/** One Dial() on one calling channel: its forks, its bridge, its timer and its outcome. */
export class Dial implements DialAttemptOwner {
  private readonly attempts: DialAttempt[] = [];
  /** Final statuses of the forks that failed, and of those that could not start. */
  private readonly failures: number[] = [];
  private winner: DialAttempt | undefined;
  private settled = false;
  /** Forks still choosing a transport and allocating their RTP port. */
  private starting = 0;
  private timer: { cancel(): void } | undefined;
  /** One bridge per Dial: early media of whichever fork sends it, then the fork that answers. */
  private readonly bridge: Bridge;
  private resolve: (r: DialResult) => void = () => undefined;

  constructor(
    private readonly ctx: CallContext,
    private readonly hooks: DialHooks,
    private readonly call: DialCaller,
    private readonly targets: readonly DialTarget[],
    private readonly timeoutSec: number | undefined,
    private readonly options = "",
  ) {
    this.bridge = new Bridge({ media: ctx.media, events: ctx.events, now: () => ctx.clock.now(), creator: "Dial", log: call.log });
  }

  get open(): boolean {
    return !this.settled && !this.winner;
  }

  run(): Promise<DialResult> {
    const result = new Promise<DialResult>((r) => (this.resolve = r));
    this.call.onEnding(() => {
      if (!this.winner) this.settle("CANCEL");
    });
    // Redirected while the forks ring, the caller stops dialling as if it had hung up.
    void this.call.whenStopped().then(() => {
      if (!this.winner && !this.call.hungUp()) this.settle("CANCEL");
    });
    if (this.timeoutSec !== undefined && this.timeoutSec > 0) {
      this.timer = this.ctx.clock.setTimeout(() => this.settle("NOANSWER"), this.timeoutSec * 1000);
    }
    for (const t of this.targets) void this.startAttempt(t);
    return result;
  }

  private async startAttempt(t: DialTarget): Promise<void> {
    const attempt = new DialAttempt(this.ctx, this.hooks, this.call, t, this);
    this.attempts.push(attempt);
    this.starting++;
    try {
      const outcome = await attempt.start();
      if (!outcome.started && outcome.status !== undefined) this.failures.push(outcome.status);
    } catch (err) {
      this.call.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, `Dial: starting a leg to ${t.endpoint.id} failed`);
      this.failures.push(500);
    } finally {
      this.starting--;
    }
    this.settleIfAllFailed();
  }

  earlyMedia(attempt: DialAttempt): void {
    if (!attempt.leg) return;
    this.bridge.earlyMedia(this.call, attempt.leg);
    void this.call.progress();
  }

  answered(attempt: DialAttempt): void {
    const leg = attempt.leg;
    if (!leg) return;
    this.winner = attempt;
    for (const other of this.attempts) if (other !== attempt) other.stop("CANCEL");
    this.call.connect(leg, this.bridge);
    this.bridge.join(this.call, leg);
    this.timer?.cancel();
    this.hooks.bridged?.(this.call, leg, this.options);
    const goOn = parseDialOptions(this.options).flags.has("g");
    // The conversation: it ends when either side hangs up. The listener goes on before
    // answer(): with a reliable 18x carrying SDP the caller's 2xx waits for its PRACK (RFC 3262
    // §3), and a callee BYE in that wait must still end the call.
    leg.on("remoteHangup", () => {
      // A callee the caller was redirected away from is no longer its conversation.
      // A caller a redirect is taking elsewhere goes there (a transfer's consultation ended).
      if (this.call.peer !== leg || this.call.redirectPending()) return;
      // Option g: the caller goes on in the dialplan when the callee hangs up.
      if (goOn) return end(false);
      this.bridge.close();
      void this.call.hangup(CAUSE.NORMAL_CLEARING);
    });
    // The conversation ends with the call, or when a redirect takes either side out of the
    // bridge: a callee left alone is hung up; one redirected itself lives on in the dialplan.
    let over = false;
    const end = (calleeRedirected: boolean): void => {
      if (over) return;
      over = true;
      this.bridge.close();
      this.call.disconnect(leg);
      if (calleeRedirected) attempt.handOver();
      else attempt.hangup();
      this.settle("ANSWER");
    };
    leg.on("redirected", () => end(true));
    void this.call.answer().then(async () => {
      await this.call.whenStopped();
      end(false);
    });
  }

  failed(_attempt: DialAttempt, status: number): void {
    this.failures.push(status);
    this.settleIfAllFailed();
  }

  /**
   * Every fork has ended without an answer (none still starting or ringing): the failure that
   * speaks for all of them is the outcome. Forks that never started failed for want of a
   * transport, a codec or a port (503/488/500: CONGESTION); none at all is CHANUNAVAIL.
   */
  private settleIfAllFailed(): void {
    if (this.winner || this.settled || this.starting > 0 || this.attempts.some((a) => !a.over)) return;
    const statuses = this.failures.map(dialStatusForResponse);
    this.settle(FAILURE_ORDER.find((s) => statuses.includes(s)) ?? "CHANUNAVAIL");
  }

  private settle(status: DialStatus): void {
    if (this.settled) return;
    this.settled = true;
    this.timer?.cancel();
    const call = this.call;
    // The forks that lost were cancelled (another answered, or the caller went away); after a
    // timeout they simply were not answered.
    for (const a of this.attempts) if (a !== this.winner) a.stop(status === "NOANSWER" ? "NOANSWER" : "CANCEL");
    if (!this.winner) this.bridge.close();
    call.vars.set("DIALSTATUS", status);
    // The caller's own final response follows the outcome (486 for a busy callee, 480 for no
    // answer) when the dialplan then just hangs up, as Asterisk's Dial() leaves its cause on
    // the calling channel.
    const cause = DIAL_CAUSE[status];
    if (cause !== undefined) call.dialCause = cause;
    // Every target failed for want of a common codec: the caller hears 488, which names the
    // problem, rather than 503 (the NOTICE already gave both codec lists).
    if (!this.winner && this.failures.length > 0 && this.failures.every((f) => f === 488)) call.dialCause = CAUSE.BEARERCAPABILITY_NOTAVAIL;
    this.hooks.settled?.(call, status);
    const winner = this.winner?.leg;
    this.resolve(winner ? { status, answeredBy: winner.name } : { status });
  }
}
