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
 * Longest syslog line in UTF-8 bytes, head included: with syslog's stamp, host and tag in front
 * the record stays within RFC 3164's 1024 bytes. logger(1) would cut a longer line into records
 * of which the later ones begin with the line's text, text that may come from the network.
 */
export const SYSLOG_MAX_LINE = 900;

/** The text of a syslog record (lines as in {@link defaultLine}, each one record, long ones cut under the same head). */
export function syslogLine(rec: LogRecord, c: LineContext): string {
  const prefix = `${ident(rec, c)}: ${rec.file}: `;
  const text = safeLines(prefix, rec.message + rec.contextText);
  if (Buffer.byteLength(text) <= SYSLOG_MAX_LINE) return text;
  return text
    .split("\n")
    .flatMap((line) => cutLine(prefix, line.slice(prefix.length)))
    .join("\n");
}

/** `prefix` + text in lines of at most SYSLOG_MAX_LINE bytes, cut between characters. */
function cutLine(prefix: string, text: string): string[] {
  const room = Math.max(SYSLOG_MAX_LINE - Buffer.byteLength(prefix), 64);
  const out: string[] = [];
  let chunk = "";
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > room) {
      out.push(prefix + chunk);
      chunk = "";
      bytes = 0;
    }
    chunk += ch;
    bytes += n;
  }
  out.push(prefix + chunk);
  return out;
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
