import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateExpression } from "../../../src/pbx/dialplan/expression.js";

/** [expression, result, warns?] — Asterisk's $[...] semantics. */
const ROWS: Array<[string, string, boolean?]> = [
  ["1 + 2", "3"],
  ["1+2", "3"], // operators need no spaces
  ["2 * 3 + 4", "10"], // * binds tighter than +
  ["2 * (3 + 4)", "14"],
  ["10 - 2 - 3", "5"], // left associative
  ["7 / 2", "3.5"], // division is floating point
  ["-7 % 3", "-1"],
  ["- 5 + 2", "-3"], // unary minus
  ["1 = 1", "1"],
  ["1 == 1", "1"],
  ["01 = 1", "1"], // both numbers: numeric comparison
  ["abc = abc", "1"],
  ['"abc" = abc', "1"], // quotes are removed from strings
  ["abc != abd", "1"],
  ["10 < 9", "0"], // numeric
  ["10 < 9a", "1"], // one side is a string: string comparison
  ["b > a", "1"],
  ["3 <= 3", "1"],
  ["3 >= 4", "0"],
  ["1 | 0", "1"],
  ["0 | 5", "5"], // | returns the first non-zero, non-empty operand
  ['"" | x', "x"],
  ["a & b", "a"], // & returns the left operand when both are true
  ["a & 0", "0"],
  ["!0", "1"],
  ["!5", "0"],
  ['!""', "1"],
  ["1 = 1 & 2 = 2", "1"], // comparison binds tighter than &
  ["0 | 1 & 0", "0"], // & binds tighter than |
  ["1 ? yes :: no", "yes"], // Asterisk's ternary uses '::'
  ["0 ? yes :: no", "no"],
  ["1 = 2 ? a :: b", "b"],
  ["abcde : ab", "2"], // ':' anchored regex: length of the match
  ["abcde : cd", "0"],
  ['abcde : "a(..)"', "bc"], // with a group: the group (parentheses must be quoted)
  ["abcde : a(..)", "", true], // unquoted, they are grouping: a syntax error
  ["abcde =~ cd", "2"], // '=~' not anchored
  ['5551234 : "555(.*)"', "1234"],
  ['5551234 : "9(.*)"', ""], // a group that does not match gives ""
  ["(1 + 2) * 3", "9"],
  ["", ""], // empty expression
  ["  ", ""],
  ["1 / 0", "2147483647", true], // division by zero warns (Asterisk returns INT_MAX)
  ["a + 1", "1", true], // non-numeric operand is dropped with a warning
  ["a * 2", "0", true],
  ["- abc", "0", true],
  ["1 +", "", true], // syntax error: warning, empty result
  ["(1 + 2", "", true],
  ["1 ? 2", "", true],
  [")", "", true],
  ['abc : "("', "0", true], // bad regex
  ["1.5 + 1.25", "2.75"],
  ["0.1 + 0.2", "0.3"], // no binary noise in the text
];

for (const [expr, expected, warns] of ROWS) {
  test(`expression: $[${expr}] is '${expected}'${warns ? " with a warning" : ""}`, () => {
    const warnings: string[] = [];
    assert.equal(evaluateExpression(expr, (m) => warnings.push(m)), expected);
    assert.equal(warnings.length > 0, warns ?? false, `warnings: ${warnings.join("; ")}`);
  });
}

test("expression: deeply nested junk warns instead of overflowing the stack", () => {
  const warnings: string[] = [];
  assert.equal(evaluateExpression("(".repeat(100_000) + "1", (m) => warnings.push(m)), "");
  assert.match(warnings[0] ?? "", /nested too deeply/);
});

test("expression: a long unary chain warns instead of overflowing the stack", () => {
  const warnings: string[] = [];
  assert.equal(evaluateExpression("!".repeat(50_000) + "1", (m) => warnings.push(m)), "");
  assert.equal(warnings.length, 1);
});
