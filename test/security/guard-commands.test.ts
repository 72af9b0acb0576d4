import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandRegistry } from "../../src/cli/registry.js";
import { registerGuardCommands } from "../../src/security/guard-commands.js";
import { failAuth, makeGuard, request, securityEvent } from "./helpers.js";

function setup(conf = "") {
  const f = makeGuard({ conf, localNets: ["192.168.0.0/16"] });
  const registry = new CommandRegistry();
  registerGuardCommands(registry, { guard: f.guard, clock: f.clock, bantime: () => f.config.current.bantime });
  const run = async (line: string) => (await registry.execute(line)).output;
  return { ...f, run };
}

test("security show bans: Asterisk-style table with scope, seconds left, level and reason", async () => {
  const s = setup();
  assert.equal(await s.run("security show bans"), "No objects found.\n");
  failAuth(s, "10.253.0.2", "2001", 5, 0);
  s.guard.checkRequest(request("10.253.0.1", { userAgent: "friendly-scanner" }));
  s.guard.ban("10.253.0.3", undefined, "banned from the console", { source: "console" });
  s.clock.advance(188_000);
  const out = await s.run("security show bans");
  assert.equal(
    out,
    [
      "",
      "IP Address                                Scope        Expires (s)  Level  Reason",
      "========================================= ============ ============ ====== ==============================",
      "10.253.0.1                                ip                   3412      1  scanner User-Agent 'friendly-scanner'",
      "10.253.0.3                                ip              permanent      1  banned from the console",
      "10.253.0.2                                user 2001            3412      1  5 failed authentications for 2001 in 1 s",
      "",
      "Objects found: 3",
      "",
    ].join("\n"),
  );
});

test("security show ban <ip>: every field and the evidence, or 'No ban for'", async () => {
  const s = setup();
  failAuth(s, "10.253.0.2", "2001", 5, 0);
  const out = await s.run("security show ban 10.253.0.2");
  assert.match(out, /^ IP Address +: 10\.253\.0\.2$/m);
  assert.match(out, /^ Scope +: user$/m);
  assert.match(out, /^ Username +: 2001$/m);
  assert.match(out, /^ failures +: 5$/m);
  assert.match(out, /^ usersTried +: 2001$/m);
  assert.match(out, /^ userAgent +: TestPhone\/1\.0$/m);
  assert.equal(await s.run("security show ban 10.253.0.9"), "No ban for 10.253.0.9\n");
  assert.match(await s.run("security show ban nonsense"), /not an IPv4 or IPv6 address/);
});

test("security ban: bantime by default, seconds when given, 0 = permanent; whitelisted refused", async () => {
  const s = setup("bantime=120\nwhitelist=198.51.100.0/24");
  assert.equal(await s.run("security ban 10.253.0.1"), "Banned 10.253.0.1 for 120 s\n");
  assert.equal(await s.run("security ban 10.253.0.2 30"), "Banned 10.253.0.2 for 30 s\n");
  assert.equal(await s.run("security ban 10.253.0.3 0"), "Banned 10.253.0.3 permanently\n");
  assert.match(await s.run("security ban 198.51.100.7"), /^Not banning 198\.51\.100\.7: it is whitelisted/);
  assert.equal(s.guard.isBanned("198.51.100.7"), false);
  assert.equal(s.guard.bansFor("10.253.0.1")[0]?.source, "console");
  assert.equal(s.guard.allowPacket("10.253.0.2"), false);
  assert.match(await s.run("security ban 10.253.0.4 soon"), /Usage: security ban <ip> \[seconds\]/);
});

test("security unban: reports how many bans were lifted", async () => {
  const s = setup();
  failAuth(s, "10.253.0.2", "2001", 5, 0);
  s.guard.ban("10.253.0.2", 60, "x");
  assert.equal(await s.run("security unban 10.253.0.2"), "Unbanned 10.253.0.2 (2 ban(s) removed)\n");
  assert.equal(await s.run("security unban 10.253.0.2"), "No ban for 10.253.0.2\n");
  assert.equal(s.guard.allowPacket("10.253.0.2"), true);
});

test("security ban/unban/show ban: any IPv6 spelling, brackets included, is one address in RFC 5952 form", async () => {
  const s = setup();
  assert.equal(await s.run("security ban 0:0:0:0:0:0:0:1 60"), "Banned ::1 for 60 s\n");
  assert.equal(s.guard.allowPacket("::1"), false, "packets from the socket form ::1 are dropped");
  assert.match(await s.run("security show ban [::1]"), /^ IP Address +: ::1$/m);
  assert.equal(await s.run("security unban ::1"), "Unbanned ::1 (1 ban(s) removed)\n");
  assert.equal(s.guard.allowPacket("::1"), true);
  assert.equal(await s.run("security ban [2001:DB8::0:1]"), `Banned 2001:db8::1 for ${s.config.current.bantime} s\n`);
  assert.equal(await s.run("security unban 2001:db8:0:0:0:0:0:1"), "Unbanned 2001:db8::1 (1 ban(s) removed)\n");
  assert.equal(await s.run("security ban ::ffff:10.253.0.5 30"), "Banned 10.253.0.5 for 30 s\n");
  assert.equal(s.guard.allowPacket("10.253.0.5"), false);
  assert.match(await s.run("security ban [nonsense]"), /'\[nonsense\]' is not an IPv4 or IPv6 address/);
});

test("security show stats: events by type, bans, drops and top offenders", async () => {
  const s = setup();
  s.events.publish(securityEvent("ChallengeSent", "10.253.0.9", undefined, s.clock.now()));
  failAuth(s, "10.253.0.2", "2001", 5, 0);
  const out = await s.run("security show stats");
  assert.match(out, /^ {2}ChallengeSent +1$/m);
  assert.match(out, /^ {2}ChallengeResponseFailed +5$/m);
  assert.match(out, /^ {2}InvalidAccountID +0$/m);
  assert.match(out, /^ {2}auth-failures-user +1$/m);
  assert.match(out, /^Bans active: 1 \(addresses: 0, usernames: 1\)$/m);
  assert.match(out, /^Packets dropped: 0$/m);
  assert.match(out, /^10\.253\.0\.2 +6 2001$/m);
});

test("security show whitelist: whitelist, local_net protection and trusted addresses", async () => {
  const s = setup("whitelist=198.51.100.0/24\ntrust_time=600");
  s.events.publish(securityEvent("SuccessfulAuth", "10.253.0.5", "2001", s.clock.now()));
  s.clock.advance(100_000);
  const out = await s.run("security show whitelist");
  assert.match(out, /^ {2}198\.51\.100\.0\/24$/m);
  assert.match(out, /^Local networks \(transports' local_net\): never banned \(ban_local_net=no\)$/m);
  assert.match(out, /^ {2}192\.168\.0\.0\/16$/m);
  assert.match(out, /^ {2}10\.253\.0\.5 +500 s$/m);
});
