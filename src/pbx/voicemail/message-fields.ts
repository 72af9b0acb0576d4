/** The envelope of a new message: Asterisk's `[message]` fields, in its order. */
import { randomBytes } from "node:crypto";
import type { Mailbox } from "../../config/index.js";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Mon Dec  7 01:02:03 AM UTC 2026` (strftime "%a %b %e %r %Z %Y", in UTC). */
export function origDate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const hh = String(h % 12 === 0 ? 12 : h % 12).padStart(2, "0");
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${hh}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? "AM" : "PM"} UTC ${d.getUTCFullYear()}`;
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
