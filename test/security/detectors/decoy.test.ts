import { test } from "node:test";
import assert from "node:assert/strict";
import { DecoyDetector } from "../../../src/security/detectors/decoy.js";

const d = new DecoyDetector(() => new Set(["admin", "100"]), (u) => u === "100");

test("decoy detector: a decoy that is not an account is reported, by digest username, From or REGISTER To", () => {
  assert.equal(d.check({ ip: "192.0.2.9", method: "REGISTER", userAgent: "", authUser: "Admin" })?.evidence.field, "digest username");
  assert.equal(d.check({ ip: "192.0.2.9", method: "INVITE", userAgent: "", fromUser: "admin" })?.kind, "decoy");
  assert.equal(d.check({ ip: "192.0.2.9", method: "REGISTER", userAgent: "", toUser: "admin" })?.evidence.field, "To user");
});

test("decoy detector: real accounts and an INVITE's dialled number are not decoys", () => {
  assert.equal(d.check({ ip: "192.0.2.9", method: "REGISTER", userAgent: "", fromUser: "100", toUser: "100" }), undefined);
  assert.equal(d.check({ ip: "192.0.2.9", method: "INVITE", userAgent: "", fromUser: "2001", toUser: "admin" }), undefined);
});
