/**
 * SIPp's -trace_msg file with the time of each message. SIPp opens every traced message with a
 * rule and its wall-clock time (`----…---- 2024-12-02 04:04:40.809420`); keeping that time lets a
 * test measure, in SIPp's own clock, how long the server took between two messages on the wire.
 */
import { parseSipMessage, type SipMessageLite } from "./sip-client.js";

export interface TimedTraceEntry {
  readonly direction: "sent" | "received";
  /** Milliseconds since the epoch, from SIPp's rule line (SIPp prints microseconds; ms kept). */
  readonly atMs: number;
  readonly message: SipMessageLite;
}

const RULE = /^-{20,} (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)\n/gm;

/** Splits a -trace_msg file into timed sent/received SIP messages, in order. */
export function parseTimedTrace(text: string): TimedTraceEntry[] {
  const out: TimedTraceEntry[] = [];
  const rules = [...text.matchAll(RULE)];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (rule?.index === undefined) continue;
    const start = rule.index + rule[0].length;
    const end = rules[i + 1]?.index ?? text.length;
    const block = text.slice(start, end);
    const m = /^\w+ message (sent|received) [^\n]*\n\n([\s\S]*)$/.exec(block);
    if (m?.[2] === undefined) continue;
    const raw = m[2].replace(/\r?\n/g, "\r\n").replace(/(\r\n)+$/, "\r\n\r\n").replace(/^(\r\n)+/, "");
    const message = parseSipMessage(raw);
    // SIPp prints local time without a zone; both stamps of a difference share it.
    const atMs = Date.parse(`${rule[1]}T${rule[2]}`);
    if (message !== undefined && Number.isFinite(atMs)) out.push({ direction: m[1] === "sent" ? "sent" : "received", atMs, message });
  }
  return out;
}

/** The CSeq number of a message (0 when unreadable). */
export function cseqNumber(m: SipMessageLite): number {
  return Number(/^\s*(\d+)/.exec(m.header("cseq") ?? "")?.[1] ?? 0);
}
