/** Which members one attempt rings, per strategy; round-robin memory; penalties first. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseMembers, type StrategyMember } from "../../../src/pbx/queues/queue-strategy.js";

const m = (id: string, o: Partial<StrategyMember> = {}): StrategyMember => ({ interface: `PJSIP/${id}`, penalty: 0, calls: 0, lastCall: 0, ...o });
const ids = (r: { ring: StrategyMember[] }) => r.ring.map((x) => x.interface.slice(6));
const mem = { rrpos: 0, linpos: 0 };

test("ringall: every free member of the lowest penalty", () => {
  const all = [m("1"), m("2", { penalty: 1 }), m("3")];
  assert.deepEqual(ids(chooseMembers("ringall", all, all, mem)), ["1", "3"]);
  assert.deepEqual(ids(chooseMembers("ringall", all, [all[1] as StrategyMember], mem)), ["2"], "a higher penalty rings when nobody lower is free");
});

test("rrmemory: takes turns across calls, skipping members that are not free, and wraps round", () => {
  const all = [m("1"), m("2"), m("3")];
  let memory = mem;
  const order: string[] = [];
  for (const free of [all, all, [all[0], all[1]], all]) {
    const r = chooseMembers("rrmemory", all, free as StrategyMember[], memory);
    order.push(...ids(r));
    memory = r.memory;
  }
  assert.deepEqual(order, ["1", "2", "1", "2"]);
});

test("linear: each caller from the first listed; its own position moves on retries", () => {
  const all = [m("1"), m("2"), m("3")];
  const first = chooseMembers("linear", all, all, { rrpos: 2, linpos: 0 });
  assert.deepEqual(ids(first), ["1"]);
  const retry = chooseMembers("linear", all, all, first.memory);
  assert.deepEqual(ids(retry), ["2"]);
  assert.equal(retry.memory.rrpos, 2, "linear leaves the queue's round-robin position alone");
});

test("leastrecent and fewestcalls: by last call and by completed calls, ties in order", () => {
  const all = [m("1", { lastCall: 5000, calls: 3 }), m("2", { lastCall: 1000, calls: 4 }), m("3", { lastCall: 0, calls: 3 })];
  assert.deepEqual(ids(chooseMembers("leastrecent", all, all, mem)), ["3"]);
  assert.deepEqual(ids(chooseMembers("fewestcalls", all, all, mem)), ["1"]);
});

test("random and wrandom: one member from the random source; wrandom weighs penalties", () => {
  const all = [m("1"), m("2"), m("3")];
  assert.deepEqual(ids(chooseMembers("random", all, all, mem, () => 0.99)), ["3"]);
  assert.deepEqual(ids(chooseMembers("random", all, all, mem, () => 0)), ["1"]);
  const weighted = [m("1", { penalty: 9 }), m("2")];
  const draws = [0.5, 0.5];
  assert.deepEqual(ids(chooseMembers("wrandom", weighted, weighted, mem, () => draws.shift() ?? 0)), ["2"], "the same draw weighs less with penalty 0");
});

test("nobody free: nothing to ring, memory unchanged", () => {
  const all = [m("1")];
  const r = chooseMembers("rrmemory", all, [], { rrpos: 0, linpos: 0 });
  assert.deepEqual(r.ring, []);
  assert.equal(r.memory.rrpos, 0);
});
