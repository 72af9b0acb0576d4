/**
 * Music on hold as a module (Asterisk's res_musiconhold): musiconhold.conf's classes, the
 * built-in generated class, MusicOnHold(), StartMusicOnHold(), StopMusicOnHold(), `moh show
 * classes|files`, and the music a held party hears while the other phone holds the call.
 *
 * It starts before the call layer, so the dialplan compiles against its applications, and reads
 * the call layer lazily (as ARI does). It listens to the bus: Hold and Unhold (music on and off
 * for the other party), DialBegin (Dial's `m` option: music for the caller while it rings),
 * BridgeEnter (a channel that joins a bridge stops hearing its own music, e.g. after
 * StartMusicOnHold and a Dial), Newexten (a Dial with `m` returned) and Hangup.
 */
import type { CallManager } from "../channel/call-manager.js";
import type { CallLayerModule } from "../channel/call-layer-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { holdParties } from "./moh-hold.js";
import { musicOnHoldApp, startMusicOnHoldApp, stopMusicOnHoldApp, type MohAppDeps } from "./moh-apps.js";
import { registerMohCommands } from "./moh-commands.js";
import type { MohLeg } from "./moh-player.js";
import { MohService } from "./moh-service.js";
import { channelMusicClass } from "./music-class.js";
import { parseDialOptions } from "../apps/dial-options.js";

/**
 * The class of Dial's `m[(class)]` option in its application data (`PJSIP/2001,30,m(jazz)`):
 * "" for `m` alone, undefined without the option.
 */
export function dialMusicOption(appData: string): string | undefined {
  const options = appData.split(",")[2];
  if (options === undefined) return undefined;
  return parseDialOptions(options).flags.get("m");
}

export class MohModule implements SwitchboardModule {
  readonly name = "moh";
  readonly provides = [{ name: "res_musiconhold.so", description: "Music On Hold Resource", useCount: () => this.service?.classes().reduce((n, r) => n + r.inUse, 0) ?? 0 }];
  readonly configFiles = [{ file: "musiconhold.conf" }];
  private service: MohService | undefined;

  constructor(private readonly deps: { calls: CallLayerModule }) {}

  /** The music on hold service, for tests and the console; undefined before start. */
  get moh(): MohService | undefined {
    return this.service;
  }

  /**
   * Starts music on a channel (ARI's POST /channels/{id}/moh): its CHANNEL(musicclass) or the
   * class asked for, else default. False before the module runs or without a media engine.
   */
  playTo(channel: MohLeg & { readonly vars: ReadonlyMap<string, string> }, requested: string | undefined): boolean {
    const service = this.service;
    if (service === undefined) return false;
    return service.start(channel, service.choose(channelMusicClass(channel.vars), requested, channel.name)) !== undefined;
  }

  /** Stops the music on a media leg (ARI's DELETE /channels/{id}/moh); false when none played. */
  stopOn(legId: string): boolean {
    return this.service?.stop(legId) ?? false;
  }

  private callManager(): CallManager | undefined {
    try {
      return this.deps.calls.calls.calls;
    } catch {
      return undefined;
    }
  }

  start(ctx: PbxModuleContext): void {
    const log = ctx.log.child({ category: "pbx.moh" });
    const service = new MohService({ config: () => ctx.config().moh, media: () => this.callManager()?.ctx.media, log });
    this.service = service;
    const legOf = (name: string): MohLeg | undefined => {
      const c = this.callManager()?.dialplanChannel(name);
      return c === undefined ? undefined : { name: c.name, media: c.media };
    };
    const deps: MohAppDeps = { service: () => this.service, legOf };
    ctx.apps.register(musicOnHoldApp(deps));
    ctx.apps.register(startMusicOnHoldApp(deps));
    ctx.apps.register(stopMusicOnHoldApp(deps));
    for (const undo of registerMohCommands(ctx.commands, () => service.classes())) ctx.defer(undo);

    /** Legs hearing music because the other phone holds, by the holding channel's name. */
    const heldBy = new Map<string, string>();
    ctx.events.on("Hold", (e) => {
      const cm = this.callManager();
      const parties = cm === undefined ? undefined : holdParties(cm, e.Channel);
      if (parties === undefined) return;
      const cls = service.choose(channelMusicClass(parties.held.vars), e.MusicClass ?? parties.holder.mohSuggest, parties.held.name);
      if (service.start(parties.held, cls) !== undefined) heldBy.set(e.Channel, parties.held.media.legId);
    });
    ctx.events.on("Unhold", (e) => {
      const legId = heldBy.get(e.Channel);
      if (legId === undefined) return;
      heldBy.delete(e.Channel);
      service.stop(legId);
    });
    ctx.events.on("BridgeEnter", (e) => {
      dialMoh.delete(e.Channel);
      service.stopChannel(e.Channel);
    });

    // Dial's m option: the caller hears music instead of ringing until a callee answers (it
    // enters the bridge) or the Dial ends (the dialplan goes on: Newexten).
    const dialMoh = new Set<string>();
    ctx.events.on("DialBegin", (e) => {
      if (dialMoh.has(e.Channel)) return;
      const cm = this.callManager();
      const caller = cm?.dialplanChannel(e.Channel);
      if (caller === undefined || caller.channel.application.toLowerCase() !== "dial") return;
      const requested = dialMusicOption(caller.channel.appData);
      if (requested === undefined) return;
      dialMoh.add(e.Channel);
      void caller.progress().then(() => {
        if (!dialMoh.has(e.Channel) || caller.hungUp()) return;
        service.start({ name: caller.name, media: caller.media }, service.choose(channelMusicClass(caller.vars), requested, caller.name));
      });
    });
    ctx.events.on("Newexten", (e) => {
      if (dialMoh.delete(e.Channel)) service.stopChannel(e.Channel);
    });
    ctx.events.on("Hangup", (e) => {
      dialMoh.delete(e.Channel);
      // The holder hung up: its held partner's music ends with the bridge; the player ends by itself when a leg is released.
      const legId = heldBy.get(e.Channel);
      if (legId !== undefined) {
        heldBy.delete(e.Channel);
        service.stop(legId);
      }
      service.stopChannel(e.Channel);
    });
    ctx.defer(() => service.stopAll());
  }

  reload(): void {
    this.service?.rescan();
  }

  stop(): void {
    this.service = undefined;
  }
}
