/**
 * The ban list: who is banned right now. Two maps, one for whole addresses and one for
 * (address, username) pairs. `isBanned(ip)` runs for every packet before parsing, so it is one
 * Map lookup and one comparison, with no allocation and no mutation; expired entries stay until
 * `prune` removes them (so each expiry is seen, logged and deleted from the store exactly once).
 */

export type BanScope = "ip" | "user";
export type BanSource = "guard" | "console";

export interface Ban {
  ip: string;
  /** Set for (address, username) bans. */
  user?: string;
  scope: BanScope;
  /** ms since the epoch. */
  createdAt: number;
  /** ms since the epoch; Infinity = permanent. */
  expiresAt: number;
  /** One human sentence, e.g. "5 failed authentications for 2001 in 60 s". */
  reason: string;
  /** Counts, usernames tried, user agent… (attacker strings already truncated). */
  evidence: Record<string, unknown>;
  /** Recidive count: 1 for a first ban, 2 for the next within recidive_window… */
  level: number;
  source: BanSource;
}

/** The key of an (address, username) ban. */
export function userBanKey(ip: string, user: string): string {
  return `${ip}|${user}`;
}

export class BanList {
  private readonly ipBans = new Map<string, Ban>();
  private readonly userBans = new Map<string, Ban>();

  /** Hot path: is the whole address banned at `now`? */
  isBanned(ip: string, now: number): boolean {
    const ban = this.ipBans.get(ip);
    return ban !== undefined && ban.expiresAt > now;
  }

  /** Is `user` banned from `ip` at `now`? Cheap when there are no user bans at all. */
  isUserBanned(ip: string, user: string, now: number): boolean {
    if (this.userBans.size === 0) return false;
    const ban = this.userBans.get(userBanKey(ip, user));
    return ban !== undefined && ban.expiresAt > now;
  }

  /** Adds or replaces a ban. */
  add(ban: Ban): void {
    if (ban.scope === "ip") this.ipBans.set(ban.ip, ban);
    else if (ban.user !== undefined) this.userBans.set(userBanKey(ban.ip, ban.user), ban);
  }

  /** Removes the address ban and every (address, username) ban of `ip`; returns them. */
  remove(ip: string): Ban[] {
    const out: Ban[] = [];
    const ipBan = this.ipBans.get(ip);
    if (ipBan) {
      out.push(ipBan);
      this.ipBans.delete(ip);
    }
    for (const [key, ban] of this.userBans) {
      if (ban.ip === ip) {
        out.push(ban);
        this.userBans.delete(key);
      }
    }
    return out;
  }

  /** The active bans of one address (whole-address ban first). */
  bansFor(ip: string, now: number): Ban[] {
    const out: Ban[] = [];
    const ipBan = this.ipBans.get(ip);
    if (ipBan && ipBan.expiresAt > now) out.push(ipBan);
    for (const ban of this.userBans.values()) if (ban.ip === ip && ban.expiresAt > now) out.push(ban);
    return out;
  }

  /** Every active ban, whole-address bans first, each group by creation time. */
  all(now: number): Ban[] {
    const active = (b: Ban) => b.expiresAt > now;
    const byTime = (a: Ban, b: Ban) => a.createdAt - b.createdAt;
    return [...[...this.ipBans.values()].filter(active).sort(byTime), ...[...this.userBans.values()].filter(active).sort(byTime)];
  }

  /** Drops expired bans and returns them. */
  prune(now: number): Ban[] {
    const gone: Ban[] = [];
    for (const map of [this.ipBans, this.userBans]) {
      for (const [key, ban] of map) {
        if (ban.expiresAt <= now) {
          gone.push(ban);
          map.delete(key);
        }
      }
    }
    return gone;
  }

  get size(): number {
    return this.ipBans.size + this.userBans.size;
  }

  clear(): void {
    this.ipBans.clear();
    this.userBans.clear();
  }
}
