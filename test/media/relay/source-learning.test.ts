import { test } from "node:test";
import assert from "node:assert/strict";
import { SourceLearner } from "../../../src/media/relay/source-learning.js";

test("source-learning: the first source is accepted at once", () => {
  const l = new SourceLearner("yes", 4);
  assert.equal(l.check("10.0.0.1", 4000, 100), "switch");
  assert.equal(l.check("10.0.0.1", 4000, 101), "accept");
  assert.deepEqual([l.address, l.port], ["10.0.0.1", 4000]);
});

test("source-learning: strictrtp=yes drops a new source until probation in-sequence packets, then switches", () => {
  const l = new SourceLearner("yes", 4);
  l.check("10.0.0.1", 4000, 1);
  const verdicts = [10, 11, 12, 13].map((seq) => l.check("10.0.0.2", 5000, seq));
  assert.deepEqual(verdicts, ["drop", "drop", "drop", "switch"]);
  assert.equal(l.check("10.0.0.1", 4000, 2), "drop", "the old source is now the stranger");
});

test("source-learning: a sequence gap restarts the probation count", () => {
  const l = new SourceLearner("seqno", 3);
  l.check("10.0.0.1", 4000, 1);
  assert.deepEqual([10, 11, 20, 21, 22].map((seq) => l.check("10.0.0.2", 5000, seq)), ["drop", "drop", "drop", "drop", "switch"]);
});

test("source-learning: probation counts across the 16-bit sequence wrap", () => {
  const l = new SourceLearner("yes", 3);
  l.check("10.0.0.1", 4000, 1);
  assert.deepEqual([65534, 65535, 0].map((seq) => l.check("10.0.0.2", 5000, seq)), ["drop", "drop", "switch"]);
});

test("source-learning: strictrtp=no follows every new source immediately", () => {
  const l = new SourceLearner("no", 4);
  assert.equal(l.check("10.0.0.1", 4000, 1), "switch");
  assert.equal(l.check("10.0.0.2", 5000, 99), "switch");
  assert.equal(l.check("10.0.0.2", 5000, 5), "accept");
});

test("source-learning: reset() makes the next source the first one again", () => {
  const l = new SourceLearner("yes", 4);
  l.check("10.0.0.1", 4000, 1);
  l.reset();
  assert.equal(l.check("10.0.0.9", 6000, 50), "switch");
});
