/**
 * The guard: Switchboard's built-in brute-force and scanner protection (issue 3). Detectors
 * (./detectors) turn security events, requests and packets into typed findings on the guard's
 * internal stream; the policy below decides what each finding costs the sender:
 *
 *   finding                                   ban
 *   maxretry failures for one username        (address, username)
 *   maxretry attempts for one unknown account (address, username)
 *   failures for max_users_per_ip usernames   address        — not if trusted
 *   max_unknown distinct unknown usernames    address        — not if trusted
 *   rate_limit / packet_rate_limit exceeded   address
 *   scanner User-Agent or From/To pattern     address
 *   decoy username                            address
 *
 * Never banned: whitelisted networks (also never rate-limited), and addresses inside a
 * transport's local_net unless ban_local_net=yes. "Trusted" means the address authenticated
 * successfully within trust_time. Ban length grows for repeat offenders:
 * bantime × bantime_factor^(level−1), capped at bantime_max, level counted within recidive_window.
 *
 * Enforcement: `allowPacket` (the transport, before parsing) drops packets of banned addresses
 * without a response; `checkRequest` (the pipeline's flood stage) drops requests quietly.
 */
import type { Clock, TimerHandle } from "../core/clock.js";
import { anyNetworkContains, canonicalIp, parseNetwork, type IpNetwork } from "../core/ip.js";
import type { Logger } from "../core/logger.js";
import { TypedEmitter } from "../core/emitter.js";
import type { GuardConfig } from "../config/guard/load-guard.js";
import { DEFAULT_SCANNER_USER_AGENTS } from "../config/guard/guard-schema.js";
import { BanList, userBanKey, type Ban, type BanSource } from "./ban-list.js";
import type { BanStore } from "./ban-store.js";
import type { SecurityEvent, SecurityEventStream } from "./events.js";
import { AuthFailureDetector } from "./detectors/auth-failures.js";
import { UnknownAccountDetector } from "./detectors/unknown-accounts.js";
import { PacketRateDetector, RequestRateDetector, parseMethodWeights } from "./detectors/request-rate.js";
import { ScannerSignatureDetector, compileSignatures, type ScannerSignatures } from "./detectors/scanner-signature.js";
import { DecoyDetector } from "./detectors/decoy.js";
import { AUTH_FINDINGS, cleanAttackerText, type Finding } from "./detectors/finding.js";
import { OffenderTable, type GuardStats } from "./guard-stats.js";
import type { NftMirror } from "./nft-mirror.js";
import { LogThrottle } from "../core/log-throttle.js";

export type { GuardStats } from "./guard-stats.js";

export interface GuardRequestInfo {
  address: string;
  port: number;
  transport: string;
  method: string;
  userAgent: string;
  fromUser?: string | undefined;
  toUser?: string | undefined;
  authUser?: string | undefined;
  callId: string;
}

export interface GuardOptions {
  config: () => GuardConfig;
  store: BanStore;
  clock: Clock;
  log: Logger;
  events: SecurityEventStream;
  /** Every transport's local_net. */
  localNets: () => IpNetwork[];
  /** Whether an endpoint or auth username of that name exists (decoys are only traps when not). */
  accountExists: (user: string) => boolean;
  nft?: NftMirror;
  /**
   * Sources identified by address (an identify section: trunks). Their From user is a caller
   * number chosen by someone else, so decoy and From/To pattern checks are skipped for them.
   */
  knownSource?: (address: string, port: number) => boolean;
}

export interface GuardEvents {
  [k: string]: unknown[];
  finding: [Finding];
  ban: [Ban];
  unban: [Ban[], string];
}

interface Compiled {
  enabled: boolean;
  whitelist: IpNetwork[];
  localNets: IpNetwork[];
  banLocalNet: boolean;
  findtimeMs: number;
  maxretry: number;
  maxUsersPerIp: number;
  maxUnknown: number;
  rate: { rate: number; burst: number };
  packet: { rate: number; burst: number };
  weights: Map<string, number>;
  signatures: ScannerSignatures;
  decoys: Set<string>;
  bantime: number;
  bantimeFactor: number;
  bantimeMax: number;
  recidiveMs: number;
  trustMs: number;
}

const PRUNE_INTERVAL_MS = 60_000;

function toNetworks(entries: ReadonlyArray<{ address: string; prefixLength: number }>): IpNetwork[] {
  const out: IpNetwork[] = [];
  for (const e of entries) {
    // A single address is spelled the way bans and sockets spell it (`::1`, `192.0.2.1` for
    // `::ffff:192.0.2.1`); networks keep their family so the prefix length stays valid.
    const single = e.prefixLength === (e.address.includes(":") ? 128 : 32);
    const ip = single ? canonicalIp(e.address) : undefined;
    const n = ip !== undefined ? parseNetwork(`${ip}/${ip.includes(":") ? 128 : 32}`) : parseNetwork(`${e.address}/${e.prefixLength}`);
    if (n) out.push(n);
  }
  return out;
}

/**
 * Addresses typed at the console or read from configuration and the database are stored in
 * the form sockets report, so the per-packet lookup (a plain Map get) finds them.
 */
function canonical(ip: string): string {
  return canonicalIp(ip) ?? ip;
}

function formatDuration(expiresAt: number, createdAt: number): string {
  return Number.isFinite(expiresAt) ? `for ${Math.round((expiresAt - createdAt) / 1000)} s` : "permanently";
}

export class Guard {
  /** The guard's internal stream: findings, bans and unbans (for AMI/cluster later). */
  readonly stream = new TypedEmitter<GuardEvents>();
  private readonly list = new BanList();
  private c: Compiled;
  private readonly log: Logger;
  private readonly auth: AuthFailureDetector;
  private readonly unknown: UnknownAccountDetector;
  private readonly requests: RequestRateDetector;
  private readonly packets: PacketRateDetector;
  private readonly scanner: ScannerSignatureDetector;
  private readonly decoy: DecoyDetector;
  private readonly trust = new Map<string, number>();
  /** ip or ip|user → times of past guard bans within recidive_window. */
  private readonly offences = new Map<string, number[]>();
  private readonly whitelistCache = new Map<string, boolean>();
  private readonly offenders = new OffenderTable();
  private readonly findingCounts: Partial<Record<Finding["kind"], number>> = {};
  private readonly notBannedThrottle: LogThrottle;
  private bansTotal = 0;
  private unbansTotal = 0;
  private packetsDropped = 0;
  private requestsDropped = 0;
  private pruneTimer: TimerHandle | undefined;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly opts: GuardOptions) {
    this.log = opts.log;
    this.c = this.compile();
    this.notBannedThrottle = new LogThrottle(opts.clock, 10, 60_000);
    const emit = (f: Finding) => this.stream.emit("finding", f);
    this.auth = new AuthFailureDetector(() => this.c, emit);
    this.unknown = new UnknownAccountDetector(() => this.c, emit);
    this.requests = new RequestRateDetector(() => this.c.rate, () => this.c.weights, (ip) => this.isWhitelisted(ip), emit);
    this.packets = new PacketRateDetector(() => this.c.packet, (ip) => this.isWhitelisted(ip), emit);
    this.scanner = new ScannerSignatureDetector(() => this.c.signatures);
    this.decoy = new DecoyDetector(() => this.c.decoys, opts.accountExists);
    this.stream.on("finding", (f) => this.decide(f));
    this.stream.onListenerError = (err) => this.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, "guard listener failed");
    this.unsubscribe = opts.events.on("event", (ev) => this.onSecurityEvent(ev));

    const now = opts.clock.now();
    for (const ban of opts.store.loadBans(now)) this.list.add({ ...ban, ip: canonical(ban.ip) });
    for (const o of opts.store.loadOffences(now - this.c.recidiveMs)) this.pushOffence(o.key, o.at);
    if (this.list.size > 0) this.log.notice({ bans: this.list.size }, `${this.list.size} bans restored from the database`);
    void opts.nft?.sync(this.list.all(now), now);
    this.schedulePrune();
  }

  // ---- hot paths -------------------------------------------------------------------------

  /** Transport hot path, before parsing: false = drop silently (banned, or a packet flood). */
  allowPacket(address: string): boolean {
    if (!this.c.enabled) return true;
    const now = this.opts.clock.now();
    if (this.list.isBanned(address, now) || !this.packets.take(address, now)) {
      this.packetsDropped++;
      return false;
    }
    return true;
  }

  /** The pipeline's flood stage: rate, scanner signatures, decoys and (address, username) bans. */
  checkRequest(info: GuardRequestInfo): "allow" | "drop" {
    if (!this.c.enabled || this.isWhitelisted(info.address)) return "allow";
    const now = this.opts.clock.now();
    const ip = info.address;
    if (this.list.isBanned(ip, now)) return this.dropped();
    const known = this.opts.knownSource?.(ip, info.port) ?? false;
    const input = known ? { ...info, ip, fromUser: undefined, toUser: undefined } : { ...info, ip };
    const hit = this.scanner.check(input) ?? this.decoy.check(input);
    if (hit) {
      this.stream.emit("finding", hit);
      return this.dropped();
    }
    if (!this.requests.take(ip, info.method, now)) return this.dropped();
    for (const user of [info.authUser, info.fromUser]) {
      if (user !== undefined && this.list.isUserBanned(ip, user, now)) return this.dropped();
    }
    return "allow";
  }

  // ---- operations ------------------------------------------------------------------------

  /**
   * Bans `ip` (or, with `opts.user`, only that username from `ip`) for `seconds`;
   * undefined = permanent. Replaces an existing ban of the same scope. Logs one NOTICE line.
   */
  ban(address: string, seconds: number | undefined, reason: string, opts: { user?: string; evidence?: Record<string, unknown>; source?: BanSource; level?: number } = {}): Ban {
    const ip = canonical(address);
    const now = this.opts.clock.now();
    const ban: Ban = {
      ip,
      scope: opts.user !== undefined ? "user" : "ip",
      createdAt: now,
      expiresAt: seconds === undefined ? Infinity : now + seconds * 1000,
      reason,
      evidence: opts.evidence ?? {},
      level: opts.level ?? 1,
      source: opts.source ?? "guard",
    };
    if (opts.user !== undefined) ban.user = opts.user;
    this.list.add(ban);
    this.opts.store.saveBan(ban);
    this.opts.nft?.add(ban, now);
    this.bansTotal++;
    const who = ban.user !== undefined ? `, username ${cleanAttackerText(ban.user)} only` : "";
    this.log.notice(
      // Not `level`: that key is the log record's own severity.
      { ip, scope: ban.scope, banLevel: ban.level, seconds: seconds ?? "permanent", source: ban.source, sip: { user: ban.user, evidence: ban.evidence } },
      `Banned ${ip} ${formatDuration(ban.expiresAt, now)} (level ${ban.level}${who}): ${reason}${evidenceText(ban.evidence)}`,
    );
    this.stream.emit("ban", ban);
    return ban;
  }

  /** Removes the address ban and every (address, username) ban of `ip`; returns how many. */
  unban(address: string, why: string = "console"): number {
    const ip = canonical(address);
    const removed = this.list.remove(ip);
    this.auth.forget(ip);
    this.unknown.forget(ip);
    this.requests.forget(ip);
    this.packets.forget(ip);
    if (removed.length === 0) return 0;
    this.opts.store.removeBans(ip);
    this.opts.nft?.remove(ip);
    this.unbansTotal++;
    this.log.notice({ ip, bans: removed.length, reason: why }, `Unbanned ${ip} (${why})`);
    this.stream.emit("unban", removed, why);
    return removed.length;
  }

  /** Every active ban, address bans first. */
  bans(): Ban[] {
    return this.list.all(this.opts.clock.now());
  }

  bansFor(ip: string): Ban[] {
    return this.list.bansFor(canonical(ip), this.opts.clock.now());
  }

  isBanned(ip: string): boolean {
    return this.list.isBanned(canonical(ip), this.opts.clock.now());
  }

  /** A ban of (address, username) holds: brute force against that account from that address. */
  isUserBanned(ip: string, user: string): boolean {
    return this.list.isUserBanned(canonical(ip), user, this.opts.clock.now());
  }

  isWhitelisted(ip: string): boolean {
    let v = this.whitelistCache.get(ip);
    if (v === undefined) {
      v = anyNetworkContains(this.c.whitelist, ip);
      if (this.whitelistCache.size >= 100_000) this.whitelistCache.clear();
      this.whitelistCache.set(ip, v);
    }
    return v;
  }

  isLocal(ip: string): boolean {
    return anyNetworkContains(this.c.localNets, ip);
  }

  /** Authenticated successfully within trust_time. */
  isTrusted(ip: string): boolean {
    const until = this.trust.get(ip);
    return until !== undefined && until > this.opts.clock.now();
  }

  /** Trusted addresses with their remaining trust (ms). */
  trusted(): Array<{ ip: string; remainingMs: number }> {
    const now = this.opts.clock.now();
    return [...this.trust].filter(([, until]) => until > now).map(([ip, until]) => ({ ip, remainingMs: until - now }));
  }

  /** The settings in force (whitelist, local_net …) for the console. */
  get settings(): Readonly<Compiled> {
    return this.c;
  }

  stats(): GuardStats {
    const now = this.opts.clock.now();
    const active = this.list.all(now);
    return {
      events: Object.fromEntries(this.opts.events.counts),
      findings: { ...this.findingCounts },
      bansActive: active.length,
      bansActiveIp: active.filter((b) => b.scope === "ip").length,
      bansActiveUser: active.filter((b) => b.scope === "user").length,
      bansTotal: this.bansTotal,
      unbansTotal: this.unbansTotal,
      packetsDropped: this.packetsDropped,
      requestsDropped: this.requestsDropped,
      topOffenders: this.offenders.top(10),
    };
  }

  /** Re-reads the configuration (`core reload`). Bans of newly whitelisted addresses are lifted. */
  reload(): void {
    this.c = this.compile();
    this.whitelistCache.clear();
    this.requests.clear();
    this.packets.clear();
    for (const ban of this.bans()) {
      if (this.isWhitelisted(ban.ip)) this.unban(ban.ip, "whitelisted");
    }
    const now = this.opts.clock.now();
    void this.opts.nft?.sync(this.list.all(now), now);
  }

  /** Stops timers and listeners, flushes the store, removes the nftables table. Safe twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pruneTimer?.cancel();
    this.unsubscribe();
    this.stream.removeAll();
    this.opts.store.close();
    await this.opts.nft?.close();
  }

  /** Removes expired bans (logging each), old offences, idle detector state. */
  prune(): void {
    const now = this.opts.clock.now();
    for (const ban of this.list.prune(now)) {
      this.opts.store.deleteBan(ban);
      this.log.notice({ ip: ban.ip, scope: ban.scope, sip: { user: ban.user } }, `Unbanned ${ban.ip}${ban.user !== undefined ? ` for username ${cleanAttackerText(ban.user)}` : ""} (expired)`);
    }
    this.opts.store.prune(now - this.c.recidiveMs, now);
    for (const [key, times] of this.offences) {
      const kept = times.filter((t) => t >= now - this.c.recidiveMs);
      if (kept.length) this.offences.set(key, kept);
      else this.offences.delete(key);
    }
    for (const [ip, until] of this.trust) if (until <= now) this.trust.delete(ip);
    this.auth.prune(now);
    this.unknown.prune(now);
    this.requests.prune(now);
    this.packets.prune(now);
  }

  // ---- policy ----------------------------------------------------------------------------

  private decide(f: Finding): void {
    if (!this.c.enabled) return;
    const now = this.opts.clock.now();
    this.findingCounts[f.kind] = (this.findingCounts[f.kind] ?? 0) + 1;
    this.offenders.note(f.ip, f.user !== undefined ? cleanAttackerText(f.user) : undefined, now);
    if (this.isWhitelisted(f.ip)) return;
    if (!this.c.banLocalNet && this.isLocal(f.ip)) {
      this.notBanned(f, "it is inside a transport's local_net (set ban_local_net=yes to ban it)");
      return;
    }
    const userScope = (f.kind === "auth-failures-user" || f.kind === "unknown-account-user") && f.user !== undefined;
    if (!userScope && AUTH_FINDINGS.has(f.kind) && this.isTrusted(f.ip)) {
      this.notBanned(f, "it authenticated successfully within trust_time; only usernames failing from it are banned");
      return;
    }
    if (this.list.isBanned(f.ip, now)) return;
    const user = userScope ? f.user : undefined;
    if (user !== undefined && this.list.isUserBanned(f.ip, user, now)) return;
    const key = user !== undefined ? userBanKey(f.ip, user) : f.ip;
    const level = this.offenceCount(key, now) + 1;
    const seconds = Math.min(this.c.bantimeMax, Math.round(this.c.bantime * Math.pow(this.c.bantimeFactor, level - 1)));
    this.pushOffence(key, now);
    this.opts.store.recordOffence(key, now, f.kind);
    this.ban(f.ip, seconds, f.summary, { ...(user !== undefined ? { user } : {}), evidence: { finding: f.kind, ...f.evidence }, source: "guard", level });
  }

  private notBanned(f: Finding, why: string): void {
    if (this.notBannedThrottle.allow()) this.log.info({ ip: f.ip, finding: f.kind }, `Not banning ${f.ip} for ${f.summary}: ${why}`);
  }

  private onSecurityEvent(ev: SecurityEvent): void {
    if (!this.c.enabled) return;
    const ip = ev.remote.address;
    const user = ev.username ?? ev.accountId;
    const now = this.opts.clock.now();
    switch (ev.type) {
      case "SuccessfulAuth":
        if (this.c.trustMs > 0) this.trust.set(ip, now + this.c.trustMs);
        return;
      case "ChallengeResponseFailed":
      case "InvalidPassword":
        // The artificial endpoint's failure repeats the request's InvalidAccountID: count that one.
        if (ev.artificial === true) return;
        this.offenders.note(ip, cleanAttackerText(user), now);
        this.auth.record(ip, user, now, ev.userAgent ?? "");
        return;
      case "InvalidAccountID":
        this.offenders.note(ip, cleanAttackerText(user), now);
        this.unknown.record(ip, user, now, ev.userAgent ?? "", ev.sessionId);
        return;
      case "FailedACL":
      case "RequestBadFormat":
      case "RequestNotAllowed":
        this.offenders.note(ip, undefined, now);
        return;
      default:
        return;
    }
  }

  private dropped(): "drop" {
    this.requestsDropped++;
    return "drop";
  }

  private offenceCount(key: string, now: number): number {
    const times = this.offences.get(key);
    if (!times) return 0;
    const from = now - this.c.recidiveMs;
    let n = 0;
    for (const t of times) if (t >= from) n++;
    return n;
  }

  private pushOffence(key: string, at: number): void {
    const times = this.offences.get(key) ?? [];
    times.push(at);
    // The level only needs recent history; 32 past bans already reach any sane bantime_max.
    if (times.length > 32) times.shift();
    this.offences.set(key, times);
  }

  private schedulePrune(): void {
    if (this.closed) return;
    this.pruneTimer = this.opts.clock.setTimeout(() => {
      try {
        this.prune();
      } catch (err) {
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, "guard prune failed");
      }
      this.schedulePrune();
    }, PRUNE_INTERVAL_MS);
  }

  private compile(): Compiled {
    const g = this.opts.config();
    return {
      enabled: g.enabled,
      whitelist: toNetworks(g.whitelist),
      localNets: this.opts.localNets(),
      banLocalNet: g.banLocalNet,
      findtimeMs: g.findtime * 1000,
      maxretry: g.maxretry,
      maxUsersPerIp: g.maxUsersPerIp,
      maxUnknown: g.maxUnknown,
      rate: { rate: g.rateLimit, burst: g.rateBurst },
      packet: { rate: g.packetRateLimit, burst: g.packetBurst },
      weights: parseMethodWeights(g.methodWeights),
      signatures: compileSignatures([...(g.scannerBuiltin ? DEFAULT_SCANNER_USER_AGENTS : []), ...g.scannerUserAgents], g.scannerUriPatterns),
      decoys: new Set(g.decoys.map((d) => d.toLowerCase())),
      bantime: g.bantime,
      bantimeFactor: g.bantimeFactor,
      bantimeMax: g.bantimeMax,
      recidiveMs: g.recidiveWindow * 1000,
      trustMs: g.trustTime * 1000,
    };
  }
}

/** ` (users tried: 2001, 2002; user agent: 'friendly-scanner')` from cleaned evidence. */
function evidenceText(e: Record<string, unknown>): string {
  const parts: string[] = [];
  if (Array.isArray(e.usersTried) && e.usersTried.length > 0) parts.push(`users tried: ${e.usersTried.slice(0, 10).join(", ")}`);
  if (typeof e.userAgent === "string" && e.userAgent !== "") parts.push(`user agent: '${e.userAgent}'`);
  return parts.length ? ` (${parts.join("; ")})` : "";
}
