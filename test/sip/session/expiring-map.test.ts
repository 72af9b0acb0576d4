import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { ExpiringMap } from "../../../src/sip/session/expiring-map.js";

test("expiring-map: an entry is gone once its lifetime has passed, and a set renews it", () => {
  const clock = new FakeClock();
  const m = new ExpiringMap<string>({ clock, lifetimeMs: () => 1000, max: 10 });
  m.set("a", "1");
  clock.advance(999);
  assert.equal(m.get("a"), "1");
  m.set("b", "2");
  clock.advance(1);
  assert.equal(m.get("a"), undefined, "expired at exactly its lifetime");
  assert.equal(m.get("b"), "2");
  m.set("b", "3");
  clock.advance(999);
  assert.equal(m.get("b"), "3", "set again: a fresh lifetime");
  assert.equal(m.size, 1);
  assert.equal(clock.pending, 0, "no timers: expiry is checked on use");
});

test("expiring-map: above the cap the oldest entry goes first", () => {
  const clock = new FakeClock();
  const m = new ExpiringMap<number>({ clock, lifetimeMs: () => 60_000, max: 3 });
  for (let i = 0; i < 5; i++) m.set(`k${i}`, i);
  assert.equal(m.size, 3);
  assert.deepEqual(["k0", "k1", "k2", "k3", "k4"].map((k) => m.get(k)), [undefined, undefined, 2, 3, 4]);
  m.set("k2", 20);
  m.set("k5", 5);
  assert.equal(m.get("k3"), undefined, "k2 was renewed, so k3 was the oldest");
  assert.equal(m.get("k2"), 20);
  m.clear();
  assert.equal(m.size, 0);
});
