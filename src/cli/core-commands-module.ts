/**
 * The `core …` commands (version, uptime, settings, memory, reload, stop) as a module. `core
 * reload` reloads every module in list order (the config module first, which refuses an
 * unreadable configuration before any other module sees it) and prints Asterisk-style totals.
 */
import type { ModuleContext, PbxModule } from "../core/module.js";
import type { ModuleRow } from "../core/module-host.js";
import { registerModuleCommands } from "./module-commands.js";
import type { ConfigModule } from "../pbx/config-module.js";
import type { ContactsModule } from "../pbx/registrar/contacts-module.js";
import type { SipStackModule } from "../sip/sip-stack-module.js";
import { registerCoreCommands } from "./core-commands.js";
import { packageVersion } from "./version.js";

export interface CoreCommandsDeps {
  config: ConfigModule;
  contacts: ContactsModule;
  sip: SipStackModule;
  /** Reloads every module (the module host's reload). */
  reloadAll(): Promise<void>;
  /** `module show`'s rows (the module host's). */
  moduleRows(): ModuleRow[];
  /** Stops the PBX (`core stop now`). */
  stop(reason: string): Promise<void>;
}

interface CoreModuleContext extends ModuleContext {
  userAgent(): string;
}

export class CoreCommandsModule implements PbxModule<CoreModuleContext> {
  readonly name = "core-commands";
  readonly description = "Console commands: core show/set/reload/stop, module show/load/reload";
  readonly dependsOn: readonly string[];
  private lastReloadAt = 0;

  constructor(private readonly deps: CoreCommandsDeps) {
    this.dependsOn = [deps.config.name, deps.contacts.name, deps.sip.name];
  }

  start(ctx: CoreModuleContext): void {
    const { config, sip } = this.deps;
    const startedAt = ctx.clock.now();
    this.lastReloadAt = startedAt;
    // Read at call time (a reload moves it); inside the getter `this` is the info object.
    const reloadedAt = (): number => this.lastReloadAt;
    registerCoreCommands(ctx.commands, {
      version: packageVersion(),
      startedAt,
      get lastReloadAt() {
        return reloadedAt();
      },
      settings: () => {
        const cfg = config.config();
        return {
          Version: packageVersion(),
          // The version line has Asterisk's shape, which has no room for the runtime.
          "Node.js": process.version,
          "Configuration directory": ctx.configDir ?? "(embedded default)",
          "Data directory": ctx.dataDir,
          "SIP T1 timer": `${cfg.pjsip.system.timerT1} ms`,
          "SIP timer B": `${cfg.pjsip.system.timerB} ms`,
          "Default realm": cfg.pjsip.global.defaultRealm,
          "User agent": ctx.userAgent(),
          Transports: sip.transports.all().map((t) => `${t.id} (${t.protocol} ${t.dump().bind})`).join(", "),
        };
      },
      reload: () => this.reloadAll(ctx),
      stop: () => this.deps.stop("core stop now"),
    });
    registerModuleCommands(ctx.commands, { rows: () => this.deps.moduleRows(), reloadAll: () => this.deps.reloadAll(), log: ctx.log });
  }

  /** Runs after every other module reloaded: the time `core show uptime` calls "Last reload". */
  reload(ctx: CoreModuleContext): void {
    this.lastReloadAt = ctx.clock.now();
  }

  private async reloadAll(ctx: CoreModuleContext): Promise<string> {
    await this.deps.reloadAll();
    const next = this.deps.config.config();
    const errors = this.deps.config.lastErrors;
    const msg = `Configuration reloaded from ${ctx.configDir ?? "the embedded default"}: ${next.pjsip.endpoints.size} endpoints, ${next.pjsip.aors.size} AORs, ${errors} errors; ${this.deps.contacts.store.count()} contacts kept`;
    ctx.log.child({ category: "core" }).notice({}, msg);
    return msg + (errors ? `\nRun 'switchboard check${ctx.configDir ? ` --config ${ctx.configDir}` : ""}' to see the errors.\n` : "\n");
  }
}
