import { test } from "node:test";
import assert from "node:assert/strict";
import { UnknownAccountDetector } from "../../../src/security/detectors/unknown-accounts.js";
import type { Finding } from "../../../src/security/detectors/finding.js";

function detector(maxUnknown: number, maxretry: number) {
  const found: Finding[] = [];
  const d = new UnknownAccountDetector(() => ({ findtimeMs: 60_000, maxUnknown, maxretry }), (f) => found.push(f));
  return { d, found };
}

test("unknown-accounts detector: max_unknown distinct names from one address report unknown-accounts with the names tried", () => {
  const { d, found } = detector(3, 5);
  d.record("192.0.2.9", "100", 0, "friendly-scanner", "a");
  d.record("192.0.2.9", "101", 1000, "friendly-scanner", "b");
  assert.equal(found.length, 0);
  d.record("192.0.2.9", "102", 2000, "friendly-scanner", "c");
  assert.equal(found[0]?.kind, "unknown-accounts");
  assert.equal(found[0]?.summary, "3 unknown usernames tried in 2 s");
  assert.deepEqual(found[0]?.evidence.usersTried, ["100", "101", "102"]);
  assert.equal(found[0]?.evidence.userAgent, "friendly-scanner");
});

test("unknown-accounts detector: one unknown name repeated from one address never reports unknown-accounts", () => {
  const { d, found } = detector(3, 100);
  for (let i = 0; i < 20; i++) d.record("192.0.2.9", "9999", i * 1000, "", `call-${i}`);
  assert.equal(found.length, 0);
});

test("unknown-accounts detector: names older than findtime no longer count toward max_unknown", () => {
  const { d, found } = detector(3, 5);
  d.record("192.0.2.9", "100", 0, "", "a");
  d.record("192.0.2.9", "101", 1000, "", "b");
  d.record("192.0.2.9", "102", 61_000, "", "c");
  assert.equal(found.length, 0);
});

test("unknown-accounts detector: maxretry attempts for one unknown name report unknown-account-user", () => {
  const { d, found } = detector(100, 2);
  d.record("192.0.2.9", "9999", 0, "", "call-1");
  d.record("192.0.2.9", "9999", 1, "", "call-2");
  assert.deepEqual(found.map((f) => [f.kind, f.user]), [["unknown-account-user", "9999"]]);
  assert.match(found[0]?.summary ?? "", /^2 attempts for unknown account 9999 in \d+ s$/);
});

test("unknown-accounts detector: a challenge and its answer (same Call-ID) are one attempt", () => {
  const { d, found } = detector(100, 3);
  for (let i = 0; i < 2; i++) {
    d.record("192.0.2.9", "9999", i * 10, "", `call-${i}`);
    d.record("192.0.2.9", "9999", i * 10 + 1, "", `call-${i}`);
  }
  assert.equal(found.length, 0, "four requests, two attempts");
  d.record("192.0.2.9", "9999", 30, "", "call-2");
  assert.deepEqual(found.map((f) => [f.kind, f.evidence.attempts]), [["unknown-account-user", 3]]);
});

test("unknown-accounts detector: without a Call-ID every request is an attempt", () => {
  const { d, found } = detector(100, 2);
  d.record("192.0.2.9", "9999", 0, "");
  d.record("192.0.2.9", "9999", 1, "");
  assert.equal(found[0]?.kind, "unknown-account-user");
});

test("unknown-accounts detector: forget(ip) clears the names and attempts of that address only", () => {
  const { d, found } = detector(2, 2);
  d.record("192.0.2.9", "100", 0, "", "a");
  d.record("192.0.2.8", "100", 0, "", "a");
  d.forget("192.0.2.9");
  d.record("192.0.2.9", "101", 1, "", "b");
  assert.equal(found.length, 0);
  d.record("192.0.2.8", "101", 1, "", "b");
  assert.deepEqual(found.map((f) => [f.kind, f.ip]), [["unknown-accounts", "192.0.2.8"]]);
});
