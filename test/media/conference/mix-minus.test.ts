import { test } from "node:test";
import assert from "node:assert/strict";
import { clip16, mixMinus } from "../../../src/media/conference/mix-minus.js";

const frame = (...v: number[]): Int16Array => Int16Array.from(v);

test("mixMinus: each member hears the sum of the others, never its own voice", () => {
  const out = mixMinus([frame(100, 200), frame(10, 20), frame(1, 2)], 2);
  assert.deepEqual([...(out[0] as Int16Array)], [11, 22]);
  assert.deepEqual([...(out[1] as Int16Array)], [101, 202]);
  assert.deepEqual([...(out[2] as Int16Array)], [110, 220]);
});

test("mixMinus: a silent (or muted) member hears everyone and adds nothing", () => {
  const out = mixMinus([frame(100, -100), undefined, frame(5, 5)], 2);
  assert.deepEqual([...(out[1] as Int16Array)], [105, -95]);
  assert.deepEqual([...(out[0] as Int16Array)], [5, 5]);
  assert.deepEqual([...(out[2] as Int16Array)], [100, -100]);
});

test("mixMinus: the only talker hears nothing (undefined), the others hear it", () => {
  const out = mixMinus([frame(7, 7), undefined], 2);
  assert.equal(out[0], undefined);
  assert.deepEqual([...(out[1] as Int16Array)], [7, 7]);
});

test("mixMinus: loud talkers saturate at full scale instead of wrapping around", () => {
  const out = mixMinus([frame(30000, -30000), frame(30000, -30000), frame(0, 0)], 2);
  assert.deepEqual([...(out[2] as Int16Array)], [32767, -32768]);
  // Mix-minus is taken from the unclipped sum: each of the two loud ones hears the other exactly.
  assert.deepEqual([...(out[0] as Int16Array)], [30000, -30000]);
});

test("mixMinus: a short input counts as silence after its end", () => {
  const out = mixMinus([frame(1), frame(10, 10, 10)], 3);
  assert.deepEqual([...(out[0] as Int16Array)], [10, 10, 10]);
  assert.deepEqual([...(out[1] as Int16Array)], [1, 0, 0]);
});

test("clip16: clips to the 16-bit range", () => {
  assert.equal(clip16(40000), 32767);
  assert.equal(clip16(-40000), -32768);
  assert.equal(clip16(-5), -5);
});
