/**
 * Finds feature codes (features.conf `[featuremap]`) in the keys one party of a call presses.
 * A key that cannot begin a code is passed on at once; keys that begin one are held back until
 * the code is complete, or until `featuredigittimeout` passes without the next key — then they
 * are passed on as they were pressed. A code that is also the start of a longer one fires when
 * that time passes.
 *
 *   idle ──key that starts a code──► holding ──code complete──► feature
 *     ▲                                 │──key that fits no code──► pass on held keys + key
 *     └─────────────────────────────────┴──timeout──► feature (a complete code) | pass on
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { DtmfSource } from "../channel/dtmf.js";

export type FeatureName = "blindxfer" | "atxfer" | "disconnect" | "parkcall" | "automixmon";

/** A code and what it names: a feature of the bridge, or a step of an attended transfer's consultation. */
export interface FeatureCode<N extends string = FeatureName> {
  readonly code: string;
  readonly feature: N;
}

/** A key as it was pressed, to pass on unchanged. */
export interface HeldKey {
  readonly digit: string;
  readonly durationMs: number;
  readonly source: DtmfSource;
  /** It reached the other phone in the media already (the worker had not held it yet). */
  readonly crossed: boolean;
}

export interface FeatureMatcherOptions<N extends string = FeatureName> {
  codes: readonly FeatureCode<N>[];
  timeoutMs: number;
  clock: Clock;
  /** A code was pressed. */
  onFeature(feature: N, code: string): void;
  /** Keys that are no code, in order. */
  onPass(keys: readonly HeldKey[]): void;
}

export class FeatureMatcher<N extends string = FeatureName> {
  private held: HeldKey[] = [];
  private timer: TimerHandle | undefined;

  constructor(private readonly o: FeatureMatcherOptions<N>) {}

  push(key: HeldKey): void {
    this.cancelTimer();
    this.held.push(key);
    const typed = this.held.map((k) => k.digit).join("");
    const exact = this.o.codes.find((c) => c.code === typed);
    const longer = this.o.codes.some((c) => c.code.length > typed.length && c.code.startsWith(typed));
    if (exact !== undefined && !longer) return this.fire(exact);
    if (exact !== undefined || longer) {
      this.timer = this.o.clock.setTimeout(() => this.expire(), this.o.timeoutMs);
      return;
    }
    // The keys held so far may still end in a code that starts later (`*` then `#1`).
    const keys = this.held;
    this.held = [];
    const restart = keys.findIndex((_, i) => i > 0 && this.startsCode(keys.slice(i)));
    if (restart < 0) return this.o.onPass(keys);
    this.o.onPass(keys.slice(0, restart));
    for (const k of keys.slice(restart)) this.push(k);
  }

  /** Passes on what is held (the call ends or features stop). */
  flush(): void {
    this.cancelTimer();
    const keys = this.held;
    this.held = [];
    if (keys.length > 0) this.o.onPass(keys);
  }

  /** Drops what is held without passing it on. */
  close(): void {
    this.cancelTimer();
    this.held = [];
  }

  private startsCode(keys: readonly HeldKey[]): boolean {
    const typed = keys.map((k) => k.digit).join("");
    return this.o.codes.some((c) => c.code.startsWith(typed));
  }

  private expire(): void {
    this.timer = undefined;
    const typed = this.held.map((k) => k.digit).join("");
    const exact = this.o.codes.find((c) => c.code === typed);
    if (exact !== undefined) return this.fire(exact);
    this.flush();
  }

  private fire(c: FeatureCode<N>): void {
    this.held = [];
    this.o.onFeature(c.feature, c.code);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
