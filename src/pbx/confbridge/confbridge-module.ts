/**
 * Conferences as a module: confbridge.conf's profiles, the ConfBridge() application, the
 * `confbridge list/kick/mute/unmute` commands and the Confbridge* AMI events. Mixing happens in
 * the media workers (media/conference); the call layer starts after this module (ConfBridge must
 * be known when it compiles the dialplan), so its media engine is read when a call needs it.
 */
import type { CallLayerModule } from "../channel/call-layer-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { confBridgeApp } from "./confbridge-app.js";
import { registerConfbridgeCommands } from "./confbridge-commands.js";
import { Conferences, type ConferenceMedia } from "./conference.js";

/** The applications this module registers, by name (for `switchboard check`). */
export const CONFBRIDGE_APP_NAMES = ["ConfBridge"] as const;

export class ConfbridgeModule implements SwitchboardModule {
  readonly name = "confbridge";
  readonly provides = [{ name: "app_confbridge.so", description: "Conference Bridge Application" }];
  readonly configFiles = [{ file: "confbridge.conf" }];
  readonly emits = ["ConfbridgeStart", "ConfbridgeEnd", "ConfbridgeJoin", "ConfbridgeLeave", "ConfbridgeMute", "ConfbridgeUnmute"];
  private running: Conferences | undefined;

  constructor(private readonly deps: { calls: CallLayerModule }) {}

  /** The running conferences (tests, AMI); undefined before start. */
  get conferences(): Conferences | undefined {
    return this.running;
  }

  private media(): ConferenceMedia | undefined {
    try {
      return this.deps.calls.calls.media;
    } catch {
      return undefined;
    }
  }

  start(ctx: PbxModuleContext): void {
    const conferences = new Conferences({ media: () => this.media(), events: ctx.events, now: () => ctx.clock.now() });
    this.running = conferences;
    ctx.apps.register(confBridgeApp({ config: () => ctx.config().confbridge, conferences }));
    registerConfbridgeCommands(ctx.commands, conferences);
  }
}
