/**
 * The ARI module (ari.conf): the REST resources and the events WebSocket under the HTTP
 * server's `/ari`, ARI applications, and the `Stasis()` dialplan application.
 *
 * It reads the PBX and never changes it: channels from the call layer (looked up when asked,
 * so this module can start before the call layer — it must, because `Stasis` has to be
 * registered before the dialplan is compiled), endpoints from the directory and the contact
 * store, and everything else from the event bus, which it turns into ARI events
 * (ari-events.ts) — listened to only while ARI can be used (enabled, with a user, the HTTP
 * server listening), so a PBX without ARI builds no event payloads for it. Failed logins go to the guard as security events with Service "ARI".
 */
import type { MohModule } from "../../pbx/moh/moh-module.js";
import type { IncomingMessage } from "node:http";
import { randomUUID } from "node:crypto";
import type { CallLayerModule } from "../../pbx/channel/call-layer-module.js";
import type { CallManager } from "../../pbx/channel/call-manager.js";
import type { InboundCall } from "../../pbx/channel/inbound-call.js";
import type { OriginatedCall } from "../../pbx/channel/originated-call.js";
import type { PbxModuleContext, SwitchboardModule } from "../../pbx/module-context.js";
import { channelFields, type PbxEvents } from "../../pbx/events.js";
import type { ContactsModule } from "../../pbx/registrar/contacts-module.js";
import type { VoicemailModule } from "../../pbx/voicemail/voicemail-module.js";
import type { GuardModule } from "../../security/guard-module.js";
import type { HttpModule } from "../http/http-module.js";
import { AriApplications } from "./ari-applications.js";
import { AriEventTranslator } from "./ari-events.js";
import { ariRoute } from "./ari-http.js";
import { channelJson } from "./ari-objects.js";
import type { AriResource } from "./ari-resource.js";
import type { AriServices } from "./ari-services.js";
import { AriState } from "./ari-state.js";
import { defaultEntityId } from "./entity-id.js";
import { Playbacks } from "./playbacks.js";
import { applicationsResource } from "./resources/applications.js";
import { asteriskResource } from "./resources/asterisk.js";
import { bridgesResource } from "./resources/bridges.js";
import { channelsResource } from "./resources/channels.js";
import { deviceStatesResource } from "./resources/device-states.js";
import { endpointsResource } from "./resources/endpoints.js";
import { eventsResource } from "./resources/events.js";
import { playbacksResource } from "./resources/playbacks.js";
import { soundsResource } from "./resources/sounds.js";
import { mailboxesResource } from "./resources/mailboxes.js";
import { SoundIndex } from "./sound-index.js";
import { SHIPPED_SOUNDS } from "../../pbx/sounds/sound-library.js";
import { StasisControl } from "./stasis.js";
import { AriBridges } from "./ari-bridges.js";
import { Recordings } from "./recordings.js";
import { recordingsResource } from "./resources/recordings.js";
import { join } from "node:path";
import type { BridgeMember } from "../../pbx/bridge/bridge.js";

export class AriModule implements SwitchboardModule {
  readonly name = "ari";
  readonly description = "Asterisk RESTful Interface (ari.conf)";
  readonly provides = [
    { name: "res_ari.so", description: "Asterisk RESTful Interface" },
    { name: "app_stasis.so", description: "Stasis dialplan application" },
  ];
  readonly dependsOn: readonly string[];
  readonly configFiles = [{ file: "ari.conf" }];
  /** The bridges applications create are reported as the call layer's are. */
  readonly emits = ["BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy", "Hold", "Unhold"];
  private unregisterRoute: (() => void) | undefined;
  private services: AriServices | undefined;

  constructor(private readonly deps: { http: HttpModule; contacts: ContactsModule; guard: GuardModule; voicemail: VoicemailModule; calls: CallLayerModule; moh: MohModule }) {
    // The call layer starts after this module (see above): it is read lazily, not a dependency.
    this.dependsOn = [deps.http.name, deps.contacts.name, deps.guard.name, deps.voicemail.name, deps.moh.name];
  }

  /** The call manager once the call layer runs. */
  private callManager(): CallManager | undefined {
    try {
      return this.deps.calls.calls.calls;
    } catch {
      return undefined;
    }
  }

  start(ctx: PbxModuleContext): void {
    const log = ctx.log.child({ category: "api.ari" });
    const state = new AriState({
      clock: ctx.clock,
      directory: ctx.directory,
      contacts: () => this.deps.contacts.store,
      calls: () => this.callManager(),
      defaultLanguage: () => ctx.config().asterisk.options.defaultlanguage || "en",
    });
    const asteriskId = defaultEntityId();
    const apps = new AriApplications(asteriskId, () => ctx.clock.now());
    const channelvars = (): readonly string[] => ctx.config().ari.general.channelvars;
    const json = (id: string) => {
      const live = state.anyChannel(id);
      return live === undefined ? undefined : channelJson(live, channelvars(), state.now());
    };
    let bridges: AriBridges | undefined;
    const stasis = new StasisControl({ apps, channelJson: json, log, leaving: (id) => bridges?.leaveAll(id) });
    const stasisCall = (id: string): InboundCall | OriginatedCall | undefined => {
      const st = stasis.get(id);
      const live = state.channel(id);
      if (st === undefined || st.ended || live === undefined || live.owner.kind === "outbound") return undefined;
      return live.owner.call;
    };
    const member = (id: string): BridgeMember | undefined => stasisCall(id);
    bridges = new AriBridges({
      events: ctx.events,
      media: () => this.callManager(),
      member,
      entered: (channelId, bridgeId) => {
        const app = stasis.get(channelId)?.app;
        if (app !== undefined) apps.get(app)?.bridgeIds.add(bridgeId);
      },
    });
    const services: AriServices = {
      state,
      apps,
      stasis,
      playbacks: new Playbacks(apps),
      asteriskId,
      config: ctx.config,
      channelJson: json,
      bridges,
      recordings: new Recordings({ dir: () => join(ctx.config().asterisk.spoolDir ?? ctx.dataDir, "recording"), apps, log }),
      originate: (req) => this.callManager()?.originate(req),
      mute: (id, direction, on) => {
        const m = member(id);
        const cm = this.callManager();
        if (m === undefined || cm === undefined) return false;
        cm.muteMedia(m, { ...(direction !== "out" ? { in: on } : {}), ...(direction !== "in" ? { out: on } : {}) });
        return true;
      },
      hold: (id, on) => {
        const m = member(id);
        const cm = this.callManager();
        if (m === undefined || cm === undefined) return false;
        // No music on hold yet (issue 15): the held channel's other party hears silence, as
        // Asterisk's does without MOH files.
        cm.muteMedia(m, { in: on, out: on });
        const name = on ? "Hold" : "Unhold";
        if (ctx.events.wants(name)) ctx.events.emit(name, channelFields(m.view()));
        return true;
      },
      moh: (id, mohClass) => {
        const m = stasisCall(id);
        if (m === undefined) return false;
        if (mohClass === null) {
          this.deps.moh.stopOn(m.mediaLegId);
          return true;
        }
        return this.deps.moh.playTo({ name: m.name, media: m.media, vars: m.vars }, mohClass);
      },
    };
    this.services = services;
    ctx.apps.register(stasis.app());

    const translator = new AriEventTranslator(state, channelvars);
    const onEvent = <K extends keyof PbxEvents>(name: K, payload: PbxEvents[K]): void => {
      state.note(name, payload);
      if (name === "Hangup") stasis.hangingUp((payload as PbxEvents["Hangup"]).Uniqueid);
      const t = translator.translate(name, payload);
      if (t !== undefined) apps.dispatch(t.event, t.scope);
      if (name === "Hangup") for (const app of apps.list()) app.channelIds.delete((payload as PbxEvents["Hangup"]).Uniqueid);
    };

    // The roots playback searches by language, in its order (pbx/channel/calls-module.ts).
    const sounds = new SoundIndex(() => [...ctx.config().asterisk.soundRoots, SHIPPED_SOUNDS], () => ctx.clock.now());
    const resources: AriResource[] = [asteriskResource(services), endpointsResource(services), channelsResource(services), bridgesResource(services), deviceStatesResource(services), applicationsResource(services), playbacksResource(services), soundsResource(sounds), mailboxesResource(() => this.deps.voicemail.voicemail), recordingsResource(services), eventsResource()];
    const route = ariRoute({
      config: () => ctx.config().ari,
      resources,
      apps,
      prefix: () => this.deps.http.settings()?.prefix ?? "",
      authFailed: (req, username, reason) => this.authFailed(ctx, req, username, reason),
      banned: (address) => this.deps.guard.guard.isBanned(address),
      log,
    });
    // The bus is listened to only while someone can use ARI (enabled, a user, the HTTP server
    // listening): otherwise every event's payload would be built for nobody.
    let unlisten: (() => void) | undefined;
    const apply = (): void => {
      const ari = ctx.config().ari;
      const on = ari.general.enabled;
      if (on && this.unregisterRoute === undefined) this.unregisterRoute = this.deps.http.routes.register(route);
      if (!on && this.unregisterRoute !== undefined) {
        this.unregisterRoute();
        this.unregisterRoute = undefined;
      }
      const usable = on && ari.users.size > 0 && this.deps.http.address() !== undefined;
      if (usable && unlisten === undefined) unlisten = ctx.events.onAny(onEvent);
      if (!usable && unlisten !== undefined) {
        unlisten();
        unlisten = undefined;
      }
    };
    apply();
    this.applyConfig = apply;
    ctx.defer(() => {
      this.unregisterRoute?.();
      this.unregisterRoute = undefined;
    });
  }

  private applyConfig: () => void = () => {};

  reload(): void {
    this.applyConfig();
    if (this.services !== undefined) this.services.state.lastReloadAt = this.services.state.now();
  }

  /** A wrong ARI login, as the guard counts SIP digest failures (Service "ARI"). */
  private authFailed(ctx: PbxModuleContext, req: IncomingMessage, username: string, reason: "InvalidAccountID" | "InvalidPassword"): void {
    const s = req.socket;
    this.deps.guard.events.publish({
      type: reason,
      time: ctx.clock.now(),
      service: "ARI",
      accountId: username.slice(0, 80),
      sessionId: randomUUID(),
      local: { transport: "TCP", address: s.localAddress ?? "", port: s.localPort ?? 0 },
      remote: { transport: "TCP", address: s.remoteAddress ?? "", port: s.remotePort ?? 0 },
      method: req.method ?? "GET",
      username: username.slice(0, 80),
      userAgent: (req.headers["user-agent"] ?? "").slice(0, 120),
    });
  }
}
