/**
 * The call layer (calls-module.ts: media engine, dialplan, B2BUA, in-dialog stage, channel and
 * dialplan commands) under the module contract. This file only declares what the call layer
 * adds and hands it the services of the module context; the call layer itself is built,
 * reloaded and closed by CallsModule.
 *
 * The call layer is handed `events` (the scoped event bus for the channel, dial, bridge and
 * device-state events declared below), `capabilities` (Allow/Supported of the loaded modules,
 * narrowed per endpoint by endpoint-capabilities.ts), and the shared dialplan registries `apps`
 * and `funcs` (see docs/architecture.md, "Events").
 */
import { started } from "../../core/module.js";
import type { SipStackModule } from "../../sip/sip-stack-module.js";
import type { DialplanAppsModule } from "../apps/apps-module.js";
import type { ConfigModule } from "../config-module.js";
import type { LoadedConfig } from "../../config/index.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import type { ContactsModule } from "../registrar/contacts-module.js";
import { CallsModule, type CallsModuleOptions } from "./calls-module.js";

export class CallLayerModule implements SwitchboardModule {
  readonly name = "calls";
  readonly provides = [
    // Asterisk's chan_pjsip and res_pjsip_sdp_rtp have no reload of their own (res_pjsip.so has).
    { name: "chan_pjsip.so", description: "PJSIP Channel Driver", useCount: () => this.channelCount(), reloads: false },
    { name: "res_pjsip_sdp_rtp.so", description: "PJSIP SDP RTP/AVP stream handler", reloads: false },
    { name: "res_rtp_asterisk.so", description: "Asterisk RTP Stack" },
    { name: "res_srtp.so", description: "Secure RTP (SRTP)", reloads: false },
    { name: "bridge_simple.so", description: "Simple two channel bridging module", reloads: false },
    { name: "pbx_config.so", description: "Text Extension Configuration" },
  ];
  readonly dependsOn: readonly string[];
  readonly configFiles = [{ file: "extensions.conf" }, { file: "rtp.conf" }, { file: "pjsip.conf", objectTypes: ["endpoint"] }];
  readonly capabilities = {
    // CANCEL is answered by the dispatch stage, but only means something where INVITE does.
    methods: ["INVITE", "ACK", "CANCEL", "BYE", "UPDATE", "INFO", "PRACK"],
    // RFC 3262 (reliable provisionals) and RFC 4028 (session timers), both in sip/session.
    optionTags: ["100rel", "timer"],
    accept: ["application/sdp"],
  };
  readonly emits = [
    "Newchannel",
    "Newstate",
    "Hangup",
    "HangupRequest",
    "SoftHangupRequest",
    "Newexten",
    "VarSet",
    "NewCallerid",
    "NewConnectedLine",
    "DialBegin",
    "DialState",
    "DialEnd",
    "BridgeCreate",
    "BridgeEnter",
    "BridgeLeave",
    "BridgeDestroy",
    "DeviceStateChange",
    "DTMFBegin",
    "DTMFEnd",
    "Hold",
    "Unhold",
    "ChannelReleased",
  ];
  private running: CallsModule | undefined;

  constructor(
    private readonly deps: {
      config: ConfigModule;
      contacts: ContactsModule;
      sip: SipStackModule;
      dialplanApps: DialplanAppsModule;
      /** Dialplan text features make from their configuration (parking lots' extensions), compiled with extensions.conf. */
      generatedDialplan?: ReadonlyArray<(cfg: LoadedConfig) => string>;
    },
  ) {
    this.dependsOn = [deps.config.name, deps.contacts.name, deps.sip.name, deps.dialplanApps.name];
  }

  /** Live channels: each call's inbound channel and its outbound legs. */
  private channelCount(): number {
    const m = this.running?.calls;
    return m === undefined ? 0 : m.calls.size + m.outboundLegs().length;
  }

  get calls(): CallsModule {
    return started(this.running, this.name, "call layer");
  }

  async start(ctx: PbxModuleContext): Promise<void> {
    const options: CallsModuleOptions = {
      clock: ctx.clock,
      log: ctx.log,
      transactions: this.deps.sip.transactions,
      transports: this.deps.sip.transports,
      config: ctx.config,
      directory: ctx.directory,
      contacts: this.deps.contacts.store,
      userAgent: ctx.userAgent,
      commands: ctx.commands,
      respond: ctx.respond,
      configDir: ctx.configDir,
      dataDir: ctx.dataDir,
      readConfig: () => this.deps.config.read(),
      events: ctx.events,
      capabilities: ctx.capabilities,
      apps: ctx.dialplan.apps,
      funcs: ctx.dialplan.funcs,
      generatedDialplan: this.deps.generatedDialplan ?? [],
    };
    const calls = await CallsModule.start(options);
    this.running = calls;
    ctx.defer(() => calls.close());
  }

  reload(ctx: PbxModuleContext): void {
    this.calls.reload(ctx.config());
  }
}
