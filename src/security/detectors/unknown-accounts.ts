/**
 * Requests for accounts that do not exist (InvalidAccountID): the signature of extension
 * enumeration (svwar, REGISTER or INVITE per number). Counted per address ("unknown-accounts"
 * at max_unknown) and per (address, username) ("unknown-account-user" at maxretry, which is what
 * a trusted address gets banned for: a phone in the office with a wrong username).
 */
import { cleanAttackerText, spanSeconds, type FindingSink } from "./finding.js";
import { DistinctWindow, SlidingWindow } from "./sliding-window.js";

export interface UnknownAccountSettings {
  findtimeMs: number;
  maxUnknown: number;
  maxretry: number;
}

export class UnknownAccountDetector {
  private readonly perIp = new SlidingWindow();
  private readonly perUser = new SlidingWindow();
  private readonly users = new DistinctWindow();

  constructor(
    private readonly settings: () => UnknownAccountSettings,
    private readonly emit: FindingSink,
  ) {}

  record(ip: string, user: string, now: number, userAgent: string): void {
    const s = this.settings();
    const name = cleanAttackerText(user);
    const ua = cleanAttackerText(userAgent);
    const tried = this.users.add(ip, name, now, s.findtimeMs);
    const ipCount = this.perIp.hit(ip, now, s.findtimeMs, s.maxUnknown);
    if (ipCount.count >= s.maxUnknown) {
      this.emit({
        kind: "unknown-accounts",
        ip,
        summary: `${ipCount.count} requests for unknown accounts in ${spanSeconds(ipCount.first, now)} s`,
        evidence: { requests: ipCount.count, seconds: spanSeconds(ipCount.first, now), usersTried: tried, userAgent: ua },
      });
    }
    const userCount = this.perUser.hit(`${ip}|${user}`, now, s.findtimeMs, s.maxretry);
    if (userCount.count >= s.maxretry) {
      this.emit({
        kind: "unknown-account-user",
        ip,
        user,
        summary: `${userCount.count} requests for unknown account ${name} in ${spanSeconds(userCount.first, now)} s`,
        evidence: { requests: userCount.count, seconds: spanSeconds(userCount.first, now), usersTried: tried, userAgent: ua },
      });
    }
  }

  forget(ip: string): void {
    this.perIp.forget((k) => k === ip);
    this.perUser.forget((k) => k.startsWith(`${ip}|`));
    this.users.forget(ip);
  }

  prune(now: number): void {
    const w = this.settings().findtimeMs;
    this.perIp.prune(now, w);
    this.perUser.prune(now, w);
    this.users.prune(now, w);
  }
}
