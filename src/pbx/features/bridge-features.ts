/**
 * DTMF feature codes in a call Dial() bridged, as its options allow them (Asterisk's letters):
 *
 *   t / T   blindxfer    the called / calling party may transfer the other party blind,
 *           atxfer       or attended (a consultation call first: attended-transfer.ts)
 *   h / H   disconnect   the called / calling party may hang up the call
 *   k / K   parkcall     the called / calling party may park the other party
 *   x / X   automixmon   the called / calling party may start and stop recording the call
 *
 * While a party may use a code its keys are watched (DtmfRelay interceptor): keys that begin a
 * code are held back (feature-matcher.ts), the others reach the other party at once. The watch
 * ends with the bridge: a hangup, a redirect or a transfer of either party.
 */
import type { DigitInterceptor, DtmfRelay, DtmfSource } from "../channel/dtmf.js";
import type { DialCaller } from "../channel/dial-caller.js";
import type { OutboundLeg } from "../channel/outbound-leg.js";
import type { FeaturesFeaturemap } from "../../config/features/features-schema.js";
import type { Clock } from "../../core/clock.js";
import { parseDialOptions } from "../apps/dial-options.js";
import { FeatureMatcher, type FeatureCode, type FeatureName } from "./feature-matcher.js";

/** Dial's letters, each allowing features to the called (lower case) or calling party (upper case). */
const CALLEE_LETTERS: Readonly<Record<string, readonly FeatureName[]>> = { t: ["blindxfer", "atxfer"], h: ["disconnect"], k: ["parkcall"], x: ["automixmon"] };
const CALLER_LETTERS: Readonly<Record<string, readonly FeatureName[]>> = { T: ["blindxfer", "atxfer"], H: ["disconnect"], K: ["parkcall"], X: ["automixmon"] };

/** The Dial option letters this module acts on. */
export const FEATURE_DIAL_LETTERS = new Set([...Object.keys(CALLEE_LETTERS), ...Object.keys(CALLER_LETTERS)]);

/** The codes one side of the call may press: its letters among Dial's options, with a code set in features.conf. */
export function codesFor(options: string, side: "caller" | "callee", map: FeaturesFeaturemap): FeatureCode[] {
  const letters = side === "caller" ? CALLER_LETTERS : CALLEE_LETTERS;
  const flags = parseDialOptions(options).flags;
  const codeOf: Readonly<Record<FeatureName, string>> = { blindxfer: map.blindxfer, atxfer: map.atxfer, disconnect: map.disconnect, parkcall: map.parkcall, automixmon: map.automixmon };
  const out: FeatureCode[] = [];
  for (const [letter, features] of Object.entries(letters)) {
    if (!flags.has(letter)) continue;
    for (const feature of features) {
      const code = codeOf[feature].trim();
      if (code.length > 0 && !out.some((c) => c.feature === feature)) out.push({ code, feature });
    }
  }
  return out;
}

/** Who pressed a code, in the call Dial bridged. */
export interface FeaturePress {
  readonly side: "caller" | "callee";
  readonly call: DialCaller;
  readonly leg: OutboundLeg;
  readonly feature: FeatureName;
  readonly code: string;
}

export interface BridgeWatchOptions {
  dtmf: DtmfRelay;
  clock: Clock;
  timeoutMs: number;
  call: DialCaller;
  leg: OutboundLeg;
  codes: { caller: readonly FeatureCode[]; callee: readonly FeatureCode[] };
  /** Runs a feature; true when the parties keep their bridge (and so the watch). */
  run(press: FeaturePress): boolean;
}

export class BridgeWatch {
  private readonly sides: Array<{ legId: string; matcher: FeatureMatcher; interceptor: DigitInterceptor }> = [];
  private stopped = false;

  constructor(private readonly o: BridgeWatchOptions) {
    for (const side of ["caller", "callee"] as const) {
      const codes = o.codes[side];
      if (codes.length === 0) continue;
      const legId = side === "caller" ? o.call.mediaLegId : o.leg.mediaLegId;
      const matcher = new FeatureMatcher({
        codes,
        timeoutMs: o.timeoutMs,
        clock: o.clock,
        onPass: (keys) => {
          for (const k of keys) o.dtmf.passOn(legId, k.digit, k.durationMs, k.source, k.crossed);
        },
        onFeature: (feature, code) => {
          if (!this.bridged()) return this.stop();
          if (!o.run({ side, call: o.call, leg: o.leg, feature, code })) this.stop();
        },
      });
      const interceptor: DigitInterceptor = {
        digit: (digit: string, durationMs: number, source: DtmfSource, crossed: boolean) => {
          if (this.bridged()) return matcher.push({ digit, durationMs, source, crossed });
          this.stop();
          o.dtmf.passOn(legId, digit, durationMs, source, crossed);
        },
      };
      o.dtmf.intercept(legId, interceptor);
      this.sides.push({ legId, matcher, interceptor });
    }
    const stop = (): void => this.stop();
    o.call.onEnding(stop);
    o.leg.on("remoteHangup", stop);
    o.leg.on("redirected", stop);
    void o.call.whenStopped().then(stop);
  }

  get watching(): boolean {
    return !this.stopped && this.sides.length > 0;
  }

  /** Still the call Dial bridged: neither side hung up, redirected or transferred. */
  private bridged(): boolean {
    const { call, leg } = this.o;
    return !this.stopped && !call.hungUp() && call.peer === leg && leg.state === "Up" && !call.redirectPending();
  }

  /** Ends the watch: held keys are dropped, each side's keys cross to the other again. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.sides) {
      s.matcher.close();
      this.o.dtmf.release(s.legId, s.interceptor);
    }
  }
}
