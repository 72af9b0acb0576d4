/**
 * The text of one log record in logger.conf's formatters:
 *
 * - `default` (files): `[Dec  1 23:02:48] NOTICE[11612][C-00000001] res_pjsip/pjsip_distributor.c: text`
 * - `plain`: the same with `:line function` after the file name where the record has them;
 *   we have no C line numbers, so it differs from `default` only there.
 * - `json`: one object per line, `{"hostname", "timestamp", "identifiers": {"lwp", "callid"},
 *   "logmsg": {"location": {"filename", "function", "line"}, "level", "message"}}` as Asterisk's
 *   json formatter writes it, plus `"context"`: our structured fields, which the text layouts leave out.
 * - the console: verbose records as Asterisk's console shows them (`    -- ` for level 3, no
 *   stamp), the others as in files.
 */
import type { AsteriskLevel } from "./levels.js";

/** A record on its way to the channels: everything a formatter needs, nothing formatted yet. */
export interface LogRecord {
  readonly level: AsteriskLevel;
  /** For VERBOSE: Asterisk's verbose level (0-4+); 0 otherwise. */
  readonly verbose: number;
  /** ms since the epoch */
  readonly time: number;
  /** Where Asterisk would name its source file (`res_pjsip_registrar.c`), else our category. */
  readonly file: string;
  /** `C-0000000a` when the record belongs to a call and use_callids is on. */
  readonly callid: string | undefined;
  readonly message: string;
  /** Context shown after the message in text layouts, `""` for Asterisk's own lines. */
  readonly contextText: string;
  readonly context: Readonly<Record<string, unknown>>;
}

/** Asterisk's console prefixes per verbose level (VERBOSE_PREFIX_1 … _4); 4 and above share the last. */
const VERBOSE_PREFIX = ["", " ", "  == ", "    -- ", "       > "];

export function verbosePrefix(level: number): string {
  return VERBOSE_PREFIX[Math.min(level, VERBOSE_PREFIX.length - 1)] ?? "";
}

export interface LineContext {
  /** The stamp, already in logger.conf's dateformat. */
  readonly stamp: string;
  readonly pid: number;
}

function head(rec: LogRecord, c: LineContext): string {
  return `[${c.stamp}] ${rec.level}[${c.pid}]${rec.callid !== undefined ? `[${rec.callid}]` : ""}`;
}

/** `default` formatter: the line of a file channel (without the newline). */
export function defaultLine(rec: LogRecord, c: LineContext): string {
  return `${head(rec, c)} ${rec.file}: ${rec.message}${rec.contextText}`;
}

/** `plain` formatter: like default (we have no line numbers or function names to add). */
export const plainLine = defaultLine;

/** The console's text of a record. */
export function consoleLine(rec: LogRecord, c: LineContext): string {
  if (rec.level === "VERBOSE") return `${verbosePrefix(rec.verbose)}${rec.message}${rec.contextText}`;
  return `${head(rec, c)}: ${rec.file}: ${rec.message}${rec.contextText}`;
}

/** `json` formatter: Asterisk's keys in its order, then ours (`context`). */
export function jsonLine(rec: LogRecord, c: LineContext & { readonly hostname: string }): string {
  let context: string;
  try {
    context = JSON.stringify(rec.context);
  } catch {
    context = "{}";
  }
  return (
    `{"hostname":${JSON.stringify(c.hostname)},"timestamp":${JSON.stringify(c.stamp)},` +
    `"identifiers":{"lwp":${c.pid},"callid":${JSON.stringify(rec.callid !== undefined ? `[${rec.callid}]` : "")}},` +
    `"logmsg":{"location":{"filename":${JSON.stringify(rec.file)},"function":"","line":0},"level":${JSON.stringify(rec.level)},"message":${JSON.stringify(rec.message + "\n")}},` +
    `"context":${context}}`
  );
}
