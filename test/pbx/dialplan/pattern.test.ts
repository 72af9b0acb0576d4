import { test } from "node:test";
import assert from "node:assert/strict";
import { compilePattern, matchPattern } from "../../../src/pbx/dialplan/pattern.js";
import { findExtension } from "../../../src/pbx/dialplan/lookup.js";
import { dialplanFrom } from "./fake-channel.js";

const MATCHES: Array<[pattern: string, exten: string, expected: boolean]> = [
  ["X", "5", true],
  ["X", "55", false], // one digit only
  ["X", "a", false],
  ["Z", "0", false], // Z is 1-9
  ["Z", "1", true],
  ["N", "1", false], // N is 2-9
  ["N", "2", true],
  ["NXXNXXXXXX", "2125551234", true],
  ["[1-5]", "3", true],
  ["[1-5]", "6", false],
  ["[a-c7]", "b", true],
  ["[a-c7]", "7", true],
  ["[a-c7]", "d", false],
  ["9011.", "9011", false], // '.' needs at least one more character
  ["9011.", "901144", true],
  ["9011!", "9011", true], // '!' accepts nothing more
  ["9011!", "90115", true],
  ["1-800-NXX", "1800555", true], // dashes are only for reading
  ["x.", "12", true], // lower-case letters work too
  ["10XX", "1001", true],
  ["10XX", "100", false],
];

for (const [pattern, exten, expected] of MATCHES) {
  test(`pattern: _${pattern} ${expected ? "matches" : "does not match"} '${exten}'`, () => {
    assert.equal(matchPattern(compilePattern(pattern).pattern, exten), expected);
  });
}

test("pattern: unterminated '[' is reported", () => {
  assert.match(compilePattern("[12").problems[0] ?? "", /'\[' without a closing '\]'/);
});

test("pattern: characters after '.' are reported as ignored", () => {
  assert.match(compilePattern("9.1").problems[0] ?? "", /'1' after '\.' .* is ignored/);
});

/** Which extension wins for a dialed number, given all of these in one context. */
const ORDER_PLAN = dialplanFrom(
  [
    "[c]",
    "exten => _X.,1,NoOp(X.)",
    "exten => _X!,1,NoOp(X!)",
    "exten => _1XX,1,NoOp(1XX)",
    "exten => _1ZX,1,NoOp(1ZX)",
    "exten => _1NX,1,NoOp(1NX)",
    "exten => _1[2-3]X,1,NoOp(1[2-3]X)",
    "exten => _12X,1,NoOp(12X)",
    "exten => 123,1,NoOp(123)",
    "exten => _[13]XX,1,NoOp([13]XX)",
    "exten => _9!,1,NoOp(9!)",
    "exten => _9.,1,NoOp(9.)",
  ].join("\n"),
);

const ORDER: Array<[exten: string, winner: string]> = [
  ["123", "123"], // a literal beats every pattern
  ["124", "12X"], // literal '2' beats [2-3]
  ["134", "1[2-3]X"], // [2-3] (2 chars) beats N (8)
  ["154", "1NX"], // N beats Z
  ["114", "1ZX"], // Z beats X
  ["104", "1XX"], // only X fits
  ["304", "[13]XX"], // a 2-char set beats X at the first position
  ["5", "X!"], // '.' needs one more character; '!' takes zero
  ["55", "X."], // '.' sorts before '!'
  ["9", "9!"], // '9!' beats 'X!' at the first position
  ["91", "9."], // '.' before '!' when the rest is equal
];

for (const [exten, winner] of ORDER) {
  test(`pattern order: '${exten}' runs _${winner === "123" ? "" : ""}${winner}`, () => {
    const m = findExtension(ORDER_PLAN, "c", exten);
    assert.equal(m?.extension.priorities[0]?.appData, winner);
  });
}

test("lookup: includes are searched in order after the context's own extensions", () => {
  const dp = dialplanFrom(["[a]", "include => b", "include => c", "exten => 1,1,NoOp(a)", "[b]", "exten => _X,1,NoOp(b)", "[c]", "exten => 2,1,NoOp(c)"].join("\n"));
  assert.equal(findExtension(dp, "a", "1")?.extension.priorities[0]?.appData, "a");
  assert.equal(findExtension(dp, "a", "2")?.extension.priorities[0]?.appData, "b"); // b before c, even though c is literal
  assert.equal(findExtension(dp, "a", "2")?.context.name, "b");
  assert.equal(findExtension(dp, "a", "22"), undefined);
});

test("lookup: an include loop ends the search instead of recursing", () => {
  const dp = dialplanFrom(["[a]", "include => b", "[b]", "include => a"].join("\n"));
  assert.equal(findExtension(dp, "a", "1"), undefined);
});

test("lookup: a caller ID match applies only to matching callers", () => {
  const dp = dialplanFrom("[c]\nexten => 100,1,NoOp(any)\nexten => 100/_55X,1,NoOp(vip)\n");
  assert.equal(findExtension(dp, "c", "100", "551")?.extension.priorities[0]?.appData, "vip");
  assert.equal(findExtension(dp, "c", "100", "1001")?.extension.priorities[0]?.appData, "any");
});
