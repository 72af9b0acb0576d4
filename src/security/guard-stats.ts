/**
 * Counters for `security show stats`: findings by kind, bans, drops, and the addresses that
 * caused the most security events (bounded: a distributed scan cannot grow it without limit).
 */
import type { FindingKind } from "./detectors/finding.js";

export interface Offender {
  ip: string;
  /** Error security events and findings attributed to the address. */
  events: number;
  /** Distinct usernames tried (cleaned, at most 10 kept). */
  users: string[];
  lastSeen: number;
}

export interface GuardStats {
  /** Security events by type since start (ChallengeSent, SuccessfulAuth, …). */
  events: Record<string, number>;
  /** Findings by detector kind since start. */
  findings: Partial<Record<FindingKind, number>>;
  bansActive: number;
  bansActiveIp: number;
  bansActiveUser: number;
  /** Bans made since start (guard and console). */
  bansTotal: number;
  unbansTotal: number;
  /** Packets dropped in the transport (banned or over packet_rate_limit). */
  packetsDropped: number;
  /** Requests dropped by the flood stage (scanner, decoy, rate, username bans). */
  requestsDropped: number;
  topOffenders: Offender[];
}

const MAX_OFFENDERS = 10_000;
const MAX_USERS = 10;

export class OffenderTable {
  private readonly table = new Map<string, Offender>();

  note(ip: string, user: string | undefined, now: number): void {
    let o = this.table.get(ip);
    if (o === undefined) {
      if (this.table.size >= MAX_OFFENDERS) {
        const oldest = this.table.keys().next();
        if (!oldest.done) this.table.delete(oldest.value);
      }
      o = { ip, events: 0, users: [], lastSeen: now };
    } else this.table.delete(ip);
    this.table.set(ip, o);
    o.events++;
    o.lastSeen = now;
    if (user !== undefined && user !== "" && !o.users.includes(user) && o.users.length < MAX_USERS) o.users.push(user);
  }

  top(n: number): Offender[] {
    return [...this.table.values()].sort((a, b) => b.events - a.events || b.lastSeen - a.lastSeen).slice(0, n).map((o) => ({ ...o, users: [...o.users] }));
  }
}
