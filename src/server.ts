/**
 * The composition root: loads the configuration, builds the layers bottom-up (transports →
 * transactions → pipeline → features), wires the console, and tears everything down in reverse.
 */
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { systemClock, type TimerHandle } from "./core/clock.js";
import { PbxError } from "./core/errors.js";
import { createLogger, type Logger } from "./core/logger.js";
import { openDatabase } from "./core/db/index.js";
import { loadConfiguration, type ConfigSource, type LoadedConfig } from "./config/load-configuration.js";
import { carryOverRejected } from "./config/index.js";
import { embeddedDefaultFiles, EMBEDDED_EXTENSIONS } from "./config/defaults/embedded.js";
import { formatDiagnostic } from "./config/diagnostic.js";
import { DigestAuthenticator } from "./sip/auth/index.js";
import { TransactionLayer } from "./sip/transaction/transaction-layer.js";
import { timersFrom } from "./sip/transaction/timers.js";
import { TransportSet } from "./sip/transport/transport-set.js";
import { UdpTransport } from "./sip/transport/udp-transport.js";
import { TcpTransport } from "./sip/transport/tcp-transport.js";
import { formatHostPort, type Transport, type TransportDelegate, type TransportNat } from "./sip/transport/types.js";
import { LogThrottle } from "./core/log-throttle.js";
import { SecurityEventStream } from "./security/events.js";
import { BanStore } from "./security/ban-store.js";
import { Guard } from "./security/guard.js";
import { NftMirror } from "./security/nft-mirror.js";
import { SecurityLog } from "./security/security-log.js";
import { registerGuardCommands } from "./security/guard-commands.js";
import { parseNetwork, type IpNetwork } from "./core/ip.js";
import { EndpointDirectory } from "./pbx/endpoint/directory.js";
import { RequestPipeline } from "./pbx/pipeline/pipeline.js";
import { SanityStage } from "./pbx/pipeline/stages/sanity.js";
import { FloodStage } from "./pbx/pipeline/stages/flood.js";
import { TryingStage } from "./pbx/pipeline/stages/trying.js";
import { IdentifyStage } from "./pbx/pipeline/stages/identify.js";
import { AuthenticateStage } from "./pbx/pipeline/stages/authenticate.js";
import { DispatchStage } from "./pbx/pipeline/stages/dispatch.js";
import { Registrar } from "./pbx/registrar/registrar.js";
import { Qualifier } from "./pbx/registrar/qualify.js";
import { SqliteContactStore } from "./pbx/registrar/store/sqlite-contact-store.js";
import { loadOrCreatePasswords, PASSWORDS_FILE } from "./pbx/registrar/default-passwords.js";
import { registerPjsipCommands } from "./pbx/endpoint/pjsip-commands.js";
import { SipTraceModule } from "./pbx/sip-trace/sip-trace-module.js";
import { registerSipStatsCommand } from "./pbx/sip-trace/sip-stats-command.js";
import { CallsModule } from "./pbx/channel/calls-module.js";
import { CommandRegistry } from "./cli/registry.js";
import { ControlServer } from "./cli/control-server.js";
import { registerCoreCommands } from "./cli/core-commands.js";
import { CONTROL_SOCKET_NAME } from "./cli/protocol.js";
import { packageVersion } from "./cli/version.js";

export interface ServerOptions {
  configDir?: string | undefined;
  dataDir: string;
}

export interface RunningServer {
  stop(reason?: string): Promise<void>;
  /** Resolves once the server has stopped, whoever asked (signal or `core stop now`). */
  done: Promise<void>;
}

/** The configuration compiled into the package, with this data directory's passwords. */
export function embeddedConfigSource(dataDir: string): { kind: "embedded"; files: Record<string, string> } {
  mkdirSync(dataDir, { recursive: true });
  const { passwords } = loadOrCreatePasswords(dataDir, EMBEDDED_EXTENSIONS);
  return { kind: "embedded", files: embeddedDefaultFiles(passwords) };
}

/** A transport section's NAT settings in the form the SIP layer uses. */
function natOf(t: LoadedConfig["pjsip"]["transports"][number]): TransportNat {
  return {
    localNets: t.localNet.map((n) => parseNetwork(`${n.address}/${n.prefixLength}`)).filter((n): n is IpNetwork => n !== undefined),
    externalSignalingAddress: t.externalSignalingAddress || undefined,
    externalSignalingPort: t.externalSignalingPort || undefined,
  };
}

function logDiagnostics(cfg: LoadedConfig, log: Logger): number {
  let errors = 0;
  for (const d of cfg.diagnostics) {
    if (d.severity === "error") {
      errors++;
      log.error({}, formatDiagnostic(d));
    } else log.warn({}, formatDiagnostic(d));
  }
  return errors;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  mkdirSync(opts.dataDir, { recursive: true });
  const logging = createLogger({ dir: opts.dataDir, level: "info", stderr: true });
  const root = logging.logger;
  const log = root.child({ category: "core" });
  const clock = systemClock;
  const cleanups: Array<() => void | Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        log.error({ err: String(err) }, "error during shutdown");
      }
    }
  };

  try {
    // 0. The control socket is claimed first: a second PBX on the same data directory stops
    // here with a clear message instead of failing later on a port. It listens only at the end
    // (step 6), once every module has registered its commands.
    const registry = new CommandRegistry();
    const control = new ControlServer({ socketPath: join(opts.dataDir, CONTROL_SOCKET_NAME), registry, hub: logging.hub, log: root.child({ category: "cli" }) });
    await control.claim();
    cleanups.push(() => control.close());

    // 1. Configuration.
    let source: ConfigSource;
    if (opts.configDir) source = { kind: "dir", dir: opts.configDir };
    else {
      const { passwords, created } = loadOrCreatePasswords(opts.dataDir, EMBEDDED_EXTENSIONS);
      source = { kind: "embedded", files: embeddedDefaultFiles(passwords) };
      if (created.length) {
        // The passwords go to the terminal only, never into log files that others may read.
        const list = created.map((e) => `  ${e}  ${passwords[e]}`).join("\n");
        process.stderr.write(`\nGenerated passwords for the embedded endpoints (stored in ${join(opts.dataDir, PASSWORDS_FILE)}):\n${list}\nShow them again with: switchboard -rx "pjsip show default-passwords"\n\n`);
        log.notice({}, `Generated new passwords for embedded endpoints ${created.join(", ")}; see: switchboard -rx "pjsip show default-passwords"`);
      }
    }
    let config = loadConfiguration(source);
    logDiagnostics(config, root.child({ category: "config" }));
    let directory = new EndpointDirectory(config.pjsip);
    const global = () => config.pjsip.global;

    // 2. Storage.
    const db = openDatabase(join(opts.dataDir, "switchboard.db"), root.child({ category: "store" }));
    cleanups.push(() => {
      db.close();
    });
    const store = new SqliteContactStore(db, { log: root.child({ category: "store" }) });
    cleanups.push(() => store.close());

    // 2b. The guard (issue 3): bans from the database, consulted by the transports before parsing.
    const events = new SecurityEventStream();
    const guardLog = root.child({ category: "security.guard" });
    const localNets = (): IpNetwork[] =>
      config.pjsip.transports.flatMap((t) => t.localNet.map((n) => parseNetwork(`${n.address}/${n.prefixLength}`)).filter((n): n is IpNetwork => n !== undefined));
    const guard = new Guard({
      config: () => config.guard,
      store: new BanStore(db, { log: guardLog }),
      clock,
      log: guardLog,
      events,
      localNets,
      accountExists: (user) => directory.endpoint(user) !== undefined || directory.byAuthUser(user).length > 0,
      knownSource: (address, port) => directory.byAddress(address, port) !== undefined,
      nft: new NftMirror({ settings: () => config.guard, log: guardLog }),
    });
    cleanups.push(() => guard.close());
    const securityLog = new SecurityLog({ path: join(opts.dataDir, "security.log"), events, enabled: () => config.guard.securityLog, log: guardLog });
    cleanups.push(() => securityLog.close());

    // 3. SIP: transactions, then transports feeding them.
    const userAgent = () => config.pjsip.global.userAgent || `Switchboard ${packageVersion()}`;
    const transactions = new TransactionLayer({
      clock,
      log: root.child({ category: "sip.transaction" }),
      timers: timersFrom(config.pjsip.system.timerT1, config.pjsip.system.timerB),
      userAgent: userAgent(),
      sendTrying: false,
    });
    cleanups.push(() => transactions.close());
    const sipLog = root.child({ category: "sip.parser" });
    const parseThrottle = new LogThrottle(clock);
    transactions.on("parseError", ({ reason, flow, answered }) => {
      const peer = `${flow.transport.protocol.toUpperCase()}:${formatHostPort(flow.remoteAddress, flow.remotePort)}`;
      if (parseThrottle.allow((n) => sipLog.notice({}, `${n} more malformed SIP messages were not logged in the last 10 seconds`))) {
        sipLog.notice({ peer }, `Malformed SIP message from ${peer} ${answered ? "answered 400" : "dropped"}: ${reason.slice(0, 200)}`);
      }
    });
    const delegate: TransportDelegate = {
      allow: (address) => guard.allowPacket(address),
      onMessage: (data, flow) => transactions.receive(data, flow),
    };
    const transports = new TransportSet();
    cleanups.push(() => transports.closeAll());
    for (const t of config.pjsip.transports) {
      const tlog = root.child({ category: "sip.transport" });
      let transport: Transport | undefined;
      const port = t.bind.port || 5060;
      if (t.protocol === "udp") transport = new UdpTransport({ id: t.id, address: t.bind.host, port, delegate, log: tlog });
      else if (t.protocol === "tcp") transport = new TcpTransport({ id: t.id, address: t.bind.host, port, delegate, log: tlog });
      else {
        tlog.warn({ transport: t.id }, `transport '${t.id}' (${t.file}:${t.line}) uses protocol=${t.protocol}, which is not implemented yet; it is not started`);
        continue;
      }
      await transport.listen();
      transport.nat = natOf(t);
      transports.add(transport);
      tlog.info({}, `SIP ${t.protocol.toUpperCase()} transport '${t.id}' listening on ${transport.dump().bind}`);
    }
    if (transports.all().length === 0) {
      throw new PbxError("CONFIG_MISSING", "no usable SIP transport: add a [transport] section with protocol=udp or tcp to pjsip.conf");
    }

    // 4. The request pipeline and the features behind it.
    const digest = new DigestAuthenticator({ clock });
    const decorate = (res: import("./sip/message/message.js").SipResponse) => {
      if (!res.headers.has("Server")) res.headers.append("Server", userAgent());
    };
    const respond = (ctx: import("./pbx/pipeline/request-context.js").RequestContext, r: import("./sip/message/message.js").SipResponse) => pipeline.respond(ctx, r);
    const registrar = new Registrar({ store, directory: () => directory, clock, log: root.child({ category: "pbx.registrar" }), respond, serverId: hostname() });
    const qualifier = new Qualifier({ transactions, transports, directory: () => directory, clock, log: root.child({ category: "pbx.qualify" }), userAgent });
    cleanups.push(() => qualifier.close());
    registrar.on("added", (c) => qualifier.track(c));
    registrar.on("updated", (c) => qualifier.track(c));
    registrar.on("removed", (c) => qualifier.untrack(c.id));
    // Calls (issue 4): media engine, dialplan, B2BUA.
    const calls = await CallsModule.start({
      clock,
      log: root,
      transactions,
      transports,
      config: () => config,
      directory: () => directory,
      contacts: store,
      userAgent,
      commands: registry,
      respond,
      configDir: opts.configDir,
      dataDir: opts.dataDir,
      readConfig: () => loadConfiguration(source),
    });
    cleanups.push(() => calls.close());
    const ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO, PRACK";
    const pipeline: RequestPipeline = new RequestPipeline({
      onAck: (req) => calls.calls.onAck(req),
      onStrayResponse: (res) => calls.calls.onStrayResponse(res),
      log: root.child({ category: "pbx.pipeline" }),
      decorate,
      stages: [
        new SanityStage(),
        new FloodStage(guard),
        new TryingStage(respond),
        calls.inDialogStage,
        new IdentifyStage(() => directory, () => global().endpointIdentifierOrder, { events, clock }),
        new AuthenticateStage({ digest, directory: () => directory, defaultRealm: () => global().defaultRealm, defaultAlgorithms: () => global().defaultAuthAlgorithmsUas, events, log: root.child({ category: "pbx.auth" }), respond, clock }),
        new DispatchStage({
          registrar,
          respond,
          allow: () => ALLOW,
          findInviteForCancel: (r) => transactions.findInviteForCancel(r),
          invite: (ctx) => calls.calls.onInvite(ctx),
          onCancel: (tx) => calls.calls.onCancelled(tx),
        }),
      ],
    });
    transactions.setUser(pipeline);

    // Contacts from before the restart, with their remaining lifetime.
    registrar.expire();
    for (const c of store.list()) qualifier.track(c);
    let expiryTimer: TimerHandle | undefined;
    const scheduleExpiry = () => {
      expiryTimer = clock.setTimeout(() => {
        registrar.expire();
        scheduleExpiry();
      }, Math.max(1, global().contactExpirationCheckInterval) * 1000);
    };
    scheduleExpiry();
    cleanups.push(() => expiryTimer?.cancel());

    // 5. Console commands.
    const sipTrace = new SipTraceModule({ transactions, commands: registry, log: root.child({ category: "pjsip.logger" }), clock });
    cleanups.push(() => sipTrace.close());
    cleanups.push(registerSipStatsCommand(registry, { transactions, transports }));
    registerPjsipCommands(registry, {
      directory: () => directory,
      config: () => config,
      store,
      qualifier,
      transports,
      clock,
      defaultPasswords: opts.configDir ? undefined : () => loadOrCreatePasswords(opts.dataDir, EMBEDDED_EXTENSIONS).passwords,
    });
    registerGuardCommands(registry, { guard, clock, bantime: () => config.guard.bantime });
    const startedAt = clock.now();
    let lastReloadAt = startedAt;
    let markDone: () => void = () => {};
    const done = new Promise<void>((r) => (markDone = r));
    let stopping: Promise<void> | undefined;
    const stop = (reason = "stop requested"): Promise<void> => {
      stopping ??= (async () => {
        log.notice({ reason }, "Switchboard stopping");
        await cleanup();
        logging.close();
        markDone();
      })();
      return stopping;
    };
    const reload = async (): Promise<string> => {
      const next = loadConfiguration(source);
      const errors = logDiagnostics(next, root.child({ category: "config" }));
      if (!next.complete) {
        const why = next.diagnostics.filter((d) => d.severity === "error").slice(0, 3).map((d) => formatDiagnostic(d)).join("; ");
        log.warn({}, `reload refused: a configuration file could not be read completely (${why}); the running configuration is unchanged`);
        throw new PbxError("CONFIG_MISSING", `reload refused, the running configuration is unchanged: ${why}`);
      }
      const kept = carryOverRejected(config.pjsip, next.pjsip);
      if (kept.length) {
        root.child({ category: "config" }).warn({}, `keeping the previous definition of ${kept.join(", ")} until the errors above are fixed`);
      }
      config = next;
      directory = new EndpointDirectory(next.pjsip);
      transactions.setTimers(timersFrom(next.pjsip.system.timerT1, next.pjsip.system.timerB));
      qualifier.refresh();
      guard.reload();
      calls.reload(next);
      // NAT addresses apply at once; binding changes need a restart (Asterisk's allow_reload=no).
      for (const t of next.pjsip.transports) {
        const live = transports.byId(t.id);
        if (live) live.nat = natOf(t);
      }
      lastReloadAt = clock.now();
      const msg = `Configuration reloaded from ${opts.configDir ?? "the embedded default"}: ${next.pjsip.endpoints.size} endpoints, ${next.pjsip.aors.size} AORs, ${errors} errors; ${store.count()} contacts kept`;
      log.notice({}, msg);
      return msg + (errors ? `\nRun 'switchboard check${opts.configDir ? ` --config ${opts.configDir}` : ""}' to see the errors.\n` : "\n");
    };
    registerCoreCommands(registry, {
      version: packageVersion(),
      startedAt,
      get lastReloadAt() {
        return lastReloadAt;
      },
      settings: () => ({
        Version: packageVersion(),
        // The version line has Asterisk's shape, which has no room for the runtime.
        "Node.js": process.version,
        "Configuration directory": opts.configDir ?? "(embedded default)",
        "Data directory": opts.dataDir,
        "SIP T1 timer": `${config.pjsip.system.timerT1} ms`,
        "SIP timer B": `${config.pjsip.system.timerB} ms`,
        "Default realm": global().defaultRealm,
        "User agent": userAgent(),
        Transports: transports.all().map((t) => `${t.id} (${t.protocol} ${t.dump().bind})`).join(", "),
      }),
      reload,
      stop: () => stop("core stop now"),
    });
    // 6. Consoles may connect: the socket file appears only now, with every command in place.
    await control.start();
    log.notice({ dataDir: opts.dataDir }, `Switchboard ${packageVersion()} ready: ${directory.endpoints.size} endpoints, ${store.count()} contacts restored`);
    return { stop, done };
  } catch (err) {
    await cleanup();
    logging.close();
    throw err;
  }
}
