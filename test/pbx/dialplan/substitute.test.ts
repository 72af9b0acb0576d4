import { test } from "node:test";
import assert from "node:assert/strict";
import { substitute, substring, type SubstitutionScope } from "../../../src/pbx/dialplan/substitute.js";

function scope(vars: Record<string, string>, warnings: string[] = []): SubstitutionScope {
  return {
    getVar: (n) => vars[n],
    readFunc: (name, args) => (name === "LEN" ? String(args.length) : name === "ECHO" ? args : (warnings.push(`no ${name}`), "")),
    warn: (m) => warnings.push(m),
  };
}

const VARS = { EXTEN: "918005551234", X: "EXTEN", N: "3", EMPTY: "", EVIL: "${X}" };

const ROWS: Array<[string, string]> = [
  ["${EXTEN}", "918005551234"],
  ["PJSIP/${EXTEN}", "PJSIP/918005551234"],
  ["${EXTEN:1}", "18005551234"],
  ["${EXTEN:-4}", "1234"], // negative offset counts from the end
  ["${EXTEN:1:3}", "180"],
  ["${EXTEN:-4:2}", "12"],
  ["${EXTEN:2:-4}", "800555"], // negative length drops from the end
  ["${EXTEN:20}", ""], // offset past the end
  ["${EXTEN:-20}", "918005551234"], // clamped to the start
  ["${EXTEN:0:0}", ""],
  ["${EXTEN:${N}}", "005551234"], // nested substitution in the offset
  ["${${X}}", "918005551234"], // nested variable name
  ["${UNSET}", ""],
  ["a${EMPTY}b", "ab"],
  ["${LEN(${EXTEN})}", "12"],
  ["${ECHO(abcdef):2:2}", "cd"], // substring of a function value
  ["$[${N} + 1]", "4"],
  ["$[${N} > 2]", "1"],
  ["$[$[1 + 1] * 3]", "6"], // nested expressions
  ["${EVIL}", "${X}"], // values are not substituted again
  ["no dollars", "no dollars"],
  ["cost $5", "cost $5"],
];

for (const [text, expected] of ROWS) {
  test(`substitute: '${text}' becomes '${expected}'`, () => {
    assert.equal(substitute(text, scope(VARS)), expected);
  });
}

test("substitute: an unclosed '${' warns and keeps the text", () => {
  const warnings: string[] = [];
  assert.equal(substitute("a${EXTEN", scope(VARS, warnings)), "a${EXTEN");
  assert.match(warnings[0] ?? "", /missing '}'/);
});

test("substitute: a ')' inside a substituted function argument does not end the call early", () => {
  assert.equal(substitute("${LEN(${V})}", scope({ V: "a)b" })), "3");
});

test("substring: Asterisk rules table", () => {
  assert.equal(substring("12345", 1), "2345");
  assert.equal(substring("12345", -2), "45");
  assert.equal(substring("12345", 1, -1), "234");
  assert.equal(substring("12345", 4, -3), "");
});
