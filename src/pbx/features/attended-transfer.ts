/**
 * The consultation of an attended transfer by DTMF (features.conf `atxfer`): the transferee
 * is on hold while the transferer's channel runs the target's extension (its Dial rings the
 * target), and how the consultation ends decides the transfer:
 *
 *   consulting ──a Dial bridged──► talking ──that Dial's call ended otherwise──► consulting
 *   consulting ──the target's dialplan is over / rings longer than atxfernoanswertimeout──► back
 *   consulting ──transferer hangs up──► the transferee goes to the target's extension (rings it)
 *   talking ──atxfercomplete / transferer hangs up──► transferee and target bridged; transferer hung up
 *   talking ──atxferabort / target hangs up──► back
 *   any ──transferee hangs up──► the consultation goes on as a plain call
 *
 * "back": the transferer talks with the transferee again (the target, if any, is hung up). The
 * target's dialplan runs on the transferer's channel as Asterisk runs it on a Local channel:
 * its end (a failed Dial then Hangup(), no more priorities) does not hang the phone up, it ends
 * the consultation. The transferer's keys are watched for atxferabort/atxfercomplete only while
 * it talks with the target.
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { FeaturesGeneral } from "../../config/features/features-schema.js";
import type { DialplanTarget } from "../dialplan/index.js";
import type { DigitInterceptor, DtmfSource } from "../channel/dtmf.js";
import type { OutboundLeg } from "../channel/outbound-leg.js";
import { CAUSE } from "../channel/hangup-cause.js";
import { attendedTransferFields } from "../events.js";
import type { DivertedChannel } from "../transfer/transfer-bridge.js";
import type { FeatureServices } from "./feature-services.js";
import { FeatureMatcher, type FeatureCode } from "./feature-matcher.js";

export type ConsultationStep = "atxferabort" | "atxfercomplete";

/** The codes a transferer may press while it talks with the target (empty codes are off). */
export function consultationCodes(general: Pick<FeaturesGeneral, "atxferabort" | "atxfercomplete">): FeatureCode<ConsultationStep>[] {
  const codes: FeatureCode<ConsultationStep>[] = [
    { feature: "atxferabort", code: general.atxferabort.trim() },
    { feature: "atxfercomplete", code: general.atxfercomplete.trim() },
  ];
  return codes.filter((c) => c.code.length > 0);
}

export interface ConsultationOptions {
  s: FeatureServices;
  transferer: DivertedChannel;
  transferee: DivertedChannel;
  /** The target's extension, where the transferer's channel goes. */
  place: DialplanTarget;
  codes: readonly FeatureCode<ConsultationStep>[];
  noAnswerMs: number;
  digitTimeoutMs: number;
  /** Ends the transferee's hold (its call ends with it). */
  dropTransferee(): void;
  /** The transferer and the transferee talk again. */
  rejoin(): void;
  /** The consultation is over, whichever way. */
  onOver(): void;
}

/** How often a ringing consultation is looked at for atxfernoanswertimeout. */
const RING_CHECK_MS = 500;

/**
 * `channel` as the consultation's dialplan sees it: hanging up (Hangup(), the end of the
 * priorities) ends that dialplan, not the call.
 */
function consultationChannel(channel: DivertedChannel): DivertedChannel {
  let over = false;
  return new Proxy(channel, {
    get(target, key) {
      if (key === "hangup") {
        return () => {
          over = true;
          return Promise.resolve();
        };
      }
      if (key === "hungUp") return () => over || target.hungUp();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export class Consultation {
  private state: "consulting" | "talking" | "over" = "consulting";
  private target: OutboundLeg | undefined;
  private timer: TimerHandle | undefined;
  private ringingSince: number | undefined;
  private watch: { matcher: FeatureMatcher<ConsultationStep>; interceptor: DigitInterceptor } | undefined;

  constructor(private readonly o: ConsultationOptions) {}

  private get log() {
    return this.o.s.calls.ctx.log;
  }

  private get clock(): Clock {
    return this.o.s.calls.ctx.clock;
  }

  private get where(): string {
    return `${this.o.place.exten}@${this.o.place.context}`;
  }

  get over(): boolean {
    return this.state === "over";
  }

  /** `name` is the transferer, the transferee or the target of this consultation. */
  involves(name: string): boolean {
    return !this.over && [this.o.transferer.name, this.o.transferee.name, this.target?.name].includes(name);
  }

  /** The transferer's channel leaves for the target's extension. */
  start(): void {
    const { transferer, transferee } = this.o;
    transferer.onEnding(() => this.transfererLeft());
    void transferee.whenEnded().then(() => this.transfereeLeft());
    this.checkRinging();
    if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${transferer.name}: attended transfer of ${transferee.name}: consulting ${this.where}`);
    this.o.s.calls.divert({ kind: "call", call: transferer }, { label: "consults an attended transfer's target", run: () => this.consult() });
  }

  private async consult(): Promise<void> {
    await Promise.resolve();
    const { transferer } = this.o;
    if (this.over || transferer.hungUp()) return;
    await this.o.s.calls.runAt(consultationChannel(transferer), this.o.place);
    if (this.over || transferer.hungUp()) return;
    this.log.notice({}, `${transferer.name}: the attended transfer's consultation of ${this.where} ended (${transferer.vars.get("DIALSTATUS") || "no Dial"}); back with ${this.o.transferee.name}`);
    this.back();
  }

  /** atxfernoanswertimeout: how long the transferer's Dial may ring before it is back with the transferee. */
  private checkRinging(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.state === "over") return;
      const ringing = this.state === "consulting" && this.o.transferer.ringing_.size > 0;
      if (!ringing) this.ringingSince = undefined;
      else this.ringingSince ??= this.clock.now();
      if (this.ringingSince !== undefined && this.clock.now() - this.ringingSince >= this.o.noAnswerMs) {
        this.log.notice({}, `${this.o.transferer.name}: attended transfer target ${this.where} did not answer within atxfernoanswertimeout (${this.o.noAnswerMs / 1000} s); back with ${this.o.transferee.name}`);
        this.back();
        return;
      }
      this.checkRinging();
    }, RING_CHECK_MS);
  }

  /** A Dial of the transferer's bridged it with `leg`: they talk; its keys may complete or abort. */
  bridged(leg: OutboundLeg): void {
    if (this.state !== "consulting") return;
    this.state = "talking";
    this.ringingSince = undefined;
    this.target = leg;
    leg.on("remoteHangup", () => {
      if (this.state !== "talking" || this.target !== leg) return;
      if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${this.o.transferer.name}: the attended transfer's target ${leg.name} hung up; back with ${this.o.transferee.name}`);
      this.back();
    });
    this.watchKeys();
  }

  /**
   * A Dial of the transferer's ended. A call with the target that ended some other way than
   * this consultation's own steps (a redirect, a transfer of the target) leaves the transferer
   * consulting: what its dialplan does next decides.
   */
  dialEnded(): void {
    if (this.state !== "talking") return;
    this.state = "consulting";
    this.target = undefined;
    this.unwatchKeys();
  }

  private watchKeys(): void {
    const dtmf = this.o.s.calls.ctx.dtmf;
    const legId = this.o.transferer.mediaLegId;
    if (this.o.codes.length === 0) return;
    const matcher = new FeatureMatcher<ConsultationStep>({
      codes: this.o.codes,
      timeoutMs: this.o.digitTimeoutMs,
      clock: this.clock,
      onPass: (keys) => {
        for (const k of keys) dtmf.passOn(legId, k.digit, k.durationMs, k.source, k.crossed);
      },
      onFeature: (step, code) => {
        if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${this.o.transferer.name}: feature '${step}' (${code}) pressed`);
        if (step === "atxfercomplete") this.complete(true);
        else this.back();
      },
    });
    const interceptor: DigitInterceptor = {
      digit: (digit: string, durationMs: number, source: DtmfSource, crossed: boolean) => {
        if (this.state === "talking") return matcher.push({ digit, durationMs, source, crossed });
        dtmf.passOn(legId, digit, durationMs, source, crossed);
      },
    };
    dtmf.intercept(legId, interceptor);
    this.watch = { matcher, interceptor };
  }

  private unwatchKeys(): void {
    if (this.watch === undefined) return;
    this.watch.matcher.flush();
    this.o.s.calls.ctx.dtmf.release(this.o.transferer.mediaLegId, this.watch.interceptor);
    this.watch = undefined;
  }

  /** The transferee and the target are bridged; the transferer leaves (is hung up when `hangUp`). */
  private complete(hangUp: boolean): void {
    if (this.state !== "talking") return;
    const { transferer, transferee } = this.o;
    const target = this.target;
    if (target === undefined || target.state !== "Up" || transferer.peer !== target) {
      // The target is no longer the transferer's to hand over.
      this.dialEnded();
      return this.back();
    }
    this.end();
    if (transferee.hungUp()) {
      if (hangUp && !transferer.hungUp()) void transferer.hangup(CAUSE.NORMAL_CLEARING);
      return;
    }
    const calls = this.o.s.calls;
    for (const vars of [transferee.vars, target.channel.vars]) vars.set("ATTENDEDTRANSFER", transferer.name);
    const views = [transferer.view(), transferee.view(), target.view()] as const;
    const tb = this.o.s.transfers().newBridge();
    // The target first: the transferer's end must not make its Dial hang the target up.
    const b = calls.divert({ kind: "peer", owner: transferer, leg: target }, tb.detour(1));
    const a = calls.divert({ kind: "call", call: transferee }, tb.detour(0));
    tb.join(a, b);
    if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${transferer.name}: attended transfer (DTMF): ${a.name} and ${b.name} are connected`);
    const events = this.o.s.events;
    if (events.wants("AttendedTransfer")) {
      events.emit("AttendedTransfer", attendedTransferFields({ orig: views[0], second: views[0], transferee: views[1], target: views[2] }, tb.id));
    }
    if (hangUp && !transferer.hungUp()) void transferer.hangup(CAUSE.NORMAL_CLEARING);
  }

  /** The transferer talks with the transferee again; the target (if any) is hung up by the transferer's Dial. */
  private back(): void {
    if (this.state === "over") return;
    const { transferer, transferee } = this.o;
    this.end();
    if (transferer.hungUp()) return this.o.dropTransferee();
    if (transferee.hungUp()) {
      void transferer.hangup(CAUSE.NORMAL_CLEARING);
      return;
    }
    this.o.rejoin();
  }

  /** The transferer's phone hung up. */
  private transfererLeft(): void {
    if (this.state === "talking") return this.complete(false);
    if (this.state !== "consulting") return;
    const { transferer, transferee, place } = this.o;
    this.end();
    if (transferee.hungUp()) return;
    transferee.vars.set("ATTENDEDTRANSFER", transferer.name);
    if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${transferer.name} hung up while consulting ${this.where}: ${transferee.name} goes there`);
    this.o.s.calls.divert({ kind: "call", call: transferee }, place);
  }

  private transfereeLeft(): void {
    if (this.state === "over") return;
    if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${this.o.transferee.name} hung up during the attended transfer; ${this.o.transferer.name}'s call to ${this.where} goes on`);
    this.end();
  }

  private end(): void {
    this.state = "over";
    this.timer?.cancel();
    this.timer = undefined;
    this.unwatchKeys();
    this.o.onOver();
  }
}
