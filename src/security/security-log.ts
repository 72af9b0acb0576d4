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
import { BatchedWriter } from "../core/batched-writer.js";
import { asteriskTimestamp, type Logger } from "../core/logger.js";
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

/** The event-specific fields, in Asterisk's order (required IEs, then optional ones). */
function extraFields(ev: SecurityEvent): string {
  switch (ev.type) {
    case "ChallengeSent":
      return field("Challenge", ev.challenge ?? "");
    case "SuccessfulAuth":
      return `,UsingPassword="1"`;
    case "ChallengeResponseFailed":
      return field("Challenge", ev.challenge ?? "") + field("Response", ev.response ?? "") + field("ExpectedResponse", ev.expectedResponse ?? "");
    case "RequestBadFormat":
    case "RequestNotAllowed":
      return field("RequestType", ev.method);
    case "FailedACL":
      return ev.reason !== undefined ? field("ACLName", ev.reason) : "";
    case "InvalidAccountID":
      return "";
  }
}

/** One security.log line (without the newline). */
export function formatSecurityEvent(ev: SecurityEvent, pid: number = process.pid): string {
  const d = new Date(ev.time);
  // Event type, severity and the constant fields are ours, not the peer's: no cleaning needed.
  return (
    `${logTimestamp(d)} SECURITY[${pid}] res_security_log.c: SecurityEvent="${ev.type}",EventTV="${eventTv(d)}",Severity="${SEVERITY[ev.type]}"` +
    `${field("Service", ev.service)},EventVersion="1"${field("AccountID", ev.accountId)}${field("SessionID", ev.sessionId)}` +
    `${field("LocalAddress", encodeAddress(ev.local))}${field("RemoteAddress", encodeAddress(ev.remote))}${extraFields(ev)}`
  );
}

export interface SecurityLogOptions {
  /** Full path of security.log. */
  path: string;
  events: SecurityEventStream;
  /** Tests pass a sink instead of a file. */
  write?: (line: string) => void;
  /** Consulted per event, so `security_log=no` + reload stops writing without a restart. */
  enabled?: () => boolean;
  /** Told once when the file cannot be written (the events still reach the other subscribers). */
  log?: Logger;
}

/**
 * Lines are gathered for up to this long and written together (core/batched-writer.ts); fail2ban
 * polls the file about once a second.
 */
const WRITE_DELAY_MS = 100;

/** Appends every event of the stream to security.log until closed. */
export class SecurityLog {
  private readonly file: BatchedWriter | undefined;
  private readonly unsubscribe: () => void;
  private readonly write: (line: string) => void;

  constructor(opts: SecurityLogOptions) {
    const enabled = opts.enabled ?? (() => true);
    if (opts.write) this.write = opts.write;
    else {
      // An unwritable file must not crash the PBX: warn once and stop trying.
      const file = new BatchedWriter(opts.path, {
        delayMs: WRITE_DELAY_MS,
        onError: (err) => opts.log?.warn({ path: opts.path, err: err.message }, `cannot write ${opts.path} (${err.message}); security events are no longer written to it`),
      });
      this.file = file;
      this.write = (line) => file.write(line + "\n");
    }
    this.unsubscribe = opts.events.on("event", (ev) => {
      if (enabled()) this.write(formatSecurityEvent(ev));
    });
  }

  /** Stops writing; resolves once every line written so far is in the file. Safe to call twice. */
  close(): Promise<void> {
    this.unsubscribe();
    this.file?.close();
    return Promise.resolve();
  }
}
