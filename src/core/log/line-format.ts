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
 * - syslog: `NOTICE[11612][C-00000001]: res_pjsip/pjsip_distributor.c: text`, no stamp (syslog
 *   stamps it), as Asterisk sends it (less the `:line in function` we have no C source for).
 *
 * Text from the network (a From URI, a Call-ID, a SIP packet in a trace) must not be able to
 * forge a line that fail2ban or a script would take as ours. In the text layouts, control
 * characters are written as `\xNN`, a CR before a LF is dropped, and each line of a multi-line
 * message (a SIP trace) gets the record's own head, so no line begins with text from outside.
 * The console keeps multi-line messages as they are (people read it), with the other control
 * characters escaped so nothing can drive the terminal.
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
  return `[${c.stamp}] ${ident(rec, c)}`;
}

function ident(rec: LogRecord, c: LineContext): string {
  return `${rec.level}[${c.pid}]${rec.callid !== undefined ? `[${rec.callid}]` : ""}`;
}

/**
 * Any control character but TAB (LF included): C0, DEL, C1 (U+0080–U+009F, NEL among them) and
 * the Unicode line and paragraph separators, which some readers take as line ends. Finding them
 * is the point of these patterns.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const CONTROL_NOT_LF = /\r(?=\n)|[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/g;

function escapeControl(text: string): string {
  return text.replace(CONTROL_NOT_LF, (ch) => {
    if (ch === "\r") return "";
    const code = ch.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}

/** `prefix` + text, every line of a multi-line text under its own prefix, control characters escaped. */
function safeLines(prefix: string, text: string): string {
  if (!CONTROL.test(text)) return prefix + text;
  const lines = escapeControl(text).split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => prefix + l).join("\n");
}

/** `default` formatter: the line of a file channel (without the newline). */
export function defaultLine(rec: LogRecord, c: LineContext): string {
  return safeLines(`${head(rec, c)} ${rec.file}: `, rec.message + rec.contextText);
}

/**
 * Longest syslog line in UTF-8 bytes, head included; a longer one is cut short and ends in
 * SYSLOG_CUT. It is never continued in a second record: that record would begin with the line's
 * text, which may come from the network and be made to read as a line fail2ban acts on (logger(1)
 * itself continues lines longer than its --size that way, so it gets a larger one). A syslog
 * daemon that keeps RFC 3164's 1024 bytes truncates the record, which is as harmless.
 */
export const SYSLOG_MAX_LINE = 2048;
export const SYSLOG_CUT = " [cut]";

/** The text of a syslog record (lines as in {@link defaultLine}, each one record, long ones cut short). */
export function syslogLine(rec: LogRecord, c: LineContext): string {
  const text = safeLines(`${ident(rec, c)}: ${rec.file}: `, rec.message + rec.contextText);
  if (text.length <= SYSLOG_MAX_LINE / 3 || Buffer.byteLength(text) <= SYSLOG_MAX_LINE) return text;
  return text
    .split("\n")
    .map((line) => (Buffer.byteLength(line) <= SYSLOG_MAX_LINE ? line : cutShort(line, SYSLOG_MAX_LINE - SYSLOG_CUT.length) + SYSLOG_CUT))
    .join("\n");
}

/** The longest start of `line` that fits in `bytes` UTF-8 bytes, cut between characters. */
function cutShort(line: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (used + n > bytes) break;
    used += n;
    end += ch.length;
  }
  return line.slice(0, end);
}

/**
 * `plain` formatter: `[stamp] LEVEL[pid][C-…]: file: text`, on the console too (verbose lines
 * included). Asterisk adds `:line function` after the file; we have no C source lines to name.
 */
export function plainLine(rec: LogRecord, c: LineContext): string {
  return safeLines(`${head(rec, c)}: ${rec.file}: `, rec.message + rec.contextText);
}

/** The console's text of a record. */
export function consoleLine(rec: LogRecord, c: LineContext): string {
  const text = rec.message + rec.contextText;
  const safe = CONTROL.test(text) ? escapeControl(text) : text;
  if (rec.level === "VERBOSE") return `${verbosePrefix(rec.verbose)}${safe}`;
  return `${head(rec, c)}: ${rec.file}: ${safe}`;
}

/**
 * JSON.stringify leaves C1 controls and U+2028/U+2029 raw, which some line readers take as
 * line ends; as `\uXXXX` escapes the JSON means the same.
 */
const JSON_UNSAFE = /[\x7f-\x9f\u2028\u2029]/;
const JSON_UNSAFE_ALL = /[\x7f-\x9f\u2028\u2029]/g;

/** `json` formatter: Asterisk's keys in its order, then ours (`context`). */
export function jsonLine(rec: LogRecord, c: LineContext & { readonly hostname: string }): string {
  const line = jsonText(rec, c);
  return JSON_UNSAFE.test(line) ? line.replace(JSON_UNSAFE_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`) : line;
}

function jsonText(rec: LogRecord, c: LineContext & { readonly hostname: string }): string {
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
