import { test } from "node:test";
import assert from "node:assert/strict";
import { PacketRateDetector, RequestRateDetector, parseMethodWeights } from "../../../src/security/detectors/request-rate.js";
import type { Finding } from "../../../src/security/detectors/finding.js";

test("request-rate detector: a bucket allows burst at once, then rate per second, and reports once per dry spell", () => {
  const found: Finding[] = [];
  const d = new PacketRateDetector(() => ({ rate: 10, burst: 5 }), () => false, (f) => found.push(f));
  const results = Array.from({ length: 8 }, () => d.take("192.0.2.9", 0));
  assert.deepEqual(results, [true, true, true, true, true, false, false, false]);
  assert.equal(found.length, 1);
  assert.equal(found[0]?.kind, "packet-flood");
  assert.equal(d.take("192.0.2.9", 100), true, "100 ms refill one token at 10/s");
  assert.equal(d.take("192.0.2.9", 100), false);
});

test("request-rate detector: exempt addresses and rate 0 are never limited", () => {
  const d = new PacketRateDetector(() => ({ rate: 1, burst: 1 }), (ip) => ip === "192.0.2.1", () => {});
  for (let i = 0; i < 100; i++) assert.equal(d.take("192.0.2.1", 0), true);
  const off = new PacketRateDetector(() => ({ rate: 0, burst: 1 }), () => false, () => {});
  for (let i = 0; i < 100; i++) assert.equal(off.take("192.0.2.9", 0), true);
});

test("request-rate detector: method weights set the cost of a request", () => {
  const found: Finding[] = [];
  const weights = parseMethodWeights(["invite:4", "OPTIONS:0.5"]);
  assert.deepEqual([...weights], [["INVITE", 4], ["OPTIONS", 0.5]]);
  const d = new RequestRateDetector(() => ({ rate: 1, burst: 8 }), () => weights, () => false, (f) => found.push(f));
  assert.equal(d.take("192.0.2.9", "INVITE", 0), true);
  assert.equal(d.take("192.0.2.9", "INVITE", 0), true);
  assert.equal(d.take("192.0.2.9", "INVITE", 0), false);
  assert.equal(found[0]?.kind, "request-rate");
  const o = new RequestRateDetector(() => ({ rate: 1, burst: 8 }), () => weights, () => false, () => {});
  let n = 0;
  while (o.take("192.0.2.9", "OPTIONS", 0)) n++;
  assert.equal(n, 16);
});
