/**
 * The running configuration as a module: it reads the configuration directory (or the embedded
 * default, generating the embedded endpoints' passwords on first start), logs every diagnostic,
 * and indexes the endpoints. Every other module reads the configuration through it.
 *
 * On `core reload` it goes first: a configuration that cannot be read completely is refused
 * (the error ends the reload before any other module sees it, so the running configuration
 * stays whole); objects rejected by the new files keep their previous definition (carry-over).
 */
import { join } from "node:path";
import { PbxError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { started, type ModuleContext, type PbxModule } from "../core/module.js";
import { carryOverRejected, embeddedDefaultFiles, EMBEDDED_ACCOUNTS, EMBEDDED_EXTENSIONS, formatDiagnostic, loadConfiguration, type ConfigSource, type LoadedConfig } from "../config/index.js";
import type { GuardAccounts } from "../security/guard-module.js";
import { EndpointDirectory } from "./endpoint/directory.js";
import { loadOrCreatePasswords, loadOrCreatePins, PASSWORDS_FILE } from "./registrar/default-passwords.js";
import { ensureEmbeddedHttps } from "./embedded-https.js";

/** How often identify `match=` host names are looked up again (seconds × 1000). */
const HOSTNAME_REFRESH_MS = 300_000;

/** Logs each diagnostic at its severity; returns the number of errors. */
export function logDiagnostics(cfg: LoadedConfig, log: Logger): number {
  let errors = 0;
  for (const d of cfg.diagnostics) {
    if (d.severity === "error") {
      errors++;
      log.error({}, formatDiagnostic(d));
    } else log.warn({}, formatDiagnostic(d));
  }
  return errors;
}

export class ConfigModule implements PbxModule {
  readonly name = "config";
  readonly description = "Configuration files in Asterisk's format";
  private source: ConfigSource | undefined;
  private current: LoadedConfig | undefined;
  private index: EndpointDirectory | undefined;
  /** Errors found by the last load (for the reload message). */
  lastErrors = 0;
  private refreshTimer: NodeJS.Timeout | undefined;

  /** The running configuration. */
  config(): LoadedConfig {
    return started(this.current, this.name, "configuration");
  }

  directory(): EndpointDirectory {
    return started(this.index, this.name, "endpoint directory");
  }

  /** What the guard asks of the endpoints: does an account exist, is a source a known trunk. */
  accounts(): GuardAccounts {
    return {
      exists: (user) => this.directory().endpoint(user) !== undefined || this.directory().byAuthUser(user).length > 0,
      knownSource: (address, port) => this.directory().byAddress(address, port) !== undefined,
    };
  }

  /** Reads the files again without applying them (`dialplan reload` re-reads extensions.conf). */
  read(): LoadedConfig {
    return loadConfiguration(started(this.source, this.name, "configuration source"));
  }

  async start(ctx: ModuleContext): Promise<void> {
    const log = ctx.log.child({ category: "core" });
    if (ctx.configDir) this.source = { kind: "dir", dir: ctx.configDir };
    else {
      const { passwords, created } = loadOrCreatePasswords(ctx.dataDir, EMBEDDED_ACCOUNTS);
      const pins = loadOrCreatePins(ctx.dataDir, EMBEDDED_EXTENSIONS).passwords;
      const https = await ensureEmbeddedHttps(ctx.dataDir, log);
      this.source = { kind: "embedded", files: embeddedDefaultFiles(passwords, pins, undefined, https) };
      if (created.length) {
        // The passwords go to the terminal only, never into log files that others may read.
        const list = created.map((e) => `  ${e}  ${passwords[e]}  ${pins[e] !== undefined ? `(voicemail PIN ${pins[e]})` : "(browser phone)"}`).join("\n");
        process.stderr.write(`\nGenerated passwords for the embedded endpoints (stored in ${join(ctx.dataDir, PASSWORDS_FILE)}):\n${list}\nShow them again with: switchboard -rx "pjsip show default-passwords"\n\n`);
        log.notice({}, `Generated new passwords for embedded endpoints ${created.join(", ")}; see: switchboard -rx "pjsip show default-passwords"`);
      }
    }
    const cfg = loadConfiguration(this.source);
    this.lastErrors = logDiagnostics(cfg, ctx.log.child({ category: "config" }));
    this.current = cfg;
    this.index = new EndpointDirectory(cfg.pjsip);
    const plog = ctx.log.child({ category: "pjsip" });
    this.refreshTimer = setInterval(() => void this.index?.resolveHostnames(plog), HOSTNAME_REFRESH_MS);
    this.refreshTimer.unref();
    if (this.index.hasHostnames) await this.index.resolveHostnames(plog);
  }

  stop(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  async reload(ctx: ModuleContext): Promise<void> {
    const next = this.read();
    const clog = ctx.log.child({ category: "config" });
    const errors = logDiagnostics(next, clog);
    if (!next.complete) {
      const why = next.diagnostics.filter((d) => d.severity === "error").slice(0, 3).map((d) => formatDiagnostic(d)).join("; ");
      ctx.log.child({ category: "core" }).warn({}, `reload refused: a configuration file could not be read completely (${why}); the running configuration is unchanged`);
      throw new PbxError("CONFIG_MISSING", `reload refused, the running configuration is unchanged: ${why}`);
    }
    const kept = carryOverRejected(this.config().pjsip, next.pjsip);
    if (kept.length) clog.warn({}, `keeping the previous definition of ${kept.join(", ")} until the errors above are fixed`);
    const index = new EndpointDirectory(next.pjsip);
    if (index.hasHostnames) await index.resolveHostnames(ctx.log.child({ category: "pjsip" }));
    this.current = next;
    this.index = index;
    this.lastErrors = errors;
  }
}
