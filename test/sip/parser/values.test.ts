import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatCSeq,
  formatParams,
  paramValue,
  parseCSeq,
  parseContentLength,
  parseExpires,
  parseMaxForwards,
  parseParams,
} from "../../../src/sip/parser/index.js";

test("parseCSeq: number and method, with extra whitespace", () => {
  assert.deepEqual(parseCSeq("4711 INVITE"), { seq: 4711, method: "INVITE" });
  assert.deepEqual(parseCSeq("  1 \t REGISTER "), { seq: 1, method: "REGISTER" });
  assert.deepEqual(parseCSeq("0 ACK"), { seq: 0, method: "ACK" });
});

test("parseCSeq: RFC 3261 §8.1.1.5 sequence number must be less than 2**31", () => {
  assert.deepEqual(parseCSeq("2147483647 BYE"), { seq: 2147483647, method: "BYE" });
  assert.equal(parseCSeq("2147483648 BYE"), undefined);
  assert.equal(parseCSeq("99999999999999999999 BYE"), undefined);
});

test("parseCSeq: malformed values give undefined", () => {
  for (const s of ["", "INVITE", "1", "-1 INVITE", "1.5 INVITE", "1 IN VITE", "x1 INVITE"]) assert.equal(parseCSeq(s), undefined, s);
});

test("formatCSeq: formats seq and method", () => {
  assert.equal(formatCSeq({ seq: 3, method: "BYE" }), "3 BYE");
});

test("parseExpires: digits, large values clamped to 2**32-1, junk undefined", () => {
  assert.equal(parseExpires(" 3600 "), 3600);
  assert.equal(parseExpires("0"), 0);
  assert.equal(parseExpires("99999999999999"), 2 ** 32 - 1);
  for (const s of ["", "-1", "1h", "3600.0", "Thu, 01 Dec 1994 16:00:00 GMT"]) assert.equal(parseExpires(s), undefined, s);
});

test("parseMaxForwards: 0..255, others undefined", () => {
  assert.equal(parseMaxForwards("70"), 70);
  assert.equal(parseMaxForwards("0"), 0);
  assert.equal(parseMaxForwards("0068"), 68);
  assert.equal(parseMaxForwards("256"), undefined);
  assert.equal(parseMaxForwards("-1"), undefined);
  assert.equal(parseMaxForwards(""), undefined);
});

test("parseContentLength: plain decimal, everything else undefined", () => {
  assert.equal(parseContentLength(" 42 "), 42);
  for (const s of ["", "-1", "+1", "1e3", "4294967296"]) assert.equal(parseContentLength(s), undefined, s);
});

test("parseParams: names lower-cased, flags null, leading ; optional, first duplicate wins", () => {
  assert.deepEqual([...parseParams(";Tag=AbC;lr;X=1;tag=2")], [["tag", "AbC"], ["lr", null], ["x", "1"]]);
  assert.deepEqual([...parseParams("a=b")], [["a", "b"]]);
  assert.equal(parseParams("").size, 0);
});

test("parseParams: malformed input gives an empty map, not an exception", () => {
  assert.equal(parseParams(';a="unterminated').size, 0);
  assert.equal(parseParams(";=x").size, 0);
});

test("formatParams: round trips through parseParams", () => {
  const s = ';branch=z9hG4bK1;rport;+sip.instance="<urn:x>"';
  assert.equal(formatParams(parseParams(s)), s);
  assert.equal(formatParams(new Map()), "");
});

test("paramValue: unquotes quoted values and ignores flags", () => {
  const p = parseParams(';a="x\\"y";b;c=1');
  assert.equal(paramValue(p, "a"), 'x"y');
  assert.equal(paramValue(p, "b"), undefined);
  assert.equal(paramValue(p, "c"), "1");
  assert.equal(paramValue(p, "zz"), undefined);
});
