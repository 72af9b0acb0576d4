/**
 * The Asterisk Manager Interface as a module: manager.conf, the listeners, the actions of every
 * feature it fronts, the bus and security events written to sessions, and the `manager …`
 * console commands. With `enabled = no` (the default, as in Asterisk) nothing listens; the
 * console commands still say so.
 *
 * A listener on an address other than loopback is refused unless there is at least one user
 * and every user has a permit= list (config/manager/load-manager.ts, exposureProblem).
 */
import type { CliResult } from "../../cli/registry.js";
import { packageVersion } from "../../cli/version.js";
import type { GuardModule } from "../../security/guard-module.js";
import { securityEventFields } from "../../security/security-log.js";
import type { CallLayerModule } from "../../pbx/channel/call-layer-module.js";
import type { ConfigModule } from "../../pbx/config-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../../pbx/module-context.js";
import type { ContactsModule } from "../../pbx/registrar/contacts-module.js";
import type { RegistrarModule } from "../../pbx/registrar/registrar-module.js";
import type { OutboundRegistrationModule } from "../../pbx/outbound-registration/outbound-registration-module.js";
import type { VoicemailModule } from "../../pbx/voicemail/voicemail-module.js";
import type { HintsModule } from "../../pbx/hints/hints-module.js";
import type { MixMonitorModule } from "../../pbx/mixmonitor/mixmonitor-module.js";
import { INTERNAL_EVENTS, channelFields } from "../../pbx/events.js";
import { exposureProblem, listenAddresses } from "../../config/manager/load-manager.js";
import { AmiActionRegistry, type AmiAction } from "./ami-action.js";
import { eventClass } from "./ami-classes.js";
import { loginActions } from "./ami-login.js";
import { AmiServer } from "./ami-server.js";
import { callManagerChannels, callManagerRedirects } from "./channel-access.js";
import { transferActions } from "./actions/transfer-actions.js";
import type { TransferModule } from "../../pbx/transfer/transfer-module.js";
import type { FeaturesModule } from "../../pbx/features/features-module.js";
import { channelActions } from "./actions/channel-actions.js";
import { coreActions } from "./actions/core-actions.js";
import { originateAction } from "./actions/originate-action.js";
import { pjsipActions } from "./actions/pjsip-actions.js";
import { stateActions } from "./actions/state-actions.js";
import { mixMonitorActions } from "./actions/mixmonitor-actions.js";
import { confbridgeActions } from "./actions/confbridge-actions.js";
import type { ConfbridgeModule } from "../../pbx/confbridge/confbridge-module.js";
import { queueActions, type QueueActionDeps } from "./actions/queue-actions.js";
import type { QueuesModule } from "../../pbx/queues/queues-module.js";
import { registerManagerCommands } from "./manager-commands.js";

export interface AmiModuleDeps {
  config: ConfigModule;
  guard: GuardModule;
  contacts: ContactsModule;
  registrar: RegistrarModule;
  calls: CallLayerModule;
  hints: HintsModule;
  voicemail: VoicemailModule;
  registrations: OutboundRegistrationModule;
  transfer: TransferModule;
  /** Atxfer (the DTMF attended transfer); without it Atxfer says the channel does not exist. */
  features?: FeaturesModule;
  /** MixMonitor and StopMixMonitor; without it the actions are not offered. */
  mixmonitor?: MixMonitorModule;
  /** The Confbridge* actions; without it they are not offered. */
  confbridge?: ConfbridgeModule;
  /** QueueStatus and QueueSummary; without it the actions are not offered. */
  queues?: QueuesModule;
  execute(line: string): Promise<CliResult>;
  reloadAll(): Promise<void>;
}

/**
 * manager.conf channelvars: `ChanVariable: name=value` for the event's channel and
 * `DestChanVariable: name=value` for its dialled one, one line per variable named (empty when unset).
 */
export function chanVariables(payload: Record<string, unknown>, names: readonly string[], varsOf: (uniqueid: string) => ReadonlyMap<string, string> | undefined): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const [prefix, key] of [["", "Uniqueid"], ["Dest", "DestUniqueid"]] as const) {
    const id = payload[key];
    if (typeof id !== "string") continue;
    const vars = varsOf(id);
    if (vars === undefined) continue;
    for (const n of names) out.push([`${prefix}ChanVariable`, `${n}=${vars.get(n) ?? ""}`]);
  }
  return out;
}

export class AmiModule implements SwitchboardModule {
  readonly name = "manager";
  readonly description = "Asterisk Manager Interface";
  readonly dependsOn: readonly string[];
  readonly configFiles = [{ file: "manager.conf" }];
  readonly actions = new AmiActionRegistry();
  private server: AmiServer | undefined;
  private startedAt = Date.now();
  private reloadedAt = Date.now();
  private listening = "";
  private listen: ((active: boolean) => void) | undefined;
  private unlisten: (() => void) | undefined;

  constructor(private readonly deps: AmiModuleDeps) {
    this.dependsOn = [deps.config.name, deps.guard.name, deps.contacts.name, deps.registrar.name, deps.calls.name, deps.hints.name, deps.voicemail.name, deps.registrations.name, deps.transfer.name, ...(deps.mixmonitor ? [deps.mixmonitor.name] : []), ...(deps.confbridge ? [deps.confbridge.name] : []), ...(deps.queues ? [deps.queues.name] : [])];
  }

  /** The AMI server while listening (tests and the console read its sessions). */
  get ami(): AmiServer | undefined {
    return this.server;
  }

  async start(ctx: PbxModuleContext): Promise<void> {
    const log = ctx.log.child({ category: "api.ami" });
    const d = this.deps;
    const calls = () => d.calls.calls.calls;
    const devices = () => d.calls.calls.calls.ctx.devices;
    const channels = callManagerChannels(calls);
    const mixmonitor = d.mixmonitor;
    const all: AmiAction[] = [
      ...loginActions({
        config: () => ctx.config().manager,
        log,
        clock: ctx.clock,
        security: d.guard.events,
        isBanned: (ip) => d.guard.guard.isBanned(ip),
        isUserBanned: (ip, user) => d.guard.guard.isUserBanned(ip, user),
        loggedInAs: (user) => this.server?.loggedInAs(user) ?? 0,
        uptime: () => ({ uptime: Math.floor((Date.now() - this.startedAt) / 1000), lastReload: Math.floor((Date.now() - this.reloadedAt) / 1000) }),
      }),
      ...coreActions({
        actions: this.actions,
        execute: (line) => d.execute(line),
        commandOutput: () => ctx.config().manager.general.commandOutput,
        version: `22.0.0-switchboard-${packageVersion()}`,
        systemName: "",
        startedAt: () => this.startedAt,
        reloadedAt: () => this.reloadedAt,
        currentCalls: () => calls().calls.size,
        processedCalls: () => calls().processed,
        reload: async () => {
          await d.reloadAll();
          return undefined;
        },
        userEvent: (fields) => this.server?.publish("UserEvent", "user", fields),
        now: () => ctx.clock.now(),
      }),
      originateAction({
        originate: (req) => calls().originate(req),
        publish: (fields) => this.server?.publish("OriginateResponse", "call", fields),
      }),
      ...transferActions({
        blind: (channel, exten, context) => d.transfer.transfers.blindByName(channel, exten, context),
        attended: (channel, exten, context) => d.features?.attendedTransfer(channel, exten, context) ?? "no-channel",
      }),
      ...channelActions({ channels, redirects: callManagerRedirects(calls), globals: () => d.calls.calls.globals, now: () => ctx.clock.now() }),
      ...pjsipActions({
        directory: ctx.directory,
        store: () => d.contacts.store,
        qualifier: () => d.registrar.qualifier,
        deviceState: (ep) => devices().stateOf(ep),
        activeChannels: (ep) => channels.list().filter((c) => c.endpointId === ep).length,
        now: () => ctx.clock.now(),
        registrations: () => d.registrations.registrations(),
      }),
      ...stateActions({ voicemail: () => d.voicemail.voicemail, endpoints: () => [...ctx.directory().endpoints.keys()], deviceState: (ep) => d.hints.deviceState(`PJSIP/${ep}`), extensionState: (exten, context) => d.hints.stateOf(exten, context) }),
      ...(mixmonitor !== undefined ? mixMonitorActions({ monitors: () => mixmonitor.monitors, channel: (name) => channels.find(name)?.dialplan, log }) : []),
      ...(d.confbridge !== undefined ? confbridgeActions({ conferences: () => d.confbridge?.conferences, now: () => ctx.clock.now() }) : []),
      ...(d.queues !== undefined ? queueActions(this.queueDeps(d.queues)) : []),
    ];
    for (const a of all) ctx.defer(this.actions.register(a));
    for (const undo of registerManagerCommands(ctx.commands, { config: () => ctx.config().manager, server: () => this.server, actions: this.actions, listening: () => this.listening })) ctx.defer(undo);

    // The bus and the security stream are listened to only while a session is logged in.
    this.listen = (active) => {
      this.unlisten?.();
      this.unlisten = undefined;
      if (!active) return;
      const offBus = ctx.events.onAny((name, payload) => {
        if (INTERNAL_EVENTS.has(name)) return;
        const fields: Array<readonly [string, string | number | undefined]> = Object.entries(payload as Record<string, string | number | undefined>);
        const wanted = ctx.config().manager.general.channelvars;
        if (wanted.length > 0) fields.push(...chanVariables(payload as Record<string, unknown>, wanted, (id) => channels.list().find((c) => c.channel.uniqueId === id)?.channel.vars));
        this.server?.publish(name, eventClass(name), fields);
      });
      const offSecurity = d.guard.events.on("event", (ev) => this.server?.publish(ev.type, "security", securityEventFields(ev)));
      this.unlisten = () => {
        offBus();
        offSecurity();
      };
    };
    ctx.defer(() => this.listen?.(false));
    ctx.defer(() => this.closeServer());
    await this.open(ctx, log);
  }

  async reload(ctx: PbxModuleContext): Promise<void> {
    this.reloadedAt = Date.now();
    const g = ctx.config().manager.general;
    const want = g.enabled ? `${g.bindaddr}:${g.port}/${g.tlsenable ? g.tlsbindaddr : ""}` : "";
    if (want !== this.listening) {
      await this.closeServer();
      await this.open(ctx, ctx.log.child({ category: "api.ami" }));
    } else this.server?.dropStaleUsers();
  }

  private queueDeps(queues: QueuesModule): QueueActionDeps {
    const calls = this.deps.calls;
    return {
      queues: () => queues.all(),
      deviceState: (device) => queues.deviceState(device),
      now: () => Date.now(),
      caller: (name) => {
        const v = calls.calls.calls.dialplanChannel(name)?.view();
        if (v === undefined) return undefined;
        const f = channelFields(v);
        return { uniqueid: f.Uniqueid, num: f.CallerIDNum, name: f.CallerIDName, connectedNum: f.ConnectedLineNum, connectedName: f.ConnectedLineName };
      },
    };
  }

  private async open(ctx: PbxModuleContext, log: PbxModuleContext["log"]): Promise<void> {
    const m = ctx.config().manager;
    const g = m.general;
    if (!g.enabled) return;
    const problem = listenAddresses(g)
      .map((a) => exposureProblem(m, a))
      .find((p) => p !== undefined);
    if (problem !== undefined) {
      log.error({}, `Manager interface not started: ${problem}. Anyone who can reach the port could try passwords and, once in, place calls; add permit= lines (e.g. permit=10.0.0.0/8) to every user in manager.conf, or set bindaddr = 127.0.0.1`);
      return;
    }
    const server = new AmiServer({ config: () => ctx.config().manager, actions: this.actions, log, isBanned: (ip) => this.deps.guard.guard.isBanned(ip), onActive: (a) => this.listen?.(a) });
    try {
      await server.listen();
    } catch (err) {
      await server.close();
      log.error({}, `Manager interface not started: cannot listen on ${g.bindaddr}:${g.port}${g.tlsenable ? ` / ${g.tlsbindaddr}` : ""} (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    this.server = server;
    this.listening = `${g.bindaddr}:${g.port}/${g.tlsenable ? g.tlsbindaddr : ""}`;
    for (const l of server.listeners) log.verbose(2, {}, `Manager interface listening on ${l.kind} ${l.address}:${l.port}`);
  }

  private async closeServer(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.listen?.(false);
    this.listening = "";
    if (s !== undefined) await s.close();
  }
}
