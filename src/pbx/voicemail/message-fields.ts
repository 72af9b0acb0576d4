/** The envelope of a new message: Asterisk's `[message]` fields, in its order. */
import { randomBytes } from "node:crypto";
import { DateFormat } from "../../core/log/date-format.js";
import type { Mailbox } from "../../config/index.js";

/** app_voicemail's origdate: strftime "%a %b %e %r %Z %Y" in the server's time zone (`Mon Dec  7 01:02:03 AM UTC 2026`). */
const ORIGDATE = new DateFormat("%a %b %e %r %Z %Y");

export function origDate(ms: number): string {
  return ORIGDATE.format(ms);
}

/** `"Name" <num>`, `<num>`, or `Unknown`, as Asterisk writes callerid=. */
export function callerIdText(c: { num: string; name: string }): string {
  if (c.num.length === 0 && c.name.length === 0) return "Unknown";
  return c.name.length > 0 ? `"${c.name}" <${c.num}>` : `<${c.num}>`;
}

export interface MessageOrigin {
  readonly context: string;
  readonly exten: string;
  readonly priority: number;
  readonly channel: string;
  readonly callerId: { num: string; name: string };
  readonly nowMs: number;
  readonly durationSec: number;
}

export function messageFields(box: Mailbox, o: MessageOrigin): Array<[string, string]> {
  const origtime = Math.floor(o.nowMs / 1000);
  return [
    ["origmailbox", box.box],
    ["context", o.context],
    ["macrocontext", ""],
    ["exten", o.exten],
    ["rdnis", "unknown"],
    ["priority", String(o.priority)],
    ["callerchan", o.channel],
    ["callerid", callerIdText(o.callerId)],
    ["origdate", origDate(o.nowMs)],
    ["origtime", String(origtime)],
    ["category", ""],
    ["msg_id", `${origtime}-${randomBytes(4).toString("hex")}`],
    ["flag", ""],
    ["duration", String(o.durationSec)],
  ];
}
