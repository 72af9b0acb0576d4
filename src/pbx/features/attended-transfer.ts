/**
 * The consultation of an attended transfer by DTMF (features.conf `atxfer`): the transferee
 * is on hold, the transferer's channel runs the target's extension (its Dial rings the target),
 * and how the consultation ends decides the transfer:
 *
 *   dialling ──the Dial bridged──► talking
 *   dialling ──Dial failed (busy, no answer …) / atxfernoanswertimeout──► back
 *   dialling ──transferer hangs up──► the transferee goes to the target's extension (it rings there)
 *   talking ──atxfercomplete / transferer hangs up──► transferee and target bridged; transferer hung up
 *   talking ──atxferabort / target hangs up──► back
 *   any ──transferee hangs up──► the consultation goes on as a plain call
 *
 * "back": the transferer talks with the transferee again (the target, if any, is hung up). The
 * transferer's keys are watched for atxferabort/atxfercomplete only while it talks with the target.
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { FeaturesGeneral } from "../../config/features/features-schema.js";
import type { DialplanTarget } from "../dialplan/index.js";
import type { DigitInterceptor, DtmfSource } from "../channel/dtmf.js";
import type { DialStatus } from "../channel/dial.js";
import type { OutboundLeg } from "../channel/outbound-leg.js";
import { CAUSE } from "../channel/hangup-cause.js";
import { prefixedChannelFields } from "../events.js";
import type { DivertedChannel } from "../transfer/transfer-bridge.js";
import type { FeatureServices } from "./feature-services.js";
import { FeatureMatcher, type FeatureCode } from "./feature-matcher.js";

export type ConsultationStep = "atxferabort" | "atxfercomplete";

/** The codes a transferer may press while it talks with the target (empty codes are off). */
export function consultationCodes(general: Pick<FeaturesGeneral, "atxferabort" | "atxfercomplete">): FeatureCode<ConsultationStep>[] {
  const out: FeatureCode<ConsultationStep>[] = [];
  for (const feature of ["atxferabort", "atxfercomplete"] as const) {
    const code = general[feature].trim();
    if (code.length > 0) out.push({ code, feature });
  }
  return out;
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

export class Consultation {
  private state: "dialling" | "talking" | "over" = "dialling";
  private target: OutboundLeg | undefined;
  private timer: TimerHandle | undefined;
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

  /** The transferer's channel leaves for the target's extension. */
  start(): void {
    const { transferer, transferee } = this.o;
    transferer.onEnding(() => this.transfererLeft());
    void transferee.whenEnded().then(() => this.transfereeLeft());
    this.timer = this.clock.setTimeout(() => {
      if (this.state !== "dialling") return;
      this.log.notice({}, `${transferer.name}: attended transfer target ${this.where} did not answer within atxfernoanswertimeout (${this.o.noAnswerMs / 1000} s); back with ${transferee.name}`);
      this.back();
    }, this.o.noAnswerMs);
    if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${transferer.name}: attended transfer of ${transferee.name}: consulting ${this.where}`);
    this.o.s.calls.divert({ kind: "call", call: transferer }, this.o.place);
  }

  /** The transferer's Dial bridged it with `leg`: they talk; its keys may complete or abort. */
  bridged(leg: OutboundLeg): void {
    if (this.state !== "dialling") return;
    this.state = "talking";
    this.cancelTimer();
    this.target = leg;
    leg.on("remoteHangup", () => {
      if (this.state !== "talking" || this.target !== leg) return;
      if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${this.o.transferer.name}: the attended transfer's target ${leg.name} hung up; back with ${this.o.transferee.name}`);
      this.back();
    });
    this.watchKeys();
  }

  /** The transferer's Dial ended; short of an answer, it is back with the transferee. */
  dialEnded(status: DialStatus): void {
    if (this.state !== "dialling" || status === "ANSWER") return;
    this.log.notice({}, `${this.o.transferer.name}: attended transfer target ${this.where} not reached (${status}); back with ${this.o.transferee.name}`);
    this.back();
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

  /** The transferee and the target are bridged; the transferer leaves (is hung up when `hangUp`). */
  private complete(hangUp: boolean): void {
    if (this.state !== "talking") return;
    const { transferer, transferee } = this.o;
    const target = this.target;
    this.over();
    if (target === undefined || transferee.hungUp() || target.state !== "Up") {
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
      events.emit("AttendedTransfer", {
        Result: "Success",
        ...prefixedChannelFields("OrigTransferer", views[0]),
        ...prefixedChannelFields("SecondTransferer", views[0]),
        ...prefixedChannelFields("Transferee", views[1]),
        ...prefixedChannelFields("TransferTarget", views[2]),
        IsExternal: "No",
        DestType: "Bridge",
        DestBridgeUniqueid: tb.id,
      });
    }
    if (hangUp && !transferer.hungUp()) void transferer.hangup(CAUSE.NORMAL_CLEARING);
  }

  /** The transferer talks with the transferee again; the target (if any) is hung up by the transferer's Dial. */
  private back(): void {
    if (this.state === "over") return;
    const { transferer, transferee } = this.o;
    this.over();
    if (transferer.hungUp()) return this.o.dropTransferee();
    if (transferee.hungUp()) {
      void transferer.hangup(CAUSE.NORMAL_CLEARING);
      return;
    }
    this.o.rejoin();
  }

  /** The transferer hung up (its phone, or the end of the target's dialplan). */
  private transfererLeft(): void {
    if (this.state === "talking") return this.complete(false);
    if (this.state !== "dialling") return;
    const { transferer, transferee, place } = this.o;
    this.over();
    if (transferee.hungUp()) return;
    transferee.vars.set("ATTENDEDTRANSFER", transferer.name);
    if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${transferer.name} hung up while consulting ${this.where}: ${transferee.name} goes there`);
    this.o.s.calls.divert({ kind: "call", call: transferee }, place);
  }

  private transfereeLeft(): void {
    if (this.state === "over") return;
    if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${this.o.transferee.name} hung up during the attended transfer; ${this.o.transferer.name}'s call to ${this.where} goes on`);
    this.over();
  }

  private over(): void {
    this.state = "over";
    this.cancelTimer();
    if (this.watch !== undefined) {
      this.watch.matcher.flush();
      this.o.s.calls.ctx.dtmf.release(this.o.transferer.mediaLegId, this.watch.interceptor);
      this.watch = undefined;
    }
    this.o.onOver();
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
