/**
 * The composition root: the PBX is this ordered list of modules (core/module.ts). The host
 * starts them top to bottom, each after the ones it depends on, stops them bottom to top, and
 * reloads them in order on `core reload`. Adding a feature means adding its module (in its own
 * folder) and one line here; see docs/architecture.md, "How to add a feature".
 */
import { mkdirSync } from "node:fs";
import { systemClock } from "./core/clock.js";
import { DatabaseModule } from "./core/db/database-module.js";
import { createLogger } from "./core/logger.js";
import { ModuleHost } from "./core/module-host.js";
import { embeddedDefaultFiles, EMBEDDED_ACCOUNTS, EMBEDDED_EXTENSIONS } from "./config/index.js";
import { GuardModule } from "./security/guard-module.js";
import { SipStackModule } from "./sip/sip-stack-module.js";
import { AppRegistry } from "./pbx/apps/index.js";
import { DialplanAppsModule } from "./pbx/apps/apps-module.js";
import { IvrModule } from "./pbx/ivr/ivr-module.js";
import { MixMonitorModule } from "./pbx/mixmonitor/mixmonitor-module.js";
import { VoicemailModule } from "./pbx/voicemail/voicemail-module.js";
import { GroupsModule } from "./pbx/groups/groups-module.js";
import { CdrModule } from "./pbx/cdr/cdr-module.js";
import { ConfbridgeModule } from "./pbx/confbridge/confbridge-module.js";
import { HintsModule } from "./pbx/hints/hints-module.js";
import { TransferModule } from "./pbx/transfer/transfer-module.js";
import { PickupModule } from "./pbx/pickup/pickup-module.js";
import { ParkingModule } from "./pbx/parking/parking-module.js";
import { FeaturesModule } from "./pbx/features/features-module.js";
import { PhoneModule } from "./api/phone/phone-module.js";
import { QueuesModule } from "./pbx/queues/queues-module.js";
import { parkingDialplan } from "./pbx/parking/parking-dialplan.js";
import { SubscriptionsModule } from "./pbx/subscriptions/subscriptions-module.js";
import { BlfModule } from "./pbx/blf/blf-module.js";
import { RequestHandlers } from "./pbx/pipeline/request-handlers.js";
import { CallLayerModule } from "./pbx/channel/call-layer-module.js";
import { ConfigModule } from "./pbx/config-module.js";
import { existingEmbeddedHttps } from "./pbx/embedded-https.js";
import { PjsipCommandsModule } from "./pbx/endpoint/pjsip-commands-module.js";
import { createPbxEventBus } from "./pbx/events.js";
import { FuncRegistry } from "./pbx/funcs/index.js";
import { pbxModuleContext, type PbxModuleContext, type SwitchboardModule } from "./pbx/module-context.js";
import { LineTokens } from "./pbx/endpoint/line-tokens.js";
import { OutboundRegistrationModule } from "./pbx/outbound-registration/outbound-registration-module.js";
import { PipelineModule } from "./pbx/pipeline/pipeline-module.js";
import { ContactsModule } from "./pbx/registrar/contacts-module.js";
import { loadOrCreatePasswords, loadOrCreatePins } from "./pbx/registrar/default-passwords.js";
import { RegistrarModule } from "./pbx/registrar/registrar-module.js";
import { SipTracePbxModule } from "./pbx/sip-trace/trace-module.js";
import { ControlModule } from "./cli/control-module.js";
import { LoggerModule } from "./pbx/logger/logger-module.js";
import { CoreCommandsModule } from "./cli/core-commands-module.js";
import { CodecsModule } from "./pbx/codecs/codecs-module.js";
import { CommandRegistry } from "./cli/registry.js";
import { AmiModule } from "./api/ami/ami-module.js";
import { HttpModule } from "./api/http/http-module.js";
import { MohModule } from "./pbx/moh/moh-module.js";
import { AriModule } from "./api/ari/ari-module.js";
import { SipWebSocketModule } from "./api/sip-websocket/sip-websocket-module.js";
import { packageVersion } from "./cli/version.js";

export interface ServerOptions {
  configDir?: string | undefined;
  dataDir: string;
  /** The foreground console's verbosity (`start -vvv`), also the system's (`option_verbose`). */
  verbosity?: number;
}

export interface RunningServer {
  stop(reason?: string): Promise<void>;
  /** Resolves once the server has stopped, whoever asked (signal or `core stop now`). */
  done: Promise<void>;
}

/** The configuration compiled into the package, with this data directory's passwords. */
export function embeddedConfigSource(dataDir: string): { kind: "embedded"; files: Record<string, string> } {
  mkdirSync(dataDir, { recursive: true });
  const { passwords } = loadOrCreatePasswords(dataDir, EMBEDDED_ACCOUNTS);
  const pins = loadOrCreatePins(dataDir, EMBEDDED_EXTENSIONS).passwords;
  return { kind: "embedded", files: embeddedDefaultFiles(passwords, pins, undefined, existingEmbeddedHttps(dataDir)) };
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  mkdirSync(opts.dataDir, { recursive: true });
  // Lines logged before logger.conf is read (configuration warnings) are kept and then written
  // to the channels it names.
  const logging = createLogger({ dir: opts.dataDir, stderrVerbosity: opts.verbosity ?? 0, holdUntilApplied: true });
  const log = logging.logger.child({ category: "core" });
  const registry = new CommandRegistry();
  const events = createPbxEventBus();
  events.onListenerError = (err, name) => log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err), event: name }, "event listener failed");

  // The modules, in start order. Each names the modules it uses; the host checks they come first.
  const config = new ConfigModule();
  const database = new DatabaseModule();
  const contacts = new ContactsModule({ database });
  const guard = new GuardModule({ database, accounts: config.accounts() });
  const sip = new SipStackModule({ allowPacket: (address) => guard.guard.allowPacket(address) });
  const registrar = new RegistrarModule({ contacts, sip });
  const dialplanApps = new DialplanAppsModule();
  const calls = new CallLayerModule({ config, contacts, sip, dialplanApps, generatedDialplan: [parkingDialplan] });
  const lines = new LineTokens();
  const handlers = new RequestHandlers();
  const subscriptions = new SubscriptionsModule({ sip, handlers });
  const outboundRegistrations = new OutboundRegistrationModule({ sip, lines });
  const voicemail = new VoicemailModule({ contacts, sip, subscriptions, guard });
  const http = new HttpModule();
  const hints = new HintsModule({ calls, contacts });
  const transfer = new TransferModule({ calls }); // REFER and Replaces; the call layer hands REFERs and INVITEs with Replaces to it
  const parking = new ParkingModule({ calls, transfer });
  const mixmonitor = new MixMonitorModule();
  const moh = new MohModule({ calls });
  // Parked calls hear music on hold: the lot's parkedmusicclass, else the channel's class, else default.
  parking.music = { start: (ch, cls) => void moh.playTo(ch, cls), stop: (ch) => void moh.stopOn(ch.media.legId) };
  const features = new FeaturesModule({ calls, transfer, parking, mixmonitor }); // DTMF feature codes in Dial's bridges
  // A transferee hears music on hold while its transferer dials the target.
  features.music = { start: (ch) => void moh.playTo(ch, undefined), stop: (ch) => void moh.stopOn(ch.media.legId) };
  const confbridge = new ConfbridgeModule({ calls });
  const queues = new QueuesModule({ calls, hints });
  queues.music = { start: (ch, cls) => void moh.playTo(ch, cls), stop: (ch) => void moh.stopOn(ch.media.legId) }; // waiting callers hear music on hold
  const modules: SwitchboardModule[] = [
    new ControlModule({ registry, logs: logging.router }), // claims the socket first, listens once all commands are in
    config,
    new LoggerModule({ config, router: logging.router }), // logger.conf's channels, before anything else logs much
    database,
    contacts,
    guard,
    sip,
    registrar,
    dialplanApps,
    new IvrModule(), // its applications must be known when the calls module compiles the dialplan
    mixmonitor, // MixMonitor and StopMixMonitor, before the calls module too
    subscriptions,
    voicemail,
    new CdrModule(), // CDR() and NoCDR() must be known when the calls module compiles the dialplan
    new GroupsModule(), // GROUP() and GROUP_COUNT(), before the calls module compiles the dialplan
    http,
    new SipWebSocketModule({ http, sip }), // /ws: WebSocket connections for the protocol=ws/wss transports
    moh, // MusicOnHold() must be known when the calls module compiles the dialplan
    new AriModule({ http, contacts, guard, voicemail, calls, moh }), // Stasis must be known when the calls module compiles the dialplan
    transfer, // Transfer() must be known when the calls module compiles the dialplan
    parking, // Park() and ParkedCall() must be known when the calls module compiles the dialplan
    queues, // Queue() and AddQueueMember() must be known when the calls module compiles the dialplan
    new PickupModule({ calls, transfer }), // Pickup() and PickupChan() must be known when the calls module compiles the dialplan
    confbridge, // ConfBridge must be known when the calls module compiles the dialplan
    calls,
    hints,
    new BlfModule({ subscriptions, hints, calls }),
    features,
    new PipelineModule({ sip, guard, registrar, calls, lines, handlers }),
    outboundRegistrations,
    new SipTracePbxModule({ sip }),
    new CodecsModule(),
    new PjsipCommandsModule({ sip, contacts, registrar, calls }),
    new CoreCommandsModule({ config, contacts, sip, reloadAll: () => host.reload(), moduleRows: () => host.rows(), stop: (reason) => stop(reason) }),
    new AmiModule({ config, guard, contacts, registrar, calls, hints, voicemail, registrations: outboundRegistrations, transfer, features, mixmonitor, confbridge, queues, execute: (line) => registry.execute(line), reloadAll: () => host.reload() }),
    new PhoneModule({ http }), // the browser phone page at <prefix>/phone/ (after ARI: http show status lists /ari first)
  ];

  const userAgent = () => config.config().pjsip.global.userAgent || `Switchboard ${packageVersion()}`;
  const host: ModuleHost<PbxModuleContext> = new ModuleHost({
    modules,
    log: logging.logger,
    clock: systemClock,
    commands: registry,
    dataDir: opts.dataDir,
    configDir: opts.configDir,
    extend: pbxModuleContext({ config: () => config.config(), directory: () => config.directory(), userAgent, events, apps: new AppRegistry(), funcs: new FuncRegistry() }),
  });

  let markDone: () => void = () => {};
  const done = new Promise<void>((r) => (markDone = r));
  let stopping: Promise<void> | undefined;
  const stop = (reason = "stop requested"): Promise<void> => {
    stopping ??= (async () => {
      log.notice({ reason }, "Switchboard stopping");
      await host.stop();
      logging.close();
      markDone();
    })();
    return stopping;
  };

  try {
    await host.start();
  } catch (err) {
    await host.stop();
    logging.close();
    throw err;
  }
  log.notice({ dataDir: opts.dataDir }, `Switchboard ${packageVersion()} ready: ${config.directory().endpoints.size} endpoints, ${contacts.store.count()} contacts restored`);
  return { stop, done };
}
