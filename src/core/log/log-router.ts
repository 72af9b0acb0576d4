/**
 * The logger's switchboard: one record in, a line out to every logger.conf channel that wants it.
 *
 * - Channels are logger.conf's `[logfiles]`: files (relative names are in the log directory),
 *   `syslog.<facility>`, and `console`, whose levels say which non-verbose lines every console
 *   shows. Verbose lines reach a console when its own verbosity (`-v`, `core set verbose`) is at
 *   least the line's level, and a file when the channel's `verbose(n)` is, or, for a plain
 *   `verbose`, when the system verbosity is (Asterisk's `option_verbose`).
 * - The union of all masks and the highest verbosity anybody listens at are kept, so
 *   {@link LogRouter.wants} answers "would anybody write this?" with two comparisons, and a
 *   record nobody wants costs nothing more.
 * - A record is formatted once per formatter, and only if some channel with that formatter
 *   takes it.
 */
import { existsSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { isAbsolute, join } from "node:path";
import { DateFormat, DEFAULT_DATEFORMAT } from "./date-format.js";
import { LEVEL_BIT, parseLevelList, type AsteriskLevel, type LevelSet } from "./levels.js";
import { consoleLine, defaultLine, jsonLine, plainLine, syslogLine, type LineContext, type LogRecord } from "./line-format.js";
import { LogFile, type RotateStrategy } from "./log-file.js";
import { SyslogChannel, syslogFacilityOf } from "./syslog.js";

export type LogFormatter = "default" | "plain" | "json";

/** One line of logger.conf's `[logfiles]`. */
export interface LogChannelSpec {
  /** As written: `console`, `messages.log`, `/var/log/x.log`, `syslog.local0`. */
  readonly name: string;
  readonly formatter: LogFormatter;
  readonly levels: LevelSet;
  /** Added by us, not by logger.conf (the guard's security.log): left out when logger.conf already writes that file. */
  readonly unlessPresent?: boolean;
}

/** logger.conf as the router uses it. */
export interface LogSettings {
  readonly dateformat: string;
  readonly useCallids: boolean;
  readonly appendHostname: boolean;
  readonly rotateStrategy: RotateStrategy;
  /** Shell command run after each rotated file, `${filename}` replaced; "" for none. */
  readonly execAfterRotate: string;
  readonly channels: readonly LogChannelSpec[];
}

/** What Asterisk logs with no logger.conf at all: errors, warnings, notices and verbose lines to the console, no files. */
export const DEFAULT_LOG_SETTINGS: LogSettings = {
  dateformat: DEFAULT_DATEFORMAT,
  useCallids: true,
  appendHostname: false,
  rotateStrategy: "sequential",
  execAfterRotate: "",
  channels: [{ name: "console", formatter: "default", levels: parseLevelList("error,warning,notice,verbose").levels }],
};

/** Files above this size are rotated by `logger reload` (and `core reload`), as Asterisk does. */
export const ROTATE_ON_RELOAD_BYTES = 0x40000000;

/** A console that shows log lines: the foreground terminal, or a remote `-r` console. */
export interface LogConsole {
  /** Verbose lines up to this level are shown. */
  verbosity: number;
  /** `logger mute`: nothing is shown while true. */
  muted?: boolean;
  /** `logger set level <LEVEL> off`: the bits of the levels this console does not show. */
  hidden?: number;
  write(line: string): void;
}

/** A channel as `logger show channels` lists it. */
export interface ChannelStatus {
  readonly name: string;
  readonly type: "File" | "Syslog" | "Console";
  readonly formatter: LogFormatter;
  readonly mask: number;
  readonly verbose: number | undefined;
  readonly path: string | undefined;
  readonly dropped: number;
  /** False while the file cannot be written (Asterisk's "Disabled"). */
  readonly enabled: boolean;
}

interface Target {
  readonly spec: LogChannelSpec;
  readonly type: "File" | "Syslog";
  readonly path: string | undefined;
  readonly file: LogFile | undefined;
  readonly syslog: SyslogChannel | undefined;
}

export interface LogRouterOptions {
  /** Where relative file names go (Asterisk's astlogdir); undefined: no files. */
  readonly dir: string | undefined;
  readonly pid?: number;
  /** Told about trouble with a channel (unwritable file, no syslog); never loops back into a file that fails. */
  readonly onTrouble?: (text: string) => void;
  readonly fileDelayMs?: number;
  /**
   * Keep what is logged before the first {@link LogRouter.apply} (start-up, before logger.conf is
   * read) and write it to the channels logger.conf then names, so configuration warnings reach
   * messages.log. Consoles see those lines at once.
   */
  readonly holdUntilApplied?: boolean;
}

/** Most records kept while holding (start-up logs a few dozen). */
const MAX_HELD = 5000;

export class LogRouter {
  private settings: LogSettings = DEFAULT_LOG_SETTINGS;
  private targets: Target[] = [];
  private consoleMask = 0;
  /** Consoles show log lines only when logger.conf has a `console` channel, as in Asterisk. */
  private consoleChannel = false;
  private consoleFormatter: LogFormatter = "default";
  private readonly consoles = new Set<LogConsole>();
  private date = new DateFormat(DEFAULT_DATEFORMAT);
  private mask = 0;
  private maxVerbose = 0;
  /** `option_verbose`: what plain `verbose` channels write up to. */
  private systemVerbosity = 0;
  /** `core set debug`: DEBUG and TRACE records are written only at 1 and above, as Asterisk's ast_debug. */
  private debugLevel = 0;
  private readonly pid: number;
  private hostname = "";
  private held: LogRecord[] | undefined;
  /** Records that did not fit in `held`, reported once it is written. */
  private heldOver = 0;

  constructor(private readonly opts: LogRouterOptions) {
    this.pid = opts.pid ?? process.pid;
    this.apply(DEFAULT_LOG_SETTINGS);
    if (opts.holdUntilApplied === true) this.held = [];
  }

  /** Replaces the channels (start-up, `logger reload`); files still open are flushed and closed first. */
  apply(settings: LogSettings): void {
    const old = this.targets;
    this.settings = settings;
    this.date = new DateFormat(settings.dateformat);
    this.hostname = osHostname();
    const targets: Target[] = [];
    let consoleMask = 0;
    let consoleChannel = false;
    let consoleFormatter: LogFormatter = "default";
    const dir = this.opts.dir;
    const pathOf = (name: string): string | undefined => {
      if (dir === undefined) return undefined;
      const base = settings.appendHostname ? `${name}.${this.hostname}` : name;
      return isAbsolute(base) ? base : join(dir, base);
    };
    for (const spec of settings.channels) {
      const name = spec.name.trim();
      if (name.toLowerCase() === "console") {
        // The console always takes verbose lines; each console's verbosity filters them.
        consoleMask |= spec.levels.mask | LEVEL_BIT.VERBOSE;
        consoleChannel = true;
        consoleFormatter = spec.formatter;
        continue;
      }
      const facility = syslogFacilityOf(name);
      if (facility !== undefined) {
        // A channel that failed (no syslog daemon then) is tried afresh on every reload.
        const reused = old.find((t) => t.syslog !== undefined && t.spec.name === spec.name && !t.syslog.isFailing);
        const syslog = reused?.syslog ?? new SyslogChannel(facility, { onTrouble: (text) => this.trouble(text) });
        targets.push({ spec, type: "Syslog", path: undefined, file: undefined, syslog });
        continue;
      }
      const path = pathOf(name);
      if (path === undefined) continue;
      if (spec.unlessPresent === true && settings.channels.some((c) => c !== spec && c.unlessPresent !== true && pathOf(c.name.trim()) === path)) continue;
      // Two channels writing one file share it, so their lines interleave in order.
      const shared = targets.find((t) => t.path === path)?.file;
      const file = shared ?? old.find((t) => t.path === path)?.file ?? this.openFile(path);
      targets.push({ spec, type: "File", path, file, syslog: undefined });
    }
    for (const t of old) {
      if (t.file !== undefined && !targets.some((n) => n.file === t.file)) t.file.close();
      if (t.syslog !== undefined && !targets.some((n) => n.syslog === t.syslog)) t.syslog.close();
    }
    this.targets = targets;
    this.consoleMask = consoleMask;
    this.consoleChannel = consoleChannel;
    this.consoleFormatter = consoleFormatter;
    this.recompute();
    const held = this.held;
    this.held = undefined;
    if (held !== undefined) for (const rec of held) this.writeTargets(rec);
    if (this.heldOver > 0) {
      const message = `${this.heldOver} start-up lines were not kept for the log files (the first ${MAX_HELD} are held until logger.conf is read; consoles attached then showed them)`;
      this.heldOver = 0;
      this.writeTargets({ level: "WARNING", verbose: 0, time: Date.now(), file: "logger", callid: undefined, message, contextText: "", context: {} });
    }
  }

  /** True until the first {@link apply}, while start-up lines are held. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  current(): LogSettings {
    return this.settings;
  }

  /** Would any channel or console write a record of this level (and verbose level)? */
  wants(level: AsteriskLevel, verbose = 0): boolean {
    // Until logger.conf is known, anything it might name is kept (debug needs `core set debug`).
    if (this.held !== undefined) return this.debugLevel > 0 || (level !== "DEBUG" && level !== "TRACE");
    if ((this.mask & LEVEL_BIT[level]) === 0) return false;
    return level !== "VERBOSE" || verbose <= this.maxVerbose;
  }

  write(rec: LogRecord): void {
    if (this.held !== undefined) {
      if (this.held.length < MAX_HELD) this.held.push(rec);
      else this.heldOver++;
      this.writeConsoles(rec);
      return;
    }
    const bit = LEVEL_BIT[rec.level];
    if ((this.mask & bit) === 0) return;
    if (rec.level === "VERBOSE" && rec.verbose > this.maxVerbose) return;
    this.writeTargets(rec);
    this.writeConsoles(rec);
  }

  private writeTargets(rec: LogRecord): void {
    const bit = LEVEL_BIT[rec.level];
    const verbose = rec.level === "VERBOSE";
    let c: LineContext | undefined;
    const lines: Partial<Record<LogFormatter | "syslog", string>> = {};
    // A file two channels name gets a record once, even when both take it.
    let written: LogFile[] | undefined;
    for (const t of this.targets) {
      const levels = t.spec.levels;
      if ((levels.mask & bit) === 0) continue;
      if (verbose && rec.verbose > (levels.verbose ?? this.systemVerbosity)) continue;
      if (t.file !== undefined) {
        if (written?.includes(t.file) === true) continue;
        (written ??= []).push(t.file);
      }
      c ??= { stamp: this.date.format(rec.time), pid: this.pid };
      const kind = t.spec.formatter === "json" ? "json" : t.syslog !== undefined ? "syslog" : t.spec.formatter;
      const line = (lines[kind] ??= this.format(kind, rec, c));
      if (t.file !== undefined) t.file.write(line + "\n");
      else t.syslog?.write(rec.level, line);
    }
  }

  private format(kind: LogFormatter | "syslog" | "console", rec: LogRecord, c: LineContext): string {
    switch (kind) {
      case "json":
        return jsonLine(rec, { ...c, hostname: this.hostname });
      case "syslog":
        return syslogLine(rec, c);
      case "plain":
        return plainLine(rec, c);
      case "console":
        return consoleLine(rec, c);
      case "default":
        return defaultLine(rec, c);
    }
  }

  private writeConsoles(rec: LogRecord): void {
    const bit = LEVEL_BIT[rec.level];
    if (this.consoles.size === 0 || (this.consoleMask & bit) === 0) return;
    const verbose = rec.level === "VERBOSE";
    let line: string | undefined;
    for (const c of this.consoles) {
      if (verbose && rec.verbose > c.verbosity) continue;
      if (c.muted === true || ((c.hidden ?? 0) & bit) !== 0) continue;
      line ??= this.format(this.consoleFormatter === "default" ? "console" : this.consoleFormatter, rec, { stamp: this.date.format(rec.time), pid: this.pid });
      try {
        c.write(line);
      } catch {
        // A broken console must not break logging.
      }
    }
  }

  /** Adds a console; returns its removal. Change `verbosity` on it, then call {@link refresh}. */
  attach(c: LogConsole): () => void {
    this.consoles.add(c);
    this.recompute();
    return () => {
      this.consoles.delete(c);
      this.recompute();
    };
  }

  /** After a console's verbosity changed. */
  refresh(): void {
    this.recompute();
  }

  setSystemVerbosity(level: number): number {
    const was = this.systemVerbosity;
    this.systemVerbosity = Math.max(0, level);
    this.recompute();
    return was;
  }

  get verbosity(): number {
    return this.systemVerbosity;
  }

  setDebugLevel(level: number): number {
    const was = this.debugLevel;
    this.debugLevel = Math.max(0, level);
    this.recompute();
    return was;
  }

  get debug(): number {
    return this.debugLevel;
  }

  /**
   * Every channel, as `logger show channels` lists them: newest first, as Asterisk keeps its list
   * (each channel of logger.conf goes in at the head); the console has an empty name.
   */
  status(): ChannelStatus[] {
    const out: ChannelStatus[] = [];
    let t = 0;
    for (const spec of this.settings.channels) {
      if (spec.name.trim().toLowerCase() === "console") {
        out.push({ name: "", type: "Console", formatter: spec.formatter, mask: spec.levels.mask | LEVEL_BIT.VERBOSE, verbose: undefined, path: undefined, dropped: 0, enabled: true });
        continue;
      }
      const target = this.targets[t];
      if (target === undefined || target.spec !== spec) continue;
      t++;
      out.push({
        name: target.path ?? target.spec.name,
        type: target.type,
        formatter: target.spec.formatter,
        mask: target.spec.levels.mask,
        verbose: target.spec.levels.verbose,
        path: target.path,
        dropped: target.file?.dropped ?? target.syslog?.dropped ?? 0,
        enabled: !(target.file?.isFailing ?? target.syslog?.isFailing ?? false),
      });
    }
    return out.reverse();
  }

  /**
   * `logger rotate`: every file is renamed per rotatestrategy and started anew. Returns, per file,
   * the name for exec_after_rotate's `${filename}`: the archive, or with `none` the file itself
   * (as Asterisk runs it then too); a file that was not there or could not be renamed has none.
   */
  rotate(onlyAbove = 0): string[] {
    const renamed: string[] = [];
    const strategy = this.settings.rotateStrategy;
    for (const file of this.files()) {
      if (onlyAbove > 0 && (strategy === "none" || file.size() <= onlyAbove)) continue;
      const archive = file.rotate(strategy);
      if (archive !== undefined) renamed.push(archive);
      else if (strategy === "none" && existsSync(file.path)) renamed.push(file.path);
    }
    return renamed;
  }

  /** `logger reload` without changes, SIGHUP: files are opened again by name. */
  reopen(): void {
    for (const file of this.files()) file.reopen();
  }

  flush(): void {
    for (const file of this.files()) file.flush();
  }

  close(): void {
    for (const file of this.files()) file.close();
    for (const t of this.targets) t.syslog?.close();
    this.targets = [];
    this.recompute();
  }

  private files(): LogFile[] {
    return [...new Set(this.targets.flatMap((t) => (t.file !== undefined ? [t.file] : [])))];
  }

  /**
   * Who rotates when a file reaches the process's file size limit (EFBIG; Asterisk rotates every
   * file on the SIGXFSZ that comes with it): returns true once `path` has been renamed. The logger module
   * sets it, since it runs exec_after_rotate and knows when a rotation must wait.
   */
  whenTooLarge: ((path: string) => boolean) | undefined;
  private rotatingForSize = false;

  private openFile(path: string): LogFile {
    return new LogFile(path, {
      ...(this.opts.fileDelayMs !== undefined ? { delayMs: this.opts.fileDelayMs } : {}),
      onTooLarge: () => {
        // Not re-entered: a file that meets the limit while the files are being rotated waits for the next write.
        if (this.settings.rotateStrategy === "none" || this.whenTooLarge === undefined || this.rotatingForSize) return false;
        this.rotatingForSize = true;
        let rotated: boolean;
        try {
          rotated = this.whenTooLarge(path);
        } finally {
          this.rotatingForSize = false;
        }
        // Said after the rotation, so the line goes to the new files.
        if (rotated) this.trouble(`${path} reached the file size limit (EFBIG): the log files were rotated`);
        return rotated;
      },
      onTrouble: (e) =>
        this.trouble(
          e.kind === "failing"
            ? `cannot write ${path} (${e.err.message}); its lines are counted as dropped until writing works again`
            : `writing ${path} works again; ${e.dropped} lines were dropped meanwhile`,
        ),
    });
  }

  private trouble(text: string): void {
    this.opts.onTrouble?.(text);
  }

  private recompute(): void {
    let mask = this.consoleMask;
    let maxVerbose = 0;
    for (const t of this.targets) {
      mask |= t.spec.levels.mask;
      if ((t.spec.levels.mask & LEVEL_BIT.VERBOSE) !== 0) maxVerbose = Math.max(maxVerbose, t.spec.levels.verbose ?? this.systemVerbosity);
    }
    // Consoles show lines only through a `console` channel.
    if (this.consoleChannel) {
      for (const c of this.consoles) {
        mask |= LEVEL_BIT.VERBOSE;
        maxVerbose = Math.max(maxVerbose, c.verbosity);
      }
    }
    if (this.debugLevel === 0) mask &= ~(LEVEL_BIT.DEBUG | LEVEL_BIT.TRACE);
    this.mask = mask;
    this.maxVerbose = maxVerbose;
  }
}
