import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../src/core/clock.js";
import { openDatabase } from "../../src/core/db/index.js";
import { nullLogger } from "../../src/core/logger.js";
import { failAuth, guardConfig, makeGuard, request, securityEvent, type GuardFixture } from "./helpers.js";

const ATTACKER = "198.51.100.9";
const OTHER = "203.0.113.7";

test("guard: maxretry failures for one username ban only that (address, username)", () => {
  const f = makeGuard();
  failAuth(f, ATTACKER, "2001", 5);
  const bans = f.guard.bansFor(ATTACKER);
  assert.equal(bans.length, 1);
  assert.equal(bans[0]?.scope, "user");
  assert.equal(bans[0]?.user, "2001");
  assert.equal(f.guard.allowPacket(ATTACKER), true, "the address itself is not banned");
  assert.equal(f.guard.checkRequest(request(ATTACKER, { authUser: "2001" })), "drop");
  assert.equal(f.guard.checkRequest(request(ATTACKER, { fromUser: "2002", toUser: "2002" })), "allow");
  const line = f.log.find("Banned 198.51.100.9");
  assert.ok(line);
  assert.equal(line.level, "notice");
  assert.match(line.msg, /^Banned 198\.51\.100\.9 for 3600 s \(level 1, username 2001 only\): 5 failed authentications for 2001 in \d+ s \(users tried: 2001; user agent: 'TestPhone\/1\.0'\)$/);
});

test("guard: four failures for one username ban nothing", () => {
  const f = makeGuard();
  failAuth(f, ATTACKER, "2001", 4);
  assert.deepEqual(f.guard.bans(), []);
});

test("guard: failures spread over max_users_per_ip usernames ban the whole address", () => {
  const f = makeGuard();
  failAuth(f, ATTACKER, "2001", 1);
  failAuth(f, ATTACKER, "2002", 1);
  assert.equal(f.guard.allowPacket(ATTACKER), true);
  failAuth(f, ATTACKER, "2003", 1);
  assert.equal(f.guard.allowPacket(ATTACKER), false);
  assert.equal(f.guard.bansFor(ATTACKER)[0]?.scope, "ip");
  assert.equal(f.guard.allowPacket(OTHER), true, "other addresses are unaffected");
});

test("guard: failures older than findtime are forgotten", () => {
  const f = makeGuard({ conf: "findtime=60" });
  failAuth(f, ATTACKER, "2001", 4, 1000);
  f.clock.advance(61_000);
  failAuth(f, ATTACKER, "2001", 1);
  assert.deepEqual(f.guard.bans(), []);
});

/** One attempt of an unknown account: the unchallenged request and its answer, one Call-ID. */
function unknownAttempt(f: GuardFixture, ip: string, user: string, callId: string): void {
  for (let i = 0; i < 2; i++) f.events.publish(securityEvent("InvalidAccountID", ip, user, f.clock.now(), { sessionId: callId }));
  f.clock.advance(1000);
}

test("guard: max_unknown distinct unknown usernames from one address ban the address", () => {
  const f = makeGuard();
  for (const user of ["100", "101", "102", "103"]) unknownAttempt(f, ATTACKER, user, `enum-${user}`);
  assert.equal(f.guard.allowPacket(ATTACKER), true);
  unknownAttempt(f, ATTACKER, "104", "enum-104");
  assert.equal(f.guard.allowPacket(ATTACKER), false);
  assert.equal(f.guard.bansFor(ATTACKER)[0]?.scope, "ip");
  assert.match(f.guard.bansFor(ATTACKER)[0]?.reason ?? "", /^5 unknown usernames tried in \d+ s$/);
});

test("guard: one wrong username repeated from an untrusted address (office NAT) does not ban the address", () => {
  const f = makeGuard();
  for (let i = 0; i < 4; i++) unknownAttempt(f, ATTACKER, "6010", `phone-${i}`);
  assert.equal(f.guard.allowPacket(ATTACKER), true);
  assert.deepEqual(f.guard.bans(), [], "four attempts (eight requests) stay below maxretry");
});

test("guard: maxretry attempts (challenge and answer, own Call-ID each) for one unknown username ban only that (address, username)", () => {
  const f = makeGuard();
  for (let i = 0; i < 4; i++) unknownAttempt(f, ATTACKER, "6010", `phone-${i}`);
  assert.deepEqual(f.guard.bans(), []);
  unknownAttempt(f, ATTACKER, "6010", "phone-4");
  assert.deepEqual(f.guard.bans().map((b) => [b.ip, b.scope, b.user]), [[ATTACKER, "user", "6010"]]);
  assert.equal(f.guard.allowPacket(ATTACKER), true, "colleagues behind the same address keep working");
  assert.equal(f.guard.checkRequest(request(ATTACKER, { fromUser: "6010", toUser: "6010" })), "drop");
  assert.equal(f.guard.checkRequest(request(ATTACKER, { fromUser: "2002", toUser: "2002" })), "allow");
});

test("guard: a trusted address (successful auth within trust_time) is banned per username only for auth failures", () => {
  const f = makeGuard();
  f.events.publish(securityEvent("SuccessfulAuth", ATTACKER, "2003", f.clock.now()));
  assert.equal(f.guard.isTrusted(ATTACKER), true);
  failAuth(f, ATTACKER, "2001", 1);
  failAuth(f, ATTACKER, "2002", 1);
  for (const u of ["9001", "9002", "9003", "9004", "9005", "9006"]) f.events.publish(securityEvent("InvalidAccountID", ATTACKER, u, f.clock.now(), { sessionId: `c-${u}` }));
  assert.equal(f.guard.allowPacket(ATTACKER), true, "no address ban for a trusted office");
  failAuth(f, ATTACKER, "2001", 4);
  assert.deepEqual(f.guard.bans().map((b) => [b.scope, b.user]), [["user", "2001"]]);
  assert.equal(f.guard.checkRequest(request(ATTACKER, { userAgent: "friendly-scanner" })), "drop", "scanners are banned even from trusted addresses");
  assert.equal(f.guard.allowPacket(ATTACKER), false);
});

test("guard: trust ends after trust_time", () => {
  const f = makeGuard({ conf: "trust_time=60" });
  f.events.publish(securityEvent("SuccessfulAuth", ATTACKER, "2003", f.clock.now()));
  f.clock.advance(61_000);
  assert.equal(f.guard.isTrusted(ATTACKER), false);
  for (const u of ["2001", "2002", "2003"]) failAuth(f, ATTACKER, u, 1);
  assert.equal(f.guard.allowPacket(ATTACKER), false);
});

test("guard: whitelisted networks are never banned and never rate-limited", () => {
  const f = makeGuard({ conf: "whitelist=198.51.100.0/24\npacket_rate_limit=10\npacket_burst=10" });
  for (const u of ["2001", "2002", "2003"]) failAuth(f, ATTACKER, u, 6);
  assert.equal(f.guard.checkRequest(request(ATTACKER, { userAgent: "sipvicious" })), "allow");
  for (let i = 0; i < 1000; i++) assert.equal(f.guard.allowPacket(ATTACKER), true);
  assert.deepEqual(f.guard.bans(), []);
  assert.equal(f.guard.isWhitelisted(ATTACKER), true);
  assert.equal(f.guard.isWhitelisted(OTHER), false);
});

test("guard: local_net addresses are not banned unless ban_local_net=yes", () => {
  const local = makeGuard({ localNets: ["192.168.0.0/16"] });
  local.guard.checkRequest(request("192.168.1.20", { userAgent: "friendly-scanner" }));
  assert.deepEqual(local.guard.bans(), []);
  assert.ok(local.log.find("Not banning 192.168.1.20"));
  const strict = makeGuard({ localNets: ["192.168.0.0/16"], conf: "ban_local_net=yes" });
  strict.guard.checkRequest(request("192.168.1.20", { userAgent: "friendly-scanner" }));
  assert.equal(strict.guard.allowPacket("192.168.1.20"), false);
});

test("guard: repeat offenders get bantime × bantime_factor^(level−1), capped at bantime_max", () => {
  const f = makeGuard({ conf: "bantime=100\nbantime_factor=4\nbantime_max=1000" });
  const durations: number[] = [];
  for (let i = 0; i < 3; i++) {
    f.guard.checkRequest(request(ATTACKER, { userAgent: "friendly-scanner" }));
    const ban = f.guard.bansFor(ATTACKER)[0];
    assert.ok(ban);
    durations.push((ban.expiresAt - ban.createdAt) / 1000);
    assert.equal(ban.level, i + 1);
    f.clock.advance(ban.expiresAt - ban.createdAt + 1);
    f.guard.prune();
  }
  assert.deepEqual(durations, [100, 400, 1000]);
});

test("guard: offences older than recidive_window no longer escalate", () => {
  const f = makeGuard({ conf: "bantime=100\nrecidive_window=1000" });
  f.guard.checkRequest(request(ATTACKER, { userAgent: "friendly-scanner" }));
  f.clock.advance(2_000_000);
  f.guard.prune();
  f.guard.checkRequest(request(ATTACKER, { userAgent: "friendly-scanner" }));
  assert.equal(f.guard.bansFor(ATTACKER)[0]?.level, 1);
});

test("guard: a packet flood bans the address in the transport path", () => {
  const f = makeGuard({ conf: "packet_rate_limit=100\npacket_burst=50" });
  let allowed = 0;
  for (let i = 0; i < 200; i++) if (f.guard.allowPacket(ATTACKER)) allowed++;
  assert.equal(allowed, 50);
  assert.equal(f.guard.bansFor(ATTACKER)[0]?.evidence.finding, "packet-flood");
  assert.equal(f.guard.stats().packetsDropped, 150);
  assert.equal(f.guard.allowPacket(OTHER), true);
});

test("guard: a request flood (weighted) bans the address; method_weights change the cost", () => {
  const f = makeGuard({ conf: "rate_limit=10\nrate_burst=20\nmethod_weights=INVITE:5" });
  let allowed = 0;
  for (let i = 0; i < 10; i++) if (f.guard.checkRequest(request(ATTACKER, { method: "INVITE", fromUser: "2001" })) === "allow") allowed++;
  assert.equal(allowed, 4, "20 tokens / 5 per INVITE");
  assert.equal(f.guard.isBanned(ATTACKER), true);
  assert.equal(f.guard.bansFor(ATTACKER)[0]?.evidence.finding, "request-rate");
});

test("guard: requests at a sustained rate below rate_limit are never dropped", () => {
  const f = makeGuard({ conf: "rate_limit=10\nrate_burst=10" });
  for (let i = 0; i < 500; i++) {
    assert.equal(f.guard.checkRequest(request(ATTACKER)), "allow");
    f.clock.advance(120);
  }
  assert.deepEqual(f.guard.bans(), []);
});

test("guard: scanner User-Agent and From/To patterns ban on first sight", () => {
  const f = makeGuard({ conf: "scanner_uri_patterns=^scan-" });
  assert.equal(f.guard.checkRequest(request(ATTACKER, { userAgent: "Friendly-Scanner 1.0" })), "drop");
  assert.equal(f.guard.bansFor(ATTACKER)[0]?.evidence.finding, "scanner");
  assert.equal(f.guard.checkRequest(request(OTHER, { fromUser: "scan-77" })), "drop");
  assert.equal(f.guard.isBanned(OTHER), true);
});

test("guard: a decoy that is not an account bans at once; a decoy that exists is ignored", () => {
  const f = makeGuard({ accounts: ["2001", "1000"] });
  assert.equal(f.guard.checkRequest(request(ATTACKER, { fromUser: "admin", toUser: "admin" })), "drop");
  assert.equal(f.guard.isBanned(ATTACKER), true);
  assert.equal(f.guard.checkRequest(request(OTHER, { fromUser: "1000", toUser: "1000" })), "allow", "1000 is a real account here");
  assert.equal(f.guard.checkRequest(request(OTHER, { method: "INVITE", fromUser: "2001", toUser: "100" })), "allow", "an INVITE's To user is a dialled number");
  assert.equal(f.guard.checkRequest(request(OTHER, { authUser: "test" })), "drop", "digest username decoy");
});

test("guard: decoy and From/To checks are skipped for sources identified by address (trunks)", () => {
  const f = makeGuard({ knownSource: (ip) => ip === OTHER });
  assert.equal(f.guard.checkRequest(request(OTHER, { method: "INVITE", fromUser: "1234", toUser: "2001" })), "allow");
  assert.equal(f.guard.isBanned(OTHER), false);
});

test("guard: unban removes address and username bans, logs one line and resets the counters", () => {
  const f = makeGuard();
  failAuth(f, ATTACKER, "2001", 5);
  f.guard.ban(ATTACKER, 60, "test");
  assert.equal(f.guard.unban(ATTACKER), 2);
  assert.deepEqual(f.guard.bansFor(ATTACKER), []);
  assert.ok(f.log.records.some((r) => r.level === "notice" && r.msg === `Unbanned ${ATTACKER} (console)`));
  assert.equal(f.guard.unban(ATTACKER), 0);
  failAuth(f, ATTACKER, "2001", 1);
  assert.deepEqual(f.guard.bans(), [], "counting starts again after an unban");
});

test("guard: an IPv6 ban in any spelling matches the socket form; unban works with another spelling", () => {
  const f = makeGuard();
  const ban = f.guard.ban("0:0:0:0:0:0:0:1", 60, "test");
  assert.equal(ban.ip, "::1");
  assert.equal(f.guard.allowPacket("::1"), false);
  assert.equal(f.guard.isBanned("[::1]"), true);
  assert.equal(f.guard.bansFor("0000::0001").length, 1);
  assert.equal(f.guard.unban("[0:0::1]"), 1);
  assert.equal(f.guard.allowPacket("::1"), true);
  f.guard.ban("::FFFF:198.51.100.9", 60, "test");
  assert.equal(f.guard.allowPacket(ATTACKER), false, "an IPv4-mapped ban is the IPv4 address");
});

test("guard: a whitelisted single IPv6 address matches however it was written", () => {
  const f = makeGuard({ conf: "whitelist=2001:DB8:0:0:0:0:0:7" });
  assert.equal(f.guard.isWhitelisted("2001:db8::7"), true);
  assert.deepEqual(f.guard.settings.whitelist.map((n) => n.text), ["2001:db8::7/128"]);
});

test("guard: expired bans are pruned, logged and deleted from the database", () => {
  const f = makeGuard({ conf: "bantime=10" });
  f.guard.checkRequest(request(ATTACKER, { userAgent: "sipvicious" }));
  f.clock.advance(11_000);
  assert.equal(f.guard.allowPacket(ATTACKER), true, "an expired ban no longer drops");
  f.clock.advance(60_000); // the prune timer
  assert.ok(f.log.find(`Unbanned ${ATTACKER} (expired)`));
  assert.equal((f.db.prepare("SELECT COUNT(*) AS n FROM guard_bans").get() as { n: number }).n, 0);
});

test("guard: bans and offence history survive a restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "guard-"));
  try {
    const path = join(dir, "switchboard.db");
    const clock = new FakeClock();
    const first = makeGuard({ db: openDatabase(path, nullLogger), clock, conf: "bantime=100" });
    first.guard.checkRequest(request(ATTACKER, { userAgent: "friendly-scanner" }));
    failAuth(first, OTHER, "2001", 5);
    const permanent = first.guard.ban("192.0.2.99", undefined, "banned from the console", { source: "console" });
    assert.equal(permanent.expiresAt, Infinity);
    void first.guard.close();
    first.db.close();

    const db = openDatabase(path, nullLogger);
    const second = makeGuard({ db, clock, conf: "bantime=100" });
    assert.equal(second.guard.allowPacket(ATTACKER), false);
    assert.deepEqual(second.guard.bansFor(OTHER).map((b) => [b.scope, b.user]), [["user", "2001"]]);
    assert.equal(second.guard.bansFor("192.0.2.99")[0]?.expiresAt, Infinity);
    assert.equal(second.guard.bansFor(ATTACKER)[0]?.evidence.finding, "scanner");
    clock.advance(101_000);
    second.guard.prune();
    second.guard.checkRequest(request(ATTACKER, { userAgent: "friendly-scanner" }));
    assert.equal(second.guard.bansFor(ATTACKER)[0]?.level, 2, "the earlier ban counts after the restart");
    void second.guard.close();
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("guard: attacker strings are cleaned in the log line and nested under sip", () => {
  const f = makeGuard();
  f.guard.checkRequest(request(ATTACKER, { userAgent: `sipvicious"\r\nNOTICE[1] fake: x` }));
  const line = f.log.find("Banned");
  assert.ok(line);
  assert.doesNotMatch(line.msg, /[\r\n"]/);
  assert.ok("sip" in line.ctx);
  assert.ok(!("level" in line.ctx), "a context key 'level' would replace the record's severity");
});

test("guard: reload applies a new whitelist and lifts bans of whitelisted addresses", () => {
  const f = makeGuard();
  f.guard.ban(ATTACKER, 600, "test");
  f.config.current = guardConfig("whitelist=198.51.100.9");
  f.guard.reload();
  assert.equal(f.guard.allowPacket(ATTACKER), true);
  assert.ok(f.log.find(`Unbanned ${ATTACKER} (whitelisted)`));
});

test("guard: enabled=no passes everything and bans nothing", () => {
  const f = makeGuard({ conf: "enabled=no\npacket_rate_limit=1\npacket_burst=1" });
  for (let i = 0; i < 10; i++) assert.equal(f.guard.allowPacket(ATTACKER), true);
  assert.equal(f.guard.checkRequest(request(ATTACKER, { userAgent: "friendly-scanner" })), "allow");
  failAuth(f, ATTACKER, "2001", 10);
  assert.deepEqual(f.guard.bans(), []);
});

test("guard: stats count events by type, findings, drops and top offenders", () => {
  const f = makeGuard();
  f.events.publish(securityEvent("ChallengeSent", OTHER, undefined, f.clock.now()));
  failAuth(f, ATTACKER, "2001", 2);
  failAuth(f, ATTACKER, "2002", 1);
  f.guard.allowPacket(ATTACKER);
  const s = f.guard.stats();
  assert.equal(s.events.ChallengeResponseFailed, 3);
  assert.equal(s.events.ChallengeSent, 1);
  assert.equal(s.bansActive, 0);
  assert.equal(s.topOffenders[0]?.ip, ATTACKER);
  assert.deepEqual(s.topOffenders[0]?.users, ["2001", "2002"]);
});
