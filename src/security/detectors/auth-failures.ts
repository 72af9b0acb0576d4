/**
 * Failed authentications (ChallengeResponseFailed, including malformed credentials) counted in
 * a sliding window per (address, username) and as distinct usernames per address. Reports
 * "auth-failures-user" at maxretry failures for one username and "auth-failures-ip" once the
 * failures span max_users_per_ip usernames; what to do about them is the guard's business.
 */
import { cleanAttackerText, spanSeconds, type FindingSink } from "./finding.js";
import { DistinctWindow, SlidingWindow } from "./sliding-window.js";

export interface AuthFailureSettings {
  findtimeMs: number;
  maxretry: number;
  maxUsersPerIp: number;
}

export class AuthFailureDetector {
  private readonly perUser = new SlidingWindow();
  private readonly users = new DistinctWindow();

  constructor(
    private readonly settings: () => AuthFailureSettings,
    private readonly emit: FindingSink,
  ) {}

  /** One failed authentication of `user` (the digest username, or `<unknown>`) from `ip`. */
  record(ip: string, user: string, now: number, userAgent: string): void {
    const s = this.settings();
    const name = cleanAttackerText(user);
    const { count, first } = this.perUser.hit(`${ip}|${user}`, now, s.findtimeMs, s.maxretry);
    const tried = this.users.add(ip, name, now, s.findtimeMs);
    const ua = cleanAttackerText(userAgent);
    if (count >= s.maxretry) {
      this.emit({
        kind: "auth-failures-user",
        ip,
        user,
        summary: `${count} failed authentications for ${name} in ${spanSeconds(first, now)} s`,
        evidence: { failures: count, seconds: spanSeconds(first, now), usersTried: tried, userAgent: ua },
      });
    }
    if (tried.length >= s.maxUsersPerIp) {
      this.emit({
        kind: "auth-failures-ip",
        ip,
        summary: `failed authentications for ${tried.length} usernames within ${Math.round(s.findtimeMs / 1000)} s`,
        evidence: { usernames: tried.length, usersTried: tried, userAgent: ua },
      });
    }
  }

  /** Forgets an address (after an unban, so its next failure starts from zero). */
  forget(ip: string): void {
    this.perUser.forget((k) => k.startsWith(`${ip}|`));
    this.users.forget(ip);
  }

  prune(now: number): void {
    const w = this.settings().findtimeMs;
    this.perUser.prune(now, w);
    this.users.prune(now, w);
  }
}
