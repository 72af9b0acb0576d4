/** Shared fixtures for the guard's unit tests: a guard on an in-memory database and a fake clock. */
import { FakeClock } from "../../src/core/clock.js";
import { openDatabase, type Database } from "../../src/core/db/index.js";
import { parseNetwork, type IpNetwork } from "../../src/core/ip.js";
import { CaptureLogger, nullLogger } from "../../src/core/logger.js";
import { parseConfigText } from "../../src/config/ini/parser.js";
import { buildGuardConfig, type GuardConfig } from "../../src/config/guard/load-guard.js";
import { BanStore } from "../../src/security/ban-store.js";
import { SecurityEventStream, type SecurityEvent, type SecurityEventType } from "../../src/security/events.js";
import { Guard, type GuardRequestInfo } from "../../src/security/guard.js";
import type { NftMirror } from "../../src/security/nft-mirror.js";

export function guardConfig(text = ""): GuardConfig {
  const r = buildGuardConfig(parseConfigText(`[general]\n${text}`, "guard.conf"));
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(JSON.stringify(errors));
  return r.config;
}

export interface GuardFixture {
  guard: Guard;
  clock: FakeClock;
  log: CaptureLogger;
  events: SecurityEventStream;
  db: Database;
  store: BanStore;
  config: { current: GuardConfig };
  accounts: Set<string>;
  localNets: IpNetwork[];
}

export function makeGuard(
  opts: { conf?: string; db?: Database; clock?: FakeClock; localNets?: string[]; accounts?: string[]; nft?: NftMirror; knownSource?: (ip: string, port: number) => boolean } = {},
): GuardFixture {
  const clock = opts.clock ?? new FakeClock();
  const log = new CaptureLogger();
  const events = new SecurityEventStream();
  const db = opts.db ?? openDatabase(":memory:", nullLogger);
  const store = new BanStore(db, { log: nullLogger, batchWrites: false });
  const config = { current: guardConfig(opts.conf) };
  const accounts = new Set(opts.accounts ?? ["2001", "2002", "2003"]);
  const localNets = (opts.localNets ?? []).map((t) => parseNetwork(t) as IpNetwork);
  const guard = new Guard({
    config: () => config.current,
    store,
    clock,
    log,
    events,
    localNets: () => localNets,
    accountExists: (u) => accounts.has(u),
    ...(opts.nft ? { nft: opts.nft } : {}),
    ...(opts.knownSource ? { knownSource: opts.knownSource } : {}),
  });
  return { guard, clock, log, events, db, store, config, accounts, localNets };
}

export function securityEvent(type: SecurityEventType, ip: string, user: string | undefined, time: number, extra: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    type,
    time,
    service: "PJSIP",
    accountId: user ?? "<unknown>",
    sessionId: "call-1@198.51.100.9",
    local: { transport: "UDP", address: "192.0.2.1", port: 5060 },
    remote: { transport: "UDP", address: ip, port: 5060 },
    method: "REGISTER",
    ...(user !== undefined ? { username: user } : {}),
    userAgent: "TestPhone/1.0",
    ...extra,
  };
}

/** Publishes `n` failed authentications of `user` from `ip`, `gapMs` apart. */
export function failAuth(f: GuardFixture, ip: string, user: string, n: number, gapMs = 1000): void {
  for (let i = 0; i < n; i++) {
    f.events.publish(securityEvent("ChallengeResponseFailed", ip, user, f.clock.now()));
    f.clock.advance(gapMs);
  }
}

export function request(ip: string, extra: Partial<GuardRequestInfo> = {}): GuardRequestInfo {
  return { address: ip, port: 5060, transport: "udp", method: "REGISTER", userAgent: "TestPhone/1.0", fromUser: "2001", toUser: "2001", callId: "c1", ...extra };
}
