/**
 * logger.conf as a module: it gives the log router (core/log/) the channels of logger.conf at
 * start, on `core reload` and on `logger reload`, rotates on `logger rotate`, reopens on SIGHUP, and
 * owns the `logger …` and `core set verbose|debug` commands (logger-commands.ts).
 *
 * guard.conf's `security_log=yes` (the default) is one more channel, `security.log => security`,
 * unless a channel of logger.conf already writes that file: fail2ban finds Asterisk's security.log
 * without anyone having to write a logger.conf.
 */
import { spawn } from "node:child_process";
import type { LoadedConfig } from "../../config/index.js";
import type { LoggerConfig } from "../../config/logger/load-logger.js";
import { formatDiagnostic } from "../../config/diagnostic.js";
import { parseLevelList } from "../../core/log/levels.js";
import { ROTATE_ON_RELOAD_BYTES, type LogRouter, type LogSettings } from "../../core/log/log-router.js";
import type { Logger } from "../../core/logger.js";
import type { ModuleContext, PbxModule } from "../../core/module.js";
import { registerLoggerCommands } from "./logger-commands.js";

export interface LoggerModuleDeps {
  config: { readonly name: string; config(): LoadedConfig; read(): LoadedConfig };
  router: LogRouter;
}

/** The router's settings from logger.conf. */
export function logSettings(cfg: LoggerConfig): LogSettings {
  return {
    dateformat: cfg.dateformat,
    useCallids: cfg.useCallids && cfg.displayCallids,
    appendHostname: cfg.appendhostname,
    rotateStrategy: cfg.rotatestrategy,
    execAfterRotate: cfg.execAfterRotate,
    channels: cfg.channels,
  };
}

/** The channels the router runs: logger.conf's, plus the guard's security.log. */
export function effectiveSettings(cfg: Pick<LoadedConfig, "logger" | "guard">): LogSettings {
  const base = logSettings(cfg.logger);
  if (!cfg.guard.securityLog) return base;
  // The router leaves it out when a channel of logger.conf writes the same file (however spelled).
  return { ...base, channels: [...base.channels, { name: "security.log", formatter: "default", levels: parseLevelList("security").levels, unlessPresent: true }] };
}

/** Said once at start (and on `logger reload`) when there is no logger.conf. */
export const NO_LOGGER_CONF =
  "No logger.conf: Asterisk's default logging applies (the console only: errors, warnings, notices, verbose); no messages.log is written. Copy configs/samples/logger.conf.sample to the configuration directory for log files";

export class LoggerModule implements PbxModule {
  readonly name = "logger";
  readonly description = "Logger: logger.conf channels and rotation";
  readonly dependsOn: readonly string[];
  private log: Logger | undefined;
  /** exec_after_rotate commands still running, and rotations waiting for them. */
  private running = 0;
  private readonly waiting: Array<() => string[]> = [];
  private sizeRotationQueued = false;
  /**
   * SIGHUP, what logrotate's postrotate sends after moving the files: they are opened again by
   * name and logger.conf is read again. (Asterisk reloads every module on SIGHUP; here that is
   * `core reload`.)
   */
  private readonly onHangup = (): void => {
    this.deps.router.reopen();
    // A signal listener that throws ends the process: an unreadable file is a warning, not a crash.
    try {
      this.reloadLogger();
    } catch (err) {
      this.log?.warn({}, `SIGHUP: the log files were reopened, but logger.conf could not be read again: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  constructor(private readonly deps: LoggerModuleDeps) {
    this.dependsOn = [deps.config.name];
  }

  start(ctx: ModuleContext): void {
    this.log = ctx.log.child({ category: "logger" });
    const cfg = this.deps.config.config();
    this.apply(cfg);
    if (!cfg.logger.present) this.log.notice({}, NO_LOGGER_CONF);
    registerLoggerCommands(ctx.commands, {
      router: this.deps.router,
      logger: () => this.deps.config.config().logger,
      reload: () => this.reloadLogger(),
      rotate: () => this.rotate(),
    });
    process.on("SIGHUP", this.onHangup);
    this.deps.router.whenTooLarge = (path) => this.rotateIfIdle(path);
    ctx.defer(() => {
      process.off("SIGHUP", this.onHangup);
      this.deps.router.whenTooLarge = undefined;
    });
  }

  /** `core reload`: logger.conf applied, the files reopened by name, large ones rotated. */
  reload(): void {
    this.deps.router.reopen();
    this.apply(this.deps.config.config());
    this.rotateLarge();
  }

  /** `logger reload`: logger.conf (and guard.conf's security_log) read again and applied alone. */
  private reloadLogger(): string {
    const next = this.deps.config.read();
    this.deps.router.reopen();
    const problems = next.diagnostics.filter((d) => d.file.endsWith("logger.conf"));
    for (const d of problems) this.log?.warn({}, formatDiagnostic(d));
    this.apply(next);
    this.rotateLarge();
    if (!next.logger.present) this.log?.notice({}, NO_LOGGER_CONF);
    return "";
  }

  /** A reload rotates the files that grew beyond 1 GiB, as Asterisk's does (size-based rotation). */
  private rotateLarge(): void {
    this.rotateWhenIdle(() => this.deps.router.rotate(ROTATE_ON_RELOAD_BYTES));
  }

  private apply(cfg: Pick<LoadedConfig, "logger" | "guard">): void {
    this.deps.router.apply(effectiveSettings(cfg));
  }

  /** `logger rotate`: every file channel per rotatestrategy, then exec_after_rotate per file. */
  private rotate(): void {
    this.rotateWhenIdle(() => this.deps.router.rotate());
  }

  /**
   * Rotates now, or, while exec_after_rotate commands of the last rotation still run (a gzip of
   * `messages.log.0`), once they have ended: renaming `.0` under a running gzip would lose it.
   */
  private rotateWhenIdle(rotate: () => string[]): void {
    if (this.running > 0) {
      this.waiting.push(rotate);
      return;
    }
    this.rotateNow(rotate);
  }

  /** Rotates, then runs exec_after_rotate for each archive; returns the archives. */
  private rotateNow(rotate: () => string[]): string[] {
    const command = this.deps.router.current().execAfterRotate;
    const files = rotate();
    if (command !== "") for (const file of files) this.execAfterRotate(command, file);
    return files;
  }

  /**
   * A file at the size limit: every file rotated now; true when `path` was renamed. While an
   * exec_after_rotate still runs, one rotation is queued for when it ends (said once), and the
   * lines meanwhile are counted as dropped.
   */
  private rotateIfIdle(path: string): boolean {
    if (this.running > 0) {
      if (!this.sizeRotationQueued) {
        this.sizeRotationQueued = true;
        this.log?.warn({}, `${path} reached the file size limit (EFBIG) while exec_after_rotate still runs; the log files are rotated when it ends, lines are dropped until then`);
        this.waiting.push(() => {
          this.sizeRotationQueued = false;
          return this.deps.router.rotate();
        });
      }
      return false;
    }
    return this.rotateNow(() => this.deps.router.rotate()).some((f) => f.startsWith(`${path}.`));
  }

  private execAfterRotate(command: string, filename: string): void {
    this.running++;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.running--;
      const next = this.running === 0 ? this.waiting.shift() : undefined;
      if (next !== undefined) this.rotateWhenIdle(next);
    };
    // The file name goes in as an environment variable, never pasted into the shell text.
    const child = spawn("/bin/sh", ["-c", withFilename(command)], {
      env: { ...process.env, SWITCHBOARD_ROTATED: filename },
      stdio: "ignore",
    });
    child.on("error", (err) => {
      this.log?.warn({}, `exec_after_rotate '${command}' for ${filename} could not run: ${err.message}`);
      end();
    });
    child.on("close", (code) => {
      if (code !== 0) this.log?.warn({}, `error executing '${command}' for ${filename} (exit status ${code})`);
      end();
    });
  }
}

/**
 * exec_after_rotate's text for /bin/sh with each `${filename}` a reference to
 * `$SWITCHBOARD_ROTATED`, right for where it stands: `"$SWITCHBOARD_ROTATED"` outside quotes,
 * `${SWITCHBOARD_ROTATED}` inside double quotes, and out and back into single quotes, so
 * `gzip ${filename}`, `gzip "${filename}"` and `gzip '${filename}'` all get the one name, spaces and all.
 */
export function withFilename(command: string): string {
  const PLACEHOLDER = "${filename}";
  let out = "";
  let quote: "" | "'" | '"' = "";
  for (let i = 0; i < command.length; ) {
    if (command.startsWith(PLACEHOLDER, i)) {
      out += quote === "" ? '"${SWITCHBOARD_ROTATED}"' : quote === '"' ? "${SWITCHBOARD_ROTATED}" : `'"\${SWITCHBOARD_ROTATED}"'`;
      i += PLACEHOLDER.length;
      continue;
    }
    const ch = command[i] ?? "";
    if (ch === "\\" && quote !== "'") {
      out += command.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch === "'" && quote !== '"') quote = quote === "'" ? "" : "'";
    else if (ch === '"' && quote !== "'") quote = quote === '"' ? "" : '"';
    out += ch;
    i++;
  }
  return out;
}
