/**
 * Busy lamp fields: the `dialog` (RFC 4235) and `presence` (RFC 3856, PIDF) event packages on
 * the subscription server, watching hints. Each change of a hint's extension state (the hints
 * module's ExtensionStatus) sends a NOTIFY to every subscription on that hint; `core reload`
 * sends every subscription its current state, and ends those whose hint is gone. A dialog names
 * the other party of the call when the channel events tell it (device-calls.ts), and a ringing
 * one carries the SIP dialog of the leg we ring, for a pickup by INVITE with Replaces.
 * `core show hints` counts these subscriptions as the hint's watchers.
 */
import type { HintsModule } from "../hints/hints-module.js";
import type { CallLayerModule } from "../channel/call-layer-module.js";
import type { DialogInfo } from "./dialog-info.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import type { SubscriptionsModule } from "../subscriptions/subscriptions-module.js";
import { DIALOG_EVENT } from "./dialog-info.js";
import { dialogPackage, presencePackage, splitResource, type HintCall, type HintLookup } from "./hint-packages.js";
import type { Subscription } from "../subscriptions/subscription-server.js";
import { DeviceCalls } from "./device-calls.js";
import { hintDevices } from "../hints/extension-state.js";
import { PRESENCE_EVENT } from "./pidf.js";

const EVENTS = [DIALOG_EVENT, PRESENCE_EVENT] as const;

export class BlfModule implements SwitchboardModule {
  readonly name = "blf";
  readonly provides = [
    { name: "res_pjsip_exten_state.so", description: "PJSIP Extension State Notifications" },
    { name: "res_pjsip_dialog_info_body_generator.so", description: "PJSIP Extension State Dialog Info+XML Provider" },
    { name: "res_pjsip_pidf_body_generator.so", description: "PJSIP Extension State PIDF Provider" },
  ];
  /** dialog and presence in Allow-Events. */
  readonly capabilities = { eventPackages: [...EVENTS] };
  readonly dependsOn: readonly string[];

  constructor(private readonly deps: { subscriptions: SubscriptionsModule; hints: HintsModule; calls: CallLayerModule }) {
    this.dependsOn = [deps.subscriptions.name, deps.hints.name, deps.calls.name];
  }

  start(ctx: PbxModuleContext): void {
    const subs = this.deps.subscriptions.server;
    const lookup: HintLookup = (exten, context) => this.deps.hints.stateOf(exten, context)?.text;
    const calls = new DeviceCalls();
    for (const name of ["Newchannel", "Newstate", "NewCallerid", "NewConnectedLine"] as const) ctx.events.on(name, (c) => calls.update(c));
    ctx.events.on("Hangup", (c) => calls.hangup(c));
    ctx.defer(() => calls.clear());
    const callOf: HintCall = (exten, context, text) => {
      const hint = this.deps.hints.stateOf(exten, context);
      if (hint === undefined) return undefined;
      const devices = hintDevices(hint.hint);
      const ringing = text === "Ringing" || text === "InUse&Ringing";
      return { call: calls.callOf(devices, ringing), sipDialog: ringing ? this.ringingDialog(devices) : undefined };
    };
    ctx.defer(subs.addPackage(dialogPackage(lookup, callOf)));
    ctx.defer(subs.addPackage(presencePackage(lookup)));
    ctx.events.on("ExtensionStatus", (e) => {
      const key = `${e.Exten}@${e.Context}`;
      for (const event of EVENTS) subs.changed(event, (resource) => resource === key);
    });
    ctx.defer(this.deps.hints.addWatchers((exten, context) => EVENTS.reduce((n, event) => n + subs.list(event).filter((s) => s.resource === `${exten}@${context}`).length, 0)));
  }

  /** The SIP dialog of a leg we ring on one of `devices`: what a pickup's Replaces names. */
  private ringingDialog(devices: readonly string[]): DialogInfo["sipDialog"] {
    const ids = new Set(devices.map((d) => /^PJSIP\/(.+)$/i.exec(d)?.[1]).filter((x): x is string => x !== undefined));
    for (const { leg } of this.deps.calls.calls.calls.ringingLegs()) {
      if (!ids.has(leg.endpoint.id)) continue;
      const tag = leg.session.earlyRemoteTags[0];
      // The extension's view: its own tag is the To tag of its provisional, ours the INVITE's From tag.
      if (tag !== undefined) return { callId: leg.session.callId, localTag: tag, remoteTag: leg.session.localTag };
    }
    return undefined;
  }

  /**
   * After a reload a hint may be gone or changed: the watchers of a hint that is gone get a final
   * NOTIFY (reason=noresource), every other watcher the state now.
   */
  reload(): void {
    const server = this.deps.subscriptions.server;
    const gone = (s: Subscription): boolean => {
      const { exten, context } = splitResource(s.resource);
      return this.deps.hints.stateOf(exten, context) === undefined;
    };
    for (const event of EVENTS) {
      server.terminate(event, gone, "noresource");
      server.refreshAll(event);
    }
  }
}
