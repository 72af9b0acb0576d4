/**
 * The calls feature as one module: the media engine, the dialplan and its executor, the call
 * manager, the in-dialog pipeline stage, and the console commands — built together, reloaded
 * together, closed in reverse order.
 */
import { join } from "node:path";
import { SHIPPED_SOUNDS, SoundLibrary } from "../sounds/sound-library.js";
import type { Clock } from "../../core/clock.js";
import type { CommandRegistrar } from "../../core/commands.js";
import type { EventSink } from "../../core/event-bus.js";
import type { Logger } from "../../core/logger.js";
import type { CapabilitySet } from "../../core/module-capabilities.js";
import { formatDiagnostic, parseConfigText, type LoadedConfig } from "../../config/index.js";
import { MediaEngine, discoverPublicAddress } from "../../media/index.js";
import { prepareEphemeralCertificate, type DtlsLegState } from "../../media/dtls/index.js";
import type { SipResponse } from "../../sip/message/message.js";
import { MessageFactory, SessionLayer } from "../../sip/session/index.js";
import type { TransactionLayer } from "../../sip/transaction/transaction-layer.js";
import type { TransportSet } from "../../sip/transport/transport-set.js";
import { createCoreAppRegistry, type AppRegistry } from "../apps/index.js";
import { compileDialplan, DialplanExecutor, registerDialplanCommands, withGenerated, type Dialplan } from "../dialplan/index.js";
import type { EndpointDirectory } from "../endpoint/directory.js";
import type { PbxEvents } from "../events.js";
import { createCoreFuncRegistry, type FuncRegistry } from "../funcs/index.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { ContactStore } from "../registrar/store/contact-store.js";
import { CallManager } from "./call-manager.js";
import { registerChannelCommands } from "./channel-commands.js";
import { TollFraudGate } from "../toll-fraud/toll-fraud-gate.js";
import { ClearKeyNotices } from "./clear-keys.js";
import { DtmfRelay } from "./dtmf.js";
import { DeviceStates } from "./device-states.js";
import { CAUSE } from "./hangup-cause.js";

export interface CallsModuleOptions {
  /** Dialplan text made from other configuration (parking lots), compiled after extensions.conf. */
  generatedDialplan?: ReadonlyArray<(cfg: LoadedConfig) => string>;
  clock: Clock;
  log: Logger;
  transactions: TransactionLayer;
  transports: TransportSet;
  config: () => LoadedConfig;
  directory: () => EndpointDirectory;
  contacts: ContactStore;
  userAgent: () => string;
  commands: CommandRegistrar;
  respond: (ctx: RequestContext, res: SipResponse) => void;
  configDir: string | undefined;
  /** Reads the configuration files again (for `dialplan reload`). */
  readConfig?: () => LoadedConfig;
  dataDir: string;
  /** Where the channel, dial, bridge and device-state events go (the module's scoped bus). */
  events: EventSink<PbxEvents>;
  /** Allow/Supported/Accept of the loaded modules. */
  capabilities: CapabilitySet;
  /** The dialplan applications and functions; the core sets when absent (tests). */
  apps?: AppRegistry;
  funcs?: FuncRegistry;
}

export class CallsModule {
  readonly media: MediaEngine;
  readonly calls: CallManager;
  /** INVITE sessions (UAS and UAC) and their dialog table. */
  readonly sessions: SessionLayer;
  private dialplan: Dialplan;
  /** The dialplan as compiled now (after `dialplan reload`, the new one): hints read it. */
  get currentDialplan(): Dialplan {
    return this.dialplan;
  }
  /** The dialplan's global variables as they are now (`[globals]` and run-time `GLOBAL()` sets): AMI Getvar/Setvar without a channel. */
  get globals(): Map<string, string> {
    return this.globalVars;
  }
  private globalVars = new Map<string, string>();
  private stunAddress: string | undefined;
  private readonly unregister: Array<() => void> = [];
  /** The applications calls run; compile() warns about dialplan lines naming any other. */
  private readonly apps: AppRegistry;
  /** Prompts by name, language and codec (asterisk.conf's sounds, then the shipped set). */
  readonly sounds: SoundLibrary;

  private constructor(private readonly o: CallsModuleOptions, media: MediaEngine) {
    this.media = media;
    const apps = o.apps ?? createCoreAppRegistry();
    this.apps = apps;
    this.sounds = new SoundLibrary({
      roots: () => [...o.config().asterisk.soundRoots, SHIPPED_SOUNDS],
      plainDirs: () => [...(o.configDir ? [join(o.configDir, "sounds"), o.configDir] : []), join(o.dataDir, "sounds"), process.cwd()],
      log: o.log.child({ category: "pbx.sounds" }),
    });
    this.dialplan = this.compile(o.config());
    const executor = new DialplanExecutor({
      dialplan: () => this.dialplan,
      log: o.log.child({ category: "pbx.dialplan" }),
      apps,
      funcs: o.funcs ?? createCoreFuncRegistry(),
      clock: o.clock,
    });
    this.globalVars = executor.globals;
    this.sessions = new SessionLayer({ env: { clock: o.clock, transactions: o.transactions }, factory: new MessageFactory({ userAgent: o.userAgent }) });
    const dtmf = new DtmfRelay({ media, log: o.log.child({ category: "pbx.channel" }), events: o.events });
    media.on("dtmf", (legId, digit, durationMs, source, relayed) => {
      if (source !== "info") dtmf.fromMedia(legId, digit, durationMs, source, relayed);
    });
    this.calls = new CallManager({
      ctx: {
        clock: o.clock,
        log: o.log.child({ category: "pbx.channel" }),
        transactions: o.transactions,
        sessions: this.sessions,
        transports: o.transports,
        media,
        directory: o.directory,
        config: o.config,
        contacts: o.contacts,
        userAgent: o.userAgent,
        events: o.events,
        capabilities: o.capabilities,
        devices: new DeviceStates(o.events, { busyAt: (ep) => o.directory().endpoint(ep)?.deviceStateBusyAt ?? 0 }),
        clearKeys: new ClearKeyNotices(),
        tollFraud: new TollFraudGate({ config: o.config, clock: o.clock }),
        dtmf,
        sounds: this.sounds,
      },
      executor,
      respond: o.respond,
      stunAddress: () => this.stunAddress,
    });
    media.on("timeout", (legId) => this.onRtpTimeout(legId));
    media.on("dtls", (legId, state) => this.onDtls(legId, state));
    this.unregister.push(
      registerChannelCommands(o.commands, this.calls, o.transactions),
      registerDialplanCommands(o.commands, {
        dialplan: () => this.dialplan,
        reload: async () => {
          // `dialplan reload` re-reads extensions.conf from disk, like Asterisk's.
          const cfg = this.o.readConfig ? this.o.readConfig() : this.o.config();
          const errors = this.reloadDialplan(cfg);
          const ctxs = this.dialplan.contexts.size;
          return `Dialplan reloaded: ${ctxs} context${ctxs === 1 ? "" : "s"}${errors ? `, ${errors} error${errors === 1 ? "" : "s"} (see the log)` : ""}\n`;
        },
      }),
    );
  }

  static async start(o: CallsModuleOptions): Promise<CallsModule> {
    const rtp = o.config().rtp;
    const media = new MediaEngine({
      rtpStart: rtp.rtpstart,
      rtpEnd: rtp.rtpend,
      bindAddress: "0.0.0.0",
      strictRtp: rtp.strictrtp,
      probation: rtp.probation,
      srtpReplayProtection: rtp.srtpreplayprotection,
      log: o.log.child({ category: "media.relay" }),
      clock: o.clock,
    });
    await media.start();
    // DTLS-SRTP endpoints (media_encryption=dtls, webrtc=yes) present it: made before the first
    // call when one is configured, else in the background (about half a second) for a reload that adds one.
    const certificate = prepareEphemeralCertificate();
    if ([...o.config().pjsip.endpoints.values()].some((e) => e.mediaEncryption === "dtls")) await certificate;
    else certificate.catch((err: unknown) => o.log.warn({ err: String(err) }, "the ephemeral DTLS certificate could not be made"));
    const mod = new CallsModule(o, media);
    mod.discoverStun();
    mod.warnDirectMedia(o.config());
    return mod;
  }

  private compile(cfg: LoadedConfig): Dialplan {
    const log = this.o.log.child({ category: "pbx.dialplan" });
    const parsed = cfg.extensions ?? parseConfigText("", "extensions.conf");
    if (!cfg.extensions) log.warn({}, "no extensions.conf: every call will be answered 404 (add extensions.conf to the configuration directory)");
    const compiled = compileDialplan(
      withGenerated(
        parsed,
        (this.o.generatedDialplan ?? []).map((f) => f(cfg)),
      ),
      { isKnownApp: (name) => this.apps.has(name) },
    );
    this.lastErrors = (cfg.extensions?.diagnostics ?? []).filter((d) => d.severity === "error").length;
    for (const d of compiled.diagnostics) {
      if (d.severity === "error") {
        this.lastErrors++;
        log.error({}, formatDiagnostic(d));
      } else log.warn({}, formatDiagnostic(d));
    }
    return compiled.dialplan;
  }

  /** Errors found by the last compile (extensions.conf syntax and dialplan). */
  private lastErrors = 0;

  /** Recompiles the dialplan from `cfg`; returns the number of errors found. */
  reloadDialplan(cfg: LoadedConfig): number {
    this.dialplan = this.compile(cfg);
    return this.lastErrors;
  }

  /** direct_media is Asterisk's default, but media always stays anchored here: say so once. */
  private warnDirectMedia(cfg: LoadedConfig): void {
    const ids = [...cfg.pjsip.endpoints.values()].filter((e) => e.directMedia).map((e) => e.id);
    if (ids.length === 0) return;
    const list = ids.length > 8 ? `${ids.slice(0, 8).join(", ")} and ${ids.length - 8} more` : ids.join(", ");
    this.o.log.child({ category: "pbx.channel" }).warn(
      {},
      `direct_media=yes on endpoint${ids.length === 1 ? "" : "s"} ${list}: Switchboard keeps media anchored on the server (direct media is not supported yet), which also avoids NAT audio problems; set direct_media=no to silence this warning`,
    );
  }

  /** rtp.conf `stunaddr`: learn our public address when no external address is configured. */
  private discoverStun(): void {
    const stun = this.o.config().rtp.stunaddr;
    if (!stun) return;
    const log = this.o.log.child({ category: "media.stun" });
    void discoverPublicAddress(stun, "0.0.0.0", 3000).then((r) => {
      if (r) {
        this.stunAddress = r.address;
        log.info({}, `STUN server ${stun} sees us as ${r.address}:${r.port}; using ${r.address} in SDP toward peers outside local_net`);
      } else log.warn({}, `STUN server ${stun} did not answer; SDP uses local addresses (set external_media_address on the transport if behind NAT)`);
    });
  }

  /** One log line per DTLS outcome of a leg: the keys are in use, or why no media flows. */
  private onDtls(legId: string, state: DtlsLegState): void {
    let channel = legId;
    let endpoint = "?";
    for (const call of this.calls.calls) {
      const party = call.mediaLegId === legId ? call : call.peer?.mediaLegId === legId ? call.peer : undefined;
      if (party === undefined) continue;
      channel = party.name;
      endpoint = party.endpoint.id;
    }
    const log = this.o.log.child({ category: "media.dtls" });
    if (state.state === "connected") {
      log.info({ channel, endpoint, role: state.role, profile: state.profile, peerFingerprint: state.peerFingerprint }, `DTLS-SRTP on '${channel}': handshake done as ${state.role}, ${state.profile ?? "?"}, peer certificate sha-256 ${state.peerFingerprint ?? "?"} (${state.verified === "no" ? "not verified: dtls_verify=no" : `verified: ${state.verified ?? "?"}`}); SRTP keys in use both ways`);
    } else if (state.state === "failed") {
      log.warn({ channel, endpoint, role: state.role }, `DTLS-SRTP on '${channel}' (endpoint ${endpoint}) failed: ${state.reason ?? "unknown reason"}`);
    }
  }

  private onRtpTimeout(legId: string): void {
    for (const call of this.calls.calls) {
      const legs = [call.mediaLegId, call.peer?.mediaLegId];
      if (!legs.includes(legId)) continue;
      const which = legId === call.mediaLegId ? call.name : (call.peer?.name ?? "");
      const ep = legId === call.mediaLegId ? call.endpoint : call.peer?.endpoint;
      this.o.log.notice({ channel: which }, `Disconnecting channel '${which}' for lack of RTP activity in ${ep?.rtpTimeout ?? 0} seconds (rtp_timeout on endpoint ${ep?.id ?? "?"})`);
      void call.hangup(CAUSE.NORMAL_CLEARING);
    }
  }

  reload(cfg: LoadedConfig): void {
    // A reload may bring new sounds (asterisk.conf astdatadir): warn about missing ones afresh.
    this.sounds.reset();
    this.reloadDialplan(cfg);
    this.warnDirectMedia(cfg);
    // device_state_busy_at may have changed.
    this.calls.ctx.devices.recheck();
  }

  async close(): Promise<void> {
    await this.calls.closeAll();
    this.sessions.close();
    for (const u of this.unregister.splice(0)) u();
    await this.media.close();
  }
}
