/**
 * DTMF feature codes (features.conf `[featuremap]`) in calls Dial() bridged with the option
 * letters that allow them (bridge-features.ts), and what each does (feature-actions.ts): blind
 * and attended transfer, disconnect, parking, one-touch MixMonitor. Starts once the call layer runs and is told
 * of every bridged call; Dial's options and features.conf are read at that moment, so a reload
 * applies to the next call.
 */
import type { CallLayerModule } from "../channel/call-layer-module.js";
import type { DialCaller } from "../channel/dial-caller.js";
import type { OutboundLeg } from "../channel/outbound-leg.js";
import type { MixMonitorModule } from "../mixmonitor/mixmonitor-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import type { ParkingModule } from "../parking/parking-module.js";
import type { TransferModule } from "../transfer/transfer-module.js";
import { BridgeWatch, codesFor } from "./bridge-features.js";
import { FeatureActions } from "./feature-actions.js";
import type { FeatureMusic } from "./feature-services.js";

export interface FeaturesModuleDeps {
  calls: CallLayerModule;
  transfer: TransferModule;
  parking?: ParkingModule;
  mixmonitor?: MixMonitorModule;
}

export class FeaturesModule implements SwitchboardModule {
  readonly name = "features";
  readonly provides = [{ name: "bridge_builtin_features.so", description: "Built in bridging features", reloads: false }];
  readonly configFiles = [{ file: "features.conf" }];
  readonly emits = ["BlindTransfer", "AttendedTransfer"];
  /** What a transferee hears while its transferer dials; the music on hold module gives it. */
  music: FeatureMusic | undefined;
  private unhook: (() => void) | undefined;
  private actions: FeatureActions | undefined;

  constructor(private readonly deps: FeaturesModuleDeps) {}

  start(): void {
    // Nothing of its own to start: it acts on calls once the call layer runs (ready).
  }

  ready(ctx: PbxModuleContext): void {
    const calls = this.deps.calls.calls.calls;
    const actions = new FeatureActions({
      calls,
      events: ctx.events,
      config: ctx.config,
      transfers: () => this.deps.transfer.transfers,
      music: () => this.music,
      parked: () => this.deps.parking?.parked,
      monitors: () => {
        try {
          return this.deps.mixmonitor?.monitors;
        } catch {
          return undefined;
        }
      },
      now: () => ctx.clock.now(),
    });
    this.actions = actions;
    const hook = (call: DialCaller, leg: OutboundLeg, options: string): void => {
      // An attended transfer's consultation reached its target: the transfer's own codes apply.
      const consultation = actions.consultationOf(call);
      if (consultation !== undefined) return consultation.bridged(leg);
      const features = ctx.config().features;
      const codes = { caller: codesFor(options, "caller", features.featuremap), callee: codesFor(options, "callee", features.featuremap) };
      if (codes.caller.length === 0 && codes.callee.length === 0) return;
      new BridgeWatch({ dtmf: calls.ctx.dtmf, clock: calls.ctx.clock, timeoutMs: features.general.featuredigittimeout, call, leg, codes, run: (p) => actions.run(p) });
    };
    const dialEnd = (call: DialCaller): void => actions.consultationOf(call)?.dialEnded();
    calls.bridgeHooks.push(hook);
    calls.dialEndHooks.push(dialEnd);
    this.unhook = () => {
      const i = calls.bridgeHooks.indexOf(hook);
      if (i >= 0) calls.bridgeHooks.splice(i, 1);
      const j = calls.dialEndHooks.indexOf(dialEnd);
      if (j >= 0) calls.dialEndHooks.splice(j, 1);
    };
  }

  /** AMI Atxfer (FeatureActions.attendedByName); "no-channel" until the call layer runs. */
  attendedTransfer(channel: string, exten: string, context: string | undefined): ReturnType<FeatureActions["attendedByName"]> {
    return this.actions?.attendedByName(channel, exten, context) ?? "no-channel";
  }

  stop(): void {
    this.unhook?.();
    this.unhook = undefined;
  }
}
