/**
 * The guard as a module: security events from the request path, the ban list (restored from the
 * database), the nftables mirror, security.log, and the `security …` console commands. It starts
 * before the SIP transports, which ask it about every packet before parsing (`allowPacket`).
 *
 * The guard knows nothing of endpoints; whether an account exists and whether a source is a
 * known trunk are asked through `accounts`, which the PBX answers from its directory.
 */
import { parseNetwork, type IpNetwork } from "../core/ip.js";
import { started, type ModuleContext, type PbxModule } from "../core/module.js";
import type { DatabaseModule } from "../core/db/database-module.js";
import type { LoadedConfig } from "../config/index.js";
import { BanStore } from "./ban-store.js";
import { SecurityEventStream } from "./events.js";
import { registerGuardCommands } from "./guard-commands.js";
import { Guard } from "./guard.js";
import { NftMirror } from "./nft-mirror.js";
import { SecurityLog } from "./security-log.js";

export interface SecurityModuleContext extends ModuleContext {
  config(): LoadedConfig;
}

export interface GuardAccounts {
  /** An endpoint or auth username of that name exists (decoys are only traps when not). */
  exists(user: string): boolean;
  /** The source is matched by an identify section (a trunk). */
  knownSource(address: string, port: number): boolean;
}

export class GuardModule implements PbxModule<SecurityModuleContext> {
  readonly name = "guard";
  readonly provides = [
    { name: "guard", description: "Guard: brute-force, scanner and fraud bans" },
    { name: "res_security_log.so", description: "Security Event Logging" },
  ];
  readonly dependsOn: readonly string[];
  readonly configFiles = [{ file: "guard.conf" }, { file: "pjsip.conf", objectTypes: ["transport"] }];
  private running: Guard | undefined;
  /** Security events (ChallengeSent, InvalidAccountID …), raised by the pipeline, read by the guard and security.log. */
  readonly events = new SecurityEventStream();

  constructor(private readonly deps: { database: DatabaseModule; accounts: GuardAccounts }) {
    this.dependsOn = [deps.database.name];
  }

  get guard(): Guard {
    return started(this.running, this.name, "guard");
  }

  start(ctx: SecurityModuleContext): void {
    const log = ctx.log.child({ category: "security.guard" });
    const localNets = (): IpNetwork[] =>
      ctx.config().pjsip.transports.flatMap((t) => t.localNet.map((n) => parseNetwork(`${n.address}/${n.prefixLength}`)).filter((n): n is IpNetwork => n !== undefined));
    const guard = new Guard({
      config: () => ctx.config().guard,
      store: new BanStore(this.deps.database.db, { log }),
      clock: ctx.clock,
      log,
      events: this.events,
      localNets,
      accountExists: (user) => this.deps.accounts.exists(user),
      knownSource: (address, port) => this.deps.accounts.knownSource(address, port),
      nft: new NftMirror({ settings: () => ctx.config().guard, log }),
    });
    this.running = guard;
    ctx.defer(() => guard.close());
    const securityLog = new SecurityLog({ events: this.events, log: ctx.log });
    ctx.defer(() => securityLog.close());
    registerGuardCommands(ctx.commands, { guard, clock: ctx.clock, bantime: () => ctx.config().guard.bantime });
  }

  reload(): void {
    this.guard.reload();
  }
}
