import { test } from "node:test";
import assert from "node:assert/strict";
import { UnknownAccountDetector } from "../../../src/security/detectors/unknown-accounts.js";
import type { Finding } from "../../../src/security/detectors/finding.js";

test("unknown-accounts detector: max_unknown requests from one address report unknown-accounts with the names tried", () => {
  const found: Finding[] = [];
  const d = new UnknownAccountDetector(() => ({ findtimeMs: 60_000, maxUnknown: 3, maxretry: 5 }), (f) => found.push(f));
  d.record("192.0.2.9", "100", 0, "friendly-scanner");
  d.record("192.0.2.9", "101", 1000, "friendly-scanner");
  assert.equal(found.length, 0);
  d.record("192.0.2.9", "102", 2000, "friendly-scanner");
  assert.equal(found[0]?.kind, "unknown-accounts");
  assert.deepEqual(found[0]?.evidence.usersTried, ["100", "101", "102"]);
  assert.equal(found[0]?.evidence.userAgent, "friendly-scanner");
});

test("unknown-accounts detector: maxretry requests for one unknown name report unknown-account-user", () => {
  const found: Finding[] = [];
  const d = new UnknownAccountDetector(() => ({ findtimeMs: 60_000, maxUnknown: 100, maxretry: 2 }), (f) => found.push(f));
  d.record("192.0.2.9", "9999", 0, "");
  d.record("192.0.2.9", "9999", 1, "");
  assert.deepEqual(found.map((f) => [f.kind, f.user]), [["unknown-account-user", "9999"]]);
});
