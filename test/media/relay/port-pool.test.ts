import { test } from "node:test";
import assert from "node:assert/strict";
import { PortPool } from "../../../src/media/relay/port-pool.js";
import { ConfigError } from "../../../src/core/errors.js";

test("port-pool: hands out even ports whose RTCP port stays inside the range, until exhausted", () => {
  const pool = new PortPool(10001, 10008, () => 0);
  const got = [pool.take(), pool.take(), pool.take(), pool.take()];
  assert.deepEqual(got, [10002, 10004, 10006, undefined], "10008 would need RTCP on 10009");
  assert.equal(pool.capacity, 3);
});

test("port-pool: a freed port is reused only after the rest of the range", () => {
  const pool = new PortPool(20000, 20007, () => 0);
  const a = pool.take();
  assert.equal(a, 20000);
  pool.free(20000);
  assert.deepEqual([pool.take(), pool.take(), pool.take(), pool.take()], [20002, 20004, 20006, 20000]);
  assert.equal(pool.booked, 4);
});

test("port-pool: a range without room for one pair is a config error", () => {
  assert.throws(() => new PortPool(10001, 10001), ConfigError);
});
