import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { CaptureLogger } from "../../src/core/logger.js";
import type { Ban } from "../../src/security/ban-list.js";
import { NftMirror, commandExecutor, type NftExecutor } from "../../src/security/nft-mirror.js";
import { makeGuard, request } from "./helpers.js";
import { createNamespace, deleteNamespace } from "../helpers/netns.js";
import { requireNetns } from "../helpers/netns-topologies.js";

const SETTINGS = { nftables: true, nftTable: "switchboard", nftSet: "banned" };

function ban(ip: string, seconds: number | undefined, scope: "ip" | "user" = "ip"): Ban {
  return { ip, scope, createdAt: 0, expiresAt: seconds === undefined ? Infinity : seconds * 1000, reason: "t", evidence: {}, level: 1, source: "guard" };
}

/** Records every call and answers with `result`. */
function recorder(result: (args: readonly string[]) => { ok: true } | { ok: false; error: string }) {
  const calls: Array<{ args: readonly string[]; input?: string | undefined }> = [];
  const exec: NftExecutor = (args, input) => {
    calls.push({ args, input });
    return Promise.resolve(result(args));
  };
  return { calls, exec };
}

test("nft mirror: creates its table with v4/v6 sets and the current bans, then adds and removes elements", async () => {
  const r = recorder(() => ({ ok: true }));
  const log = new CaptureLogger();
  const mirror = new NftMirror({ settings: () => SETTINGS, log, exec: r.exec });
  await mirror.sync([ban("198.51.100.9", 100), ban("2001:db8::9", undefined), ban("198.51.100.10", 100, "user")], 0);
  assert.equal(mirror.active, true);
  assert.deepEqual(r.calls[0]?.args, ["-f", "-"]);
  const script = r.calls[0]?.input ?? "";
  assert.match(script, /set banned \{ type ipv4_addr; flags timeout; elements = \{ 198\.51\.100\.9 timeout 100s \} \}/);
  assert.match(script, /set banned6 \{ type ipv6_addr; flags timeout; elements = \{ 2001:db8::9 \} \}/);
  assert.match(script, /ip saddr @banned drop; ip6 saddr @banned6 drop;/);
  assert.doesNotMatch(script, /198\.51\.100\.10/, "username bans stay in-process");
  mirror.add(ban("203.0.113.5", 60), 0);
  mirror.remove("203.0.113.5");
  await mirror.idle();
  assert.deepEqual(r.calls[1]?.args, ["add", "element", "inet", "switchboard", "banned", "{ 203.0.113.5 timeout 60s }"]);
  assert.deepEqual(r.calls[2]?.args, ["delete", "element", "inet", "switchboard", "banned", "{ 203.0.113.5 }"]);
  await mirror.close();
  assert.deepEqual(r.calls[3]?.args, ["delete", "table", "inet", "switchboard"]);
});

test("nft mirror: elements are canonical addresses; IPv4-mapped ones go into the IPv4 set", async () => {
  const r = recorder(() => ({ ok: true }));
  const mirror = new NftMirror({ settings: () => SETTINGS, log: new CaptureLogger(), exec: r.exec });
  await mirror.sync([ban("2001:DB8:0:0:0:0:0:9", undefined), ban("::ffff:198.51.100.9", undefined)], 0);
  const script = r.calls[0]?.input ?? "";
  assert.match(script, /set banned \{ type ipv4_addr; flags timeout; elements = \{ 198\.51\.100\.9 \} \}/);
  assert.match(script, /set banned6 \{ type ipv6_addr; flags timeout; elements = \{ 2001:db8::9 \} \}/);
  mirror.add(ban("0:0:0:0:0:0:0:1", 60), 0);
  mirror.remove("[::1]");
  await mirror.idle();
  assert.deepEqual(r.calls[1]?.args, ["add", "element", "inet", "switchboard", "banned6", "{ ::1 timeout 60s }"]);
  assert.deepEqual(r.calls[2]?.args, ["delete", "element", "inet", "switchboard", "banned6", "{ ::1 }"]);
  await mirror.close();
});

test("nft mirror: nft missing or not permitted gives one warning and in-process enforcement continues", async () => {
  const r = recorder(() => ({ ok: false, error: "Operation not permitted" }));
  const mirror = new NftMirror({ settings: () => SETTINGS, log: new CaptureLogger(), exec: r.exec });
  const f = makeGuard({ nft: mirror, conf: "nftables=yes" });
  await mirror.idle();
  assert.equal(mirror.active, false);
  f.guard.checkRequest(request("198.51.100.9", { userAgent: "friendly-scanner" }));
  await mirror.sync(f.guard.bans(), f.clock.now());
  await mirror.idle();
  assert.equal(f.guard.allowPacket("198.51.100.9"), false, "the ban works without nftables");
  assert.equal(r.calls.length, 1, "no retries, no element commands after the failure");
});

test("nft mirror: the warning names the command that failed", async () => {
  const log = new CaptureLogger();
  const mirror = new NftMirror({ settings: () => SETTINGS, log, exec: commandExecutor("/nonexistent/nft") });
  await mirror.sync([], 0);
  const warnings = log.records.filter((x) => x.level === "warn");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]?.msg ?? "", /^nftables mirror disabled: 'nft -f -' creating table inet switchboard failed \(the \/nonexistent\/nft command is not installed\); bans are enforced in-process only$/);
});

test("nft mirror: nftables=no installs nothing", async () => {
  const r = recorder(() => ({ ok: true }));
  const mirror = new NftMirror({ settings: () => ({ ...SETTINGS, nftables: false }), log: new CaptureLogger(), exec: r.exec });
  await mirror.sync([ban("198.51.100.9", 100)], 0);
  mirror.add(ban("198.51.100.9", 100), 0);
  await mirror.idle();
  assert.equal(r.calls.length, 0);
});

test("nft mirror: real nft in a private network namespace holds the banned addresses", async () => {
  // No skip: as root on Debian this must run; without root, ip or nft it fails and says why.
  requireNetns({ nft: true });
  const ns = createNamespace("nft");
  try {
    const exec = commandExecutor("ip", ["netns", "exec", ns, "nft"]);
    const log = new CaptureLogger();
    const mirror = new NftMirror({ settings: () => SETTINGS, log, exec });
    await mirror.sync([ban("198.51.100.9", 3600)], 0);
    assert.equal(mirror.active, true, JSON.stringify(log.records));
    mirror.add(ban("203.0.113.5", 3600), 0);
    mirror.add(ban("2001:db8::5", undefined), 0);
    await mirror.idle();
    const listing = (): string => execFileSync("ip", ["netns", "exec", ns, "nft", "list", "table", "inet", "switchboard"], { encoding: "utf8" });
    assert.match(listing(), /198\.51\.100\.9/);
    assert.match(listing(), /203\.0\.113\.5/);
    assert.match(listing(), /2001:db8::5/);
    mirror.remove("203.0.113.5");
    await mirror.idle();
    assert.doesNotMatch(listing(), /203\.0\.113\.5/);
    await mirror.close();
    assert.doesNotMatch(execFileSync("ip", ["netns", "exec", ns, "nft", "list", "tables"], { encoding: "utf8" }), /switchboard/);
  } finally {
    deleteNamespace(ns);
  }
});
