/**
 * security.log: every security event as one line in the layout of Asterisk's res_security_log
 * (reference §3.2), so the stock fail2ban `asterisk` filter, SIEM parsers and scripts written
 * for Asterisk read it unchanged:
 *
 *   [Dec  1 23:02:48] SECURITY[11633] res_security_log.c: SecurityEvent="ChallengeResponseFailed",
 *   EventTV="2026-12-01T23:02:48.214+0000",Severity="Error",Service="PJSIP",EventVersion="1",
 *   AccountID="2001",SessionID="…",LocalAddress="IPV4/UDP/127.0.0.1/25170",
 *   RemoteAddress="IPV4/UDP/127.0.0.7/25171",Challenge="<nonce>",Response="<hash>",ExpectedResponse=""
 *
 * (one line; Asterisk 22.10.1's bytes, recorded in test/fixtures/asterisk/logs-security.txt). The
 * stamp is logger.conf's default `dateformat` (`%b %e %T`), the same as messages.log's; Info
 * events say `Severity="Informational"`. Values come from the network, so `"`, `\` and control
 * characters are removed and values are truncated: a crafted username can neither end the line
 * nor forge a RemoteAddress.
 */
import { isIPv6 } from "node:net";
import { ASTERISK_SOURCE, asteriskTimestamp, type Logger } from "../core/logger.js";
import type { SecurityAddress, SecurityEvent, SecurityEventStream, SecurityEventType } from "./events.js";

/** The severity names Asterisk writes (`Informational` for the informational events, not `Info`). */
const SEVERITY: Record<SecurityEventType, "Error" | "Informational"> = {
  ChallengeSent: "Informational",
  SuccessfulAuth: "Informational",
  ChallengeResponseFailed: "Error",
  InvalidAccountID: "Error",
  RequestBadFormat: "Error",
  RequestNotAllowed: "Error",
  FailedACL: "Error",
  InvalidPassword: "Error",
};

const MAX_VALUE = 256;

/** Removes what could break the `Key="value"` syntax or the line, and truncates. */
export function cleanValue(v: string): string {
  // Nearly every value is clean: testing first saves building a copy (two events per REGISTER).
  const s = UNSAFE.test(v) ? v.replace(UNSAFE_ALL, "") : v;
  return s.length > MAX_VALUE ? s.slice(0, MAX_VALUE) : s;
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f"\\]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f"\\]/g;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * Both timestamps change once a second but are written for every event (two per REGISTER under
 * load), so the per-second parts are computed once and reused.
 */
let cachedSecond = Number.NaN;
let cachedStamp = "";
let cachedTvHead = "";
let cachedTvZone = "";

function refresh(d: Date): void {
  const second = Math.floor(d.getTime() / 1000);
  if (second === cachedSecond) return;
  cachedSecond = second;
  cachedStamp = asteriskTimestamp(d);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  cachedTvHead = `${date}T${time}`;
  const off = -d.getTimezoneOffset();
  const abs = Math.abs(off);
  cachedTvZone = `${off >= 0 ? "+" : "-"}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** `[Dec  1 23:02:48]` in local time: logger.conf's default dateformat, as Asterisk stamps security.log. */
export function logTimestamp(d: Date): string {
  refresh(d);
  return cachedStamp;
}

/** `2026-11-26T08:00:01.123+0100`: local time with its UTC offset, as Asterisk's EventTV. */
export function eventTv(d: Date): string {
  refresh(d);
  return `${cachedTvHead}.${pad(d.getMilliseconds(), 3)}${cachedTvZone}`;
}

/** `IPV4/UDP/10.253.0.1/5060`; IPv4-mapped IPv6 addresses are written as IPv4. */
export function encodeAddress(a: SecurityAddress): string {
  let address = a.address.startsWith("[") && a.address.endsWith("]") ? a.address.slice(1, -1) : a.address;
  let family = "IPV4";
  if (address.includes(":")) {
    if (MAPPED_V4.test(address)) address = address.slice(address.lastIndexOf(":") + 1);
    else if (isIPv6(address)) family = "IPV6";
  }
  return `${family}/${cleanValue(a.transport.toUpperCase())}/${cleanValue(address)}/${a.port}`;
}

const MAPPED_V4 = /^::ffff:\d+\.\d+\.\d+\.\d+$/i;

const field = (name: string, value: string): string => `,${name}="${cleanValue(value)}"`;

/**
 * The event's fields in Asterisk's order (required IEs, then optional ones), values raw: the
 * security log quotes and cleans them, AMI writes them as header values (class security).
 */
export function securityEventFields(ev: SecurityEvent): Array<[string, string]> {
  const d = new Date(ev.time);
  const out: Array<[string, string]> = [
    ["EventTV", eventTv(d)],
    ["Severity", SEVERITY[ev.type]],
    ["Service", ev.service],
    ["EventVersion", "1"],
    ["AccountID", ev.accountId],
    ["SessionID", ev.sessionId],
    ["LocalAddress", encodeAddress(ev.local)],
    ["RemoteAddress", encodeAddress(ev.remote)],
  ];
  switch (ev.type) {
    case "ChallengeSent":
      out.push(["Challenge", ev.challenge ?? ""]);
      break;
    case "SuccessfulAuth":
      out.push(["UsingPassword", "1"]);
      break;
    case "ChallengeResponseFailed":
      out.push(["Challenge", ev.challenge ?? ""], ["Response", ev.response ?? ""], ["ExpectedResponse", ev.expectedResponse ?? ""]);
      break;
    case "RequestBadFormat":
    case "RequestNotAllowed":
      out.push(["RequestType", ev.method]);
      break;
    case "FailedACL":
      if (ev.reason !== undefined) out.push(["ACLName", ev.reason]);
      break;
    case "InvalidPassword":
      if (ev.challenge !== undefined) out.push(["Challenge", ev.challenge]);
      break;
    case "InvalidAccountID":
      break;
  }
  return out;
}

/** The text after `res_security_log.c: `: `SecurityEvent="…",EventTV="…",…`. */
export function securityEventText(ev: SecurityEvent): string {
  // Event type, severity and the constant fields are ours, not the peer's: no cleaning needed.
  return `SecurityEvent="${ev.type}"` + securityEventFields(ev).map(([k, v]) => field(k, v)).join("");
}

/** One security.log line (without the newline) with the default dateformat, as the logger writes it. */
export function formatSecurityEvent(ev: SecurityEvent, pid: number = process.pid): string {
  return `${logTimestamp(new Date(ev.time))} SECURITY[${pid}] ${SECURITY_SOURCE}: ${securityEventText(ev)}`;
}

/** Asterisk's module that writes these lines; it stands where Asterisk's lines name their source file. */
export const SECURITY_SOURCE = "res_security_log.c";

export interface SecurityLogOptions {
  events: SecurityEventStream;
  /** The logger: SECURITY lines reach every logger.conf channel with the `security` level. */
  log: Logger;
}

/**
 * Writes every event of the stream as a SECURITY line until closed, as res_security_log does:
 * security.log is the logger.conf channel `security.log => security` (which guard.conf's
 * `security_log=yes` adds when logger.conf has none). A line no channel takes is never built.
 */
export class SecurityLog {
  private readonly unsubscribe: () => void;

  constructor(opts: SecurityLogOptions) {
    const log = opts.log.child({ [ASTERISK_SOURCE]: SECURITY_SOURCE });
    this.unsubscribe = opts.events.on("event", (ev) => {
      if (log.wants("security")) log.security({}, securityEventText(ev));
    });
  }

  /** Stops writing. Safe to call twice. */
  close(): void {
    this.unsubscribe();
  }
}
