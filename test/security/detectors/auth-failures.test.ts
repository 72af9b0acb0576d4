import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthFailureDetector } from "../../../src/security/detectors/auth-failures.js";
import type { Finding } from "../../../src/security/detectors/finding.js";

const settings = { findtimeMs: 60_000, maxretry: 3, maxUsersPerIp: 2 };

test("auth-failures detector: maxretry failures for one username within findtime report auth-failures-user", () => {
  const found: Finding[] = [];
  const d = new AuthFailureDetector(() => settings, (f) => found.push(f));
  d.record("192.0.2.9", "2001", 0, "ua");
  d.record("192.0.2.9", "2001", 10_000, "ua");
  assert.equal(found.length, 0);
  d.record("192.0.2.9", "2001", 20_000, "ua");
  assert.deepEqual(found.map((f) => [f.kind, f.user, f.summary]), [["auth-failures-user", "2001", "3 failed authentications for 2001 in 20 s"]]);
});

test("auth-failures detector: failures outside the window do not count", () => {
  const found: Finding[] = [];
  const d = new AuthFailureDetector(() => settings, (f) => found.push(f));
  for (const t of [0, 50_000, 110_000]) d.record("192.0.2.9", "2001", t, "");
  assert.equal(found.length, 0);
});

test("auth-failures detector: distinct usernames from one address report auth-failures-ip", () => {
  const found: Finding[] = [];
  const d = new AuthFailureDetector(() => settings, (f) => found.push(f));
  d.record("192.0.2.9", "2001", 0, "");
  d.record("192.0.2.10", "2002", 0, "");
  assert.equal(found.length, 0, "different addresses are counted apart");
  d.record("192.0.2.9", "2002", 1000, "");
  assert.equal(found[0]?.kind, "auth-failures-ip");
  assert.deepEqual(found[0]?.evidence.usersTried, ["2001", "2002"]);
});

test("auth-failures detector: forget() starts an address from zero", () => {
  const found: Finding[] = [];
  const d = new AuthFailureDetector(() => settings, (f) => found.push(f));
  d.record("192.0.2.9", "2001", 0, "");
  d.record("192.0.2.9", "2001", 1, "");
  d.forget("192.0.2.9");
  d.record("192.0.2.9", "2001", 2, "");
  assert.equal(found.length, 0);
});
