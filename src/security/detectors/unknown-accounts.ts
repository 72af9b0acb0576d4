/**
 * Requests for accounts that do not exist (InvalidAccountID): the signature of extension
 * enumeration (svwar, REGISTER or INVITE per number). Two counts, because an office behind one
 * NAT address must not lose service over one phone with a wrong username:
 *
 * - per address ("unknown-accounts" at max_unknown): the number of DISTINCT unknown usernames
 *   tried within findtime. Enumeration is many names; one misconfigured phone is one name,
 *   however often it retries.
 * - per (address, username) ("unknown-account-user" at maxretry): attempts. A request with the
 *   same Call-ID as the previous one for that pair is the same attempt (the unauthenticated
 *   request and its authenticated retry after the 401 each raise InvalidAccountID), so it counts
 *   once. This is what a phone with a wrong username gets: only that username is banned.
 */
import { cleanAttackerText, spanSeconds, type FindingSink } from "./finding.js";
import { DistinctWindow, SlidingWindow } from "./sliding-window.js";

export interface UnknownAccountSettings {
  findtimeMs: number;
  maxUnknown: number;
  maxretry: number;
}

/** Most distinct unknown usernames remembered per address. */
export const MAX_NAMES = 128;

/** Most (address, username) pairs whose last Call-ID is remembered; the oldest goes first. */
const MAX_LAST_CALLS = 50_000;

export class UnknownAccountDetector {
  private readonly perUser = new SlidingWindow();
  /**
   * Usernames tried per address. At most MAX_NAMES are remembered per address, so a max_unknown
   * above that never bans (which is what such a setting asks for anyway).
   */
  private readonly users = new DistinctWindow(50_000, MAX_NAMES);
  /** ip|user → the Call-ID of its last counted attempt and when it came. */
  private readonly lastCall = new Map<string, { callId: string; at: number }>();

  constructor(
    private readonly settings: () => UnknownAccountSettings,
    private readonly emit: FindingSink,
  ) {}

  /**
   * Records one InvalidAccountID for `user` from `ip`. `callId` (the event's sessionId) joins a
   * challenge and its answer into one attempt; an empty Call-ID counts every request.
   */
  record(ip: string, user: string, now: number, userAgent: string, callId = ""): void {
    const s = this.settings();
    const name = cleanAttackerText(user);
    const ua = cleanAttackerText(userAgent);
    const tried = this.users.add(ip, name, now, s.findtimeMs);
    if (tried.length >= s.maxUnknown) {
      const seconds = spanSeconds(this.users.oldest(ip) ?? now, now);
      this.emit({
        kind: "unknown-accounts",
        ip,
        summary: `${tried.length} unknown usernames tried in ${seconds} s`,
        evidence: { usernames: tried.length, seconds, usersTried: tried, userAgent: ua },
      });
    }
    const key = `${ip}|${user}`;
    const last = this.lastCall.get(key);
    const sameAttempt = callId !== "" && last !== undefined && last.callId === callId && last.at > now - s.findtimeMs;
    if (sameAttempt) return;
    this.rememberCall(key, callId, now);
    const userCount = this.perUser.hit(key, now, s.findtimeMs, s.maxretry);
    if (userCount.count >= s.maxretry) {
      this.emit({
        kind: "unknown-account-user",
        ip,
        user,
        summary: `${userCount.count} attempts for unknown account ${name} in ${spanSeconds(userCount.first, now)} s`,
        evidence: { attempts: userCount.count, seconds: spanSeconds(userCount.first, now), usersTried: tried, userAgent: ua },
      });
    }
  }

  forget(ip: string): void {
    this.perUser.forget((k) => k.startsWith(`${ip}|`));
    this.users.forget(ip);
    for (const key of this.lastCall.keys()) if (key.startsWith(`${ip}|`)) this.lastCall.delete(key);
  }

  prune(now: number): void {
    const w = this.settings().findtimeMs;
    this.perUser.prune(now, w);
    this.users.prune(now, w);
    for (const [key, last] of this.lastCall) if (last.at <= now - w) this.lastCall.delete(key);
  }

  private rememberCall(key: string, callId: string, now: number): void {
    // Re-insert so Map order is least recently used first; a spoofed flood cannot grow it unbounded.
    this.lastCall.delete(key);
    if (this.lastCall.size >= MAX_LAST_CALLS) {
      const oldest = this.lastCall.keys().next();
      if (!oldest.done) this.lastCall.delete(oldest.value);
    }
    this.lastCall.set(key, { callId, at: now });
  }
}
