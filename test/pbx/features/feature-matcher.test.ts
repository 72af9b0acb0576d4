import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { FeatureMatcher, type FeatureCode } from "../../../src/pbx/features/feature-matcher.js";
import { codesFor } from "../../../src/pbx/features/bridge-features.js";

function matcher(codes: FeatureCode[]) {
  const clock = new FakeClock();
  const fired: string[] = [];
  const passed: string[] = [];
  const m = new FeatureMatcher({ codes, timeoutMs: 1000, clock, onFeature: (f, c) => fired.push(`${f}:${c}`), onPass: (keys) => passed.push(keys.map((k) => k.digit).join("")) });
  const press = (digits: string) => {
    for (const d of digits) m.push({ digit: d, durationMs: 100, source: "rfc4733", crossed: false });
  };
  return { clock, fired, passed, press, m };
}

test("a one-key code fires at once; other keys pass at once", () => {
  const t = matcher([{ code: "#", feature: "blindxfer" }, { code: "*", feature: "disconnect" }]);
  t.press("12#");
  assert.deepEqual(t.passed, ["1", "2"]);
  assert.deepEqual(t.fired, ["blindxfer:#"]);
});

test("keys that begin a code are held, and pass on as pressed when the code does not come", () => {
  const t = matcher([{ code: "#72", feature: "parkcall" }]);
  t.press("#7");
  assert.deepEqual(t.passed, []);
  t.press("5");
  assert.deepEqual(t.passed, ["#75"]);
  assert.deepEqual(t.fired, []);
  t.press("#7");
  t.clock.advance(999);
  assert.deepEqual(t.passed, ["#75"]);
  t.clock.advance(1);
  assert.deepEqual(t.passed, ["#75", "#7"], "featuredigittimeout passes the held keys on");
  t.press("#72");
  assert.deepEqual(t.fired, ["parkcall:#72"]);
});

test("a code that starts a longer one waits for the timeout; a code starting inside held keys is found", () => {
  const t = matcher([{ code: "*", feature: "disconnect" }, { code: "*3", feature: "automixmon" }]);
  t.press("*");
  assert.deepEqual(t.fired, []);
  t.clock.advance(1000);
  assert.deepEqual(t.fired, ["disconnect:*"]);
  t.press("*3");
  assert.deepEqual(t.fired, ["disconnect:*", "automixmon:*3"]);
  const u = matcher([{ code: "#1", feature: "blindxfer" }]);
  u.press("##1");
  assert.deepEqual(u.passed, ["#"]);
  assert.deepEqual(u.fired, ["blindxfer:#1"]);
});

test("close() drops held keys; flush() passes them", () => {
  const t = matcher([{ code: "#1", feature: "blindxfer" }]);
  t.press("#");
  t.m.close();
  t.clock.advance(5000);
  assert.deepEqual(t.passed, []);
  t.press("#");
  t.m.flush();
  assert.deepEqual(t.passed, ["#"]);
});

test("Dial's letters give each side its codes; a feature without a code is off", () => {
  const map = { blindxfer: "#", disconnect: "*", automon: "", atxfer: "*2", parkcall: "", automixmon: "*3" };
  assert.deepEqual(codesFor("tH", "callee", map), [
    { code: "#", feature: "blindxfer" },
    { code: "*2", feature: "atxfer" },
  ]);
  assert.deepEqual(codesFor("tH", "caller", map), [{ code: "*", feature: "disconnect" }]);
  assert.deepEqual(codesFor("kKxX", "caller", map), [{ code: "*3", feature: "automixmon" }], "parkcall has no code");
  assert.deepEqual(codesFor("", "caller", map), []);
});
