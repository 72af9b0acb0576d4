/**
 * Logging: a `Logger` interface, implemented with pino. Structured JSON goes to
 * `switchboard.log`; a human line in Asterisk's layout (`[Nov 26 07:25:01] NOTICE[pid] category: text`,
 * or Asterisk's own source file name in place of the category, see {@link ASTERISK_SOURCE}) goes to
 * `messages.log`, to the foreground console, and to attached remote consoles.
 *
 * Call with a context object first and a constant message second:
 * `log.warn({ peer, endpoint }, "registration rejected: no AORs")`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BatchedWriter } from "./batched-writer.js";
import { hostname } from "node:os";
import { pino, type Logger as PinoLogger } from "pino";

export type LogLevel = "trace" | "debug" | "info" | "notice" | "warn" | "error";
type LogFn = (obj: object, msg: string) => void;

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  notice: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const LEVEL_NUMBERS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, notice: 35, warn: 40, error: 50 };
const ASTERISK_NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "VERBOSE", 35: "NOTICE", 40: "WARNING", 50: "ERROR", 60: "ERROR" };
/**
 * Context key naming the Asterisk source file of a line we write exactly as Asterisk does
 * (`res_pjsip/pjsip_distributor.c`). Human lines show it where Asterisk shows its file name,
 * instead of our category, so the line is byte for byte Asterisk's: log parsers written for
 * Asterisk (fail2ban's `log_prefix`, SIEM rules) key on that column. The JSON log keeps it as a field.
 */
export const ASTERISK_SOURCE = "asteriskSource";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/**
 * Keys not rendered in human lines. `sip` holds attacker-controlled strings (User-Agent, user
 * names): they stay in the JSON log only, so they can never bend the human line that fail2ban and
 * operators read.
 */
const RESERVED = new Set(["level", "time", "pid", "hostname", "msg", "category", "sip", ASTERISK_SOURCE]);

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
      return JSON.stringify(v);
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

/** Renders the context object as `key=value` pairs after the message, nested objects as JSON. */
function renderContext(rec: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (RESERVED.has(k) || v === undefined) continue;
    const text = contextText(v);
    parts.push(`${k}=${text.length > 300 ? text.slice(0, 300) + "…" : text}`);
  }
  return parts.length ? ` (${parts.join(" ")})` : "";
}

export function humanLine(rec: Record<string, unknown>): string {
  const level = typeof rec.level === "number" ? rec.level : 30;
  const time = typeof rec.time === "number" ? new Date(rec.time) : new Date();
  const source = rec[ASTERISK_SOURCE];
  const category = typeof source === "string" ? source : typeof rec.category === "string" ? rec.category : "core";
  const msg = typeof rec.msg === "string" ? rec.msg : "";
  return `${asteriskTimestamp(time)} ${ASTERISK_NAMES[level] ?? "VERBOSE"}[${process.pid}] ${category}: ${msg}${renderContext(rec)}`;
}

export type LineListener = (line: string, level: number) => void;

/** Fan-out of human log lines to whoever listens (foreground console, remote consoles). */
export class LogHub {
  private listeners = new Set<LineListener>();
  subscribe(fn: LineListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  publish(line: string, level: number): void {
    for (const fn of this.listeners) {
      try {
        fn(line, level);
      } catch {
        // A broken console must not break logging.
      }
    }
  }
}

export interface LoggerOptions {
  /** Directory for messages.log and switchboard.log; omit for no files. */
  dir?: string;
  level?: LogLevel;
  /** Echo human lines to stderr (foreground `start`). */
  stderr?: boolean;
  hub?: LogHub;
}

class PinoAdapter implements Logger {
  /**
   * `root` and `bindings` let a child rebind a key its parent already bound: pino's own children
   * append bindings, so `child({ category })` of a logger that has a category wrote the key twice
   * into one JSON object. A child is made from the root with the merged bindings instead.
   */
  constructor(
    private readonly p: PinoLogger<"notice">,
    private readonly root: PinoLogger<"notice"> = p,
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  trace: LogFn = (o, m) => this.p.trace(o, m);
  debug: LogFn = (o, m) => this.p.debug(o, m);
  info: LogFn = (o, m) => this.p.info(o, m);
  notice: LogFn = (o, m) => this.p.notice(o, m);
  warn: LogFn = (o, m) => this.p.warn(o, m);
  error: LogFn = (o, m) => this.p.error(o, m);
  child(bindings: Record<string, unknown>): Logger {
    const merged = { ...this.bindings, ...bindings };
    return new PinoAdapter(this.root.child(merged), this.root, merged);
  }
}

export interface LoggerHandle {
  logger: Logger;
  hub: LogHub;
  close(): void;
}

export function createLogger(opts: LoggerOptions = {}): LoggerHandle {
  const hub = opts.hub ?? new LogHub();
  let messages: BatchedWriter | undefined;
  let json: BatchedWriter | undefined;
  // Lines reach the files in batches (core/batched-writer.ts), off the per-call path; a process
  // that exits writes what is still gathered before it goes.
  const flushOnExit = (): void => {
    json?.flush();
    messages?.flush();
  };
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    messages = new BatchedWriter(join(opts.dir, "messages.log"));
    json = new BatchedWriter(join(opts.dir, "switchboard.log"));
    process.on("exit", flushOnExit);
  }
  const stderr = opts.stderr ?? false;
  const sink = {
    write(chunk: string): void {
      json?.write(chunk);
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(chunk) as Record<string, unknown>;
      } catch {
        return;
      }
      const level = typeof rec.level === "number" ? rec.level : 30;
      const line = humanLine(rec);
      if (level >= 30) messages?.write(line + "\n");
      if (stderr) process.stderr.write(line + "\n");
      hub.publish(line, level);
    },
  };
  const p = pino<"notice">(
    {
      level: opts.level ?? "info",
      customLevels: { notice: LEVEL_NUMBERS.notice },
      base: { pid: process.pid, hostname: hostname() },
    },
    sink,
  );
  return {
    logger: new PinoAdapter(p),
    hub,
    close() {
      process.off("exit", flushOnExit);
      messages?.close();
      json?.close();
    },
  };
}

export interface CapturedLog {
  level: LogLevel;
  msg: string;
  ctx: Record<string, unknown>;
}

/** A logger that keeps records in memory, for unit tests. */
export class CaptureLogger implements Logger {
  constructor(
    readonly records: CapturedLog[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  private push(level: LogLevel, ctx: object, msg: string) {
    this.records.push({ level, msg, ctx: { ...this.bindings, ...ctx } });
  }
  trace: LogFn = (o, m) => this.push("trace", o, m);
  debug: LogFn = (o, m) => this.push("debug", o, m);
  info: LogFn = (o, m) => this.push("info", o, m);
  notice: LogFn = (o, m) => this.push("notice", o, m);
  warn: LogFn = (o, m) => this.push("warn", o, m);
  error: LogFn = (o, m) => this.push("error", o, m);
  child(bindings: Record<string, unknown>): Logger {
    return new CaptureLogger(this.records, { ...this.bindings, ...bindings });
  }
  find(msgPart: string): CapturedLog | undefined {
    return this.records.find((r) => r.msg.includes(msgPart));
  }
}

const noop: LogFn = () => {};
/** A logger that discards everything. */
export const nullLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  notice: noop,
  warn: noop,
  error: noop,
  child: () => nullLogger,
};
