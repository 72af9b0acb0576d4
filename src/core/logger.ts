/**
 * Logging: a `Logger` interface that every layer writes to, and its implementation on the
 * logger.conf channels of core/log/ (console, files, syslog, each with its levels and formatter).
 * Lines are Asterisk's: `[Dec  1 23:02:48] NOTICE[pid][C-00000001] file: text`, where `file` is
 * Asterisk's source file for the lines we write exactly as Asterisk does (see
 * {@link ASTERISK_SOURCE}), else our category; the `[json]` formatter keeps every context field.
 *
 * Call with a context object first and a constant message second:
 * `log.warn({ peer, endpoint }, "registration rejected: no AORs")`. A message that costs
 * something to build on a busy path asks first: `if (log.wants("verbose", 3)) log.verbose(3, …)`.
 */
import { mkdirSync } from "node:fs";
import { parseLevelList, type AsteriskLevel } from "./log/levels.js";
import { DateFormat } from "./log/date-format.js";
import { defaultLine, type LogRecord } from "./log/line-format.js";
import { DEFAULT_LOG_SETTINGS, LogRouter, type LogConsole } from "./log/log-router.js";

export type LogLevel = "trace" | "debug" | "info" | "notice" | "warn" | "error";
type LogFn = (obj: object, msg: string) => void;

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  /** A VERBOSE line of level {@link INFO_VERBOSE}. */
  info: LogFn;
  notice: LogFn;
  warn: LogFn;
  error: LogFn;
  /** Asterisk's `ast_verb(level, …)`: a VERBOSE line, shown on consoles whose verbosity is at least `level`. */
  verbose(level: number, obj: object, msg: string): void;
  /** A SECURITY line (security.log: res_security_log's SecurityEvent text). */
  security(obj: object, msg: string): void;
  /** Would any channel write this? (For messages that cost something to build.) */
  wants(level: LogLevel | "verbose" | "security", verbose?: number): boolean;
  child(bindings: Record<string, unknown>): Logger;
}

/** The verbose level `info` writes at: Asterisk's level for notable system events (`  == ` on the console). */
export const INFO_VERBOSE = 2;

/**
 * Context key naming the Asterisk source file of a line we write exactly as Asterisk does
 * (`res_pjsip/pjsip_distributor.c`). Lines show it where Asterisk shows its file name, instead
 * of our category, and without our context pairs, so the line is byte for byte Asterisk's: log
 * parsers written for Asterisk (fail2ban's `log_prefix`, SIEM rules) key on that column.
 */
export const ASTERISK_SOURCE = "asteriskSource";
/** Binding key of a call's Asterisk call id (`C-0000000a`), shown as `[C-0000000a]` when use_callids is on. */
export const CALLID = "callid";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/**
 * Keys not rendered in text lines. `sip` holds attacker-controlled strings (User-Agent, user
 * names): they stay in the JSON layout only, so they can never bend the line that fail2ban and
 * operators read.
 */
const RESERVED = new Set(["msg", "category", "sip", ASTERISK_SOURCE, CALLID]);

/** `[Nov 26 07:25:01]`, Asterisk's default `dateformat=%b %e %T`. */
export function asteriskTimestamp(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = String(d.getDate()).padStart(2, " ");
  return `[${MONTHS[d.getMonth()]} ${day} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}]`;
}

/** One context value: objects (and null) as JSON, functions by name, other scalars as themselves. */
function contextText(v: unknown): string {
  switch (typeof v) {
    case "object":
      try {
        return JSON.stringify(v);
      } catch {
        return "[object]";
      }
    case "function":
      return `[function ${v.name}]`;
    case "string":
      return v;
    case "number":
    case "bigint":
    case "boolean":
    case "symbol":
    case "undefined":
      return String(v);
  }
}

/** The context as ` (key=value …)` after the message, nested objects as JSON; "" for none. */
export function renderContext(rec: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const k in rec) {
    const v = rec[k];
    if (RESERVED.has(k) || v === undefined) continue;
    const text = contextText(v);
    parts.push(`${k}=${text.length > 300 ? text.slice(0, 300) + "…" : text}`);
  }
  return parts.length ? ` (${parts.join(" ")})` : "";
}

const ASTERISK_LEVEL: Readonly<Record<LogLevel, AsteriskLevel>> = { trace: "TRACE", debug: "DEBUG", info: "VERBOSE", notice: "NOTICE", warn: "WARNING", error: "ERROR" };

/** The record a logger call makes, before any formatting (exported for formatter tests). */
export function makeRecord(level: AsteriskLevel, verbose: number, bindings: Readonly<Record<string, unknown>>, obj: object, msg: string, useCallids: boolean, time = Date.now()): LogRecord {
  const ctx = Object.keys(obj).length === 0 ? bindings : { ...bindings, ...obj };
  const source = ctx[ASTERISK_SOURCE];
  const category = ctx.category;
  const callid = ctx[CALLID];
  return {
    level,
    verbose,
    time,
    file: typeof source === "string" ? source : typeof category === "string" ? category : "core",
    callid: useCallids && typeof callid === "string" ? callid : undefined,
    message: msg,
    // Asterisk's own lines carry nothing after the text, so their bytes are Asterisk's.
    contextText: typeof source === "string" ? "" : renderContext(ctx),
    context: ctx,
  };
}

/** The `default` formatter's line for one logger call, with the default dateformat (for tests and one-off lines). */
export function formatLogLine(level: LogLevel, ctx: Readonly<Record<string, unknown>>, msg: string, time: number, pid = process.pid): string {
  const rec = makeRecord(ASTERISK_LEVEL[level], level === "info" ? INFO_VERBOSE : 0, ctx, {}, msg, true, time);
  return defaultLine(rec, { stamp: new DateFormat().format(time), pid });
}

class RouterLogger implements Logger {
  constructor(
    private readonly router: LogRouter,
    private readonly bindings: Readonly<Record<string, unknown>> = {},
  ) {}
  trace: LogFn = (o, m) => this.emit("TRACE", 0, o, m);
  debug: LogFn = (o, m) => this.emit("DEBUG", 0, o, m);
  info: LogFn = (o, m) => this.emit("VERBOSE", INFO_VERBOSE, o, m);
  notice: LogFn = (o, m) => this.emit("NOTICE", 0, o, m);
  warn: LogFn = (o, m) => this.emit("WARNING", 0, o, m);
  error: LogFn = (o, m) => this.emit("ERROR", 0, o, m);
  verbose(level: number, o: object, m: string): void {
    this.emit("VERBOSE", level, o, m);
  }
  security(o: object, m: string): void {
    this.emit("SECURITY", 0, o, m);
  }
  wants(level: LogLevel | "verbose" | "security", verbose?: number): boolean {
    if (level === "verbose") return this.router.wants("VERBOSE", verbose ?? 0);
    if (level === "security") return this.router.wants("SECURITY");
    return this.router.wants(ASTERISK_LEVEL[level], level === "info" ? INFO_VERBOSE : 0);
  }
  child(bindings: Record<string, unknown>): Logger {
    return new RouterLogger(this.router, { ...this.bindings, ...bindings });
  }
  private emit(level: AsteriskLevel, verbose: number, o: object, m: string): void {
    if (!this.router.wants(level, verbose)) return;
    this.router.write(makeRecord(level, verbose, this.bindings, o, m, this.router.current().useCallids));
  }
}

export interface LoggerOptions {
  /** Where relative log file names go (messages.log, security.log); omit for no files. */
  dir?: string;
  /** Echo lines to stderr as a console (foreground `start`), showing verbose lines up to this level. */
  stderrVerbosity?: number;
  /** Keep start-up lines until logger.conf is applied, then write them where it says (the server does). */
  holdUntilApplied?: boolean;
  /** Told when a channel cannot be written (unwritable file, no syslog daemon); default: a WARNING line. */
  onTrouble?: (text: string) => void;
}

export interface LoggerHandle {
  logger: Logger;
  router: LogRouter;
  close(): void;
}

export function createLogger(opts: LoggerOptions = {}): LoggerHandle {
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  // Trouble with a channel is one WARNING on the other channels and the consoles (the failing
  // file counts it among its dropped lines: it reports only changes, so this cannot loop).
  let logger: Logger = nullLogger;
  const trouble = opts.onTrouble ?? ((text: string) => logger.warn({}, text));
  const r = new LogRouter({ dir: opts.dir, onTrouble: trouble, holdUntilApplied: opts.holdUntilApplied ?? false });
  logger = new RouterLogger(r, { category: "logger" });
  let detach: (() => void) | undefined;
  if (opts.stderrVerbosity !== undefined) {
    const console: LogConsole = { verbosity: opts.stderrVerbosity, write: (line) => process.stderr.write(line + "\n") };
    detach = r.attach(console);
    r.setSystemVerbosity(opts.stderrVerbosity);
  }
  // Lines reach the files in batches, off the per-call path; a process that exits writes what is
  // still gathered before it goes.
  const flushOnExit = (): void => r.flush();
  process.on("exit", flushOnExit);
  return {
    logger: new RouterLogger(r),
    router: r,
    close() {
      process.off("exit", flushOnExit);
      detach?.();
      // Start failed before logger.conf was applied: the held start-up lines (the reason it
      // failed among them) still reach messages.log, as the default configuration would write them.
      if (r.holding && opts.dir !== undefined) r.apply({ ...DEFAULT_LOG_SETTINGS, channels: [{ name: "messages.log", formatter: "default", levels: parseLevelList("notice,warning,error").levels }] });
      r.close();
    },
  };
}

export interface CapturedLog {
  /** `verbose(n, …)` is kept as "info" with its level in `verbose`; `security(…)` as "notice" with `security: true`. */
  level: LogLevel;
  msg: string;
  ctx: Record<string, unknown>;
  verbose?: number;
  security?: true;
}

/** A logger that keeps records in memory, for unit tests. */
export class CaptureLogger implements Logger {
  constructor(
    readonly records: CapturedLog[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  private push(level: LogLevel, ctx: object, msg: string, extra: { verbose?: number; security?: true } = {}) {
    this.records.push({ level, msg, ctx: { ...this.bindings, ...ctx }, ...extra });
  }
  trace: LogFn = (o, m) => this.push("trace", o, m);
  debug: LogFn = (o, m) => this.push("debug", o, m);
  info: LogFn = (o, m) => this.push("info", o, m);
  notice: LogFn = (o, m) => this.push("notice", o, m);
  warn: LogFn = (o, m) => this.push("warn", o, m);
  error: LogFn = (o, m) => this.push("error", o, m);
  verbose(level: number, o: object, m: string): void {
    this.push("info", o, m, { verbose: level });
  }
  security(o: object, m: string): void {
    this.push("notice", o, m, { security: true });
  }
  wants(): boolean {
    return true;
  }
  child(bindings: Record<string, unknown>): Logger {
    return new CaptureLogger(this.records, { ...this.bindings, ...bindings });
  }
  find(msgPart: string): CapturedLog | undefined {
    return this.records.find((r) => r.msg.includes(msgPart));
  }
}

const noop = (): void => {};
/** A logger that discards everything. */
export const nullLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  notice: noop,
  warn: noop,
  error: noop,
  verbose: noop,
  security: noop,
  wants: () => false,
  child: () => nullLogger,
};
