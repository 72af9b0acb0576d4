/**
 * What detectors report to the guard: typed findings, with no decision attached. The guard's
 * policy (guard.ts) turns a finding into a ban of an address, a ban of an (address, username)
 * pair, or nothing (whitelist, local_net, trust).
 */
export type FindingKind =
  /** maxretry failed authentications for one username from one address. */
  | "auth-failures-user"
  /** Failed authentications for max_users_per_ip distinct usernames from one address. */
  | "auth-failures-ip"
  /** max_unknown distinct usernames of accounts that do not exist, tried from one address. */
  | "unknown-accounts"
  /** maxretry attempts (one per Call-ID) for one account that does not exist, from one address. */
  | "unknown-account-user"
  /** The weighted request token bucket of an address ran dry. */
  | "request-rate"
  /** The raw packet token bucket of an address ran dry (counted before parsing). */
  | "packet-flood"
  /** A scanner's User-Agent or a scanner From/To pattern. */
  | "scanner"
  /** A decoy username that is not a real account. */
  | "decoy";

/** Findings that come from failed authentication; trust downgrades these to username bans. */
export const AUTH_FINDINGS: ReadonlySet<FindingKind> = new Set(["auth-failures-user", "auth-failures-ip", "unknown-accounts", "unknown-account-user"]);

export interface Finding {
  kind: FindingKind;
  ip: string;
  /** The username concerned, for per-username findings. */
  user?: string;
  /** One human sentence, e.g. "5 failed authentications for 2001 in 60 s". Safe to log. */
  summary: string;
  /** Counts, usernames tried, user agent (attacker strings truncated and cleaned). */
  evidence: Record<string, unknown>;
}

export type FindingSink = (f: Finding) => void;

/** Longest attacker-controlled string kept in evidence and log lines. */
export const MAX_ATTACKER_TEXT = 64;

/**
 * Makes an attacker-controlled string safe to put in a log line: control characters, quotes
 * and backslashes become `?`, and it is truncated, so it can neither end the line, fake another
 * field, nor flood the log.
 */
export function cleanAttackerText(s: string, max = MAX_ATTACKER_TEXT): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = s.replace(/[\u0000-\u001f\u007f-\u009f"'`\\]/g, "?");
  return cleaned.length > max ? cleaned.slice(0, max) + "…" : cleaned;
}

/** Seconds between two times, rounded up, at least 1 (for "… in 12 s"). */
export function spanSeconds(from: number, to: number): number {
  return Math.max(1, Math.ceil((to - from) / 1000));
}
