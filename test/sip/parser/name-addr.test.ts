import { test } from "node:test";
import assert from "node:assert/strict";
import { formatNameAddr, parseContactList, parseNameAddr } from "../../../src/sip/parser/index.js";

test("parseNameAddr: quoted display name with escaped quotes is unescaped", () => {
  const n = parseNameAddr('"Display \\"quoted\\"" <sip:a@h>;tag=x');
  assert.equal(n?.displayName, 'Display "quoted"');
  assert.equal(n?.uri.user, "a");
  assert.equal(n?.params.get("tag"), "x");
});

test("parseNameAddr: token display name keeps words with single spaces", () => {
  const n = parseNameAddr("Display   Name <sip:a@h>");
  assert.equal(n?.displayName, "Display Name");
});

test("parseNameAddr: angle-bracket form without display name", () => {
  const n = parseNameAddr("<sip:a@h;transport=tcp>;expires=60");
  assert.equal(n?.displayName, undefined);
  assert.equal(n?.uri.params.get("transport"), "tcp");
  assert.equal(n?.params.get("expires"), "60");
});

test("parseNameAddr: RFC 3261 §20 bare addr-spec params belong to the header, not the URI", () => {
  const n = parseNameAddr("sip:a@b;tag=x");
  assert.equal(n?.uri.params.size, 0);
  assert.equal(n?.params.get("tag"), "x");
});

test("parseNameAddr: semicolons, commas and angle brackets inside quotes do not split", () => {
  const n = parseNameAddr('"a;b, <c>" <sip:a@h>;tag=1');
  assert.equal(n?.displayName, "a;b, <c>");
  assert.equal(n?.params.get("tag"), "1");
});

test("parseNameAddr: quoted header parameter is kept with its quotes", () => {
  const n = parseNameAddr('<sip:a@h>;+sip.instance="<urn:uuid:1;2>";reg-id=1');
  assert.equal(n?.params.get("+sip.instance"), '"<urn:uuid:1;2>"');
  assert.equal(n?.params.get("reg-id"), "1");
});

test("parseNameAddr: whitespace around ; and = in header params is accepted", () => {
  assert.equal(parseNameAddr("<sip:a@h> ; tag = abc ")?.params.get("tag"), "abc");
});

// Malformed values, one reason per row.
const BAD: Array<[string, string]> = [
  ["", "empty"],
  ['"unterminated <sip:a@h>', "unterminated quote"],
  ['"name" sip:a@h', "quoted name without angle brackets"],
  ["<sip:a@h", "missing >"],
  ["<not a uri>", "bad URI"],
  ["<sip:a@h> junk", "junk after the URI"],
  ["Bad\"Name <sip:a@h>", "quote inside token display name"],
  ["sip:a@h,sip:b@h", "comma in addr-spec"],
];
for (const [input, why] of BAD) {
  test(`parseNameAddr: ${why} gives undefined`, () => {
    assert.equal(parseNameAddr(input), undefined);
  });
}

test("formatNameAddr: always uses <>, quotes display names only when needed", () => {
  const plain = parseNameAddr("sip:a@h;tag=1");
  assert.equal(formatNameAddr(plain!), "<sip:a@h>;tag=1");
  assert.equal(formatNameAddr({ displayName: "Alice", uri: plain!.uri, params: new Map() }), "Alice <sip:a@h>");
  assert.equal(formatNameAddr({ displayName: 'Al "B", C', uri: plain!.uri, params: new Map() }), '"Al \\"B\\", C" <sip:a@h>');
  assert.equal(formatNameAddr({ displayName: "Jürgen", uri: plain!.uri, params: new Map() }), '"Jürgen" <sip:a@h>');
});

test("formatNameAddr: parse → format → parse keeps every field", () => {
  for (const s of ['"A \\\\ \\"b\\"" <sips:x@[::1]:5061;lr>;tag=9;q=0.5', "Bob <sip:b@h>", "<tel:+123>;x"]) {
    const a = parseNameAddr(s);
    assert.ok(a, s);
    assert.deepEqual(parseNameAddr(formatNameAddr(a)), a);
  }
});

test("parseContactList: * alone is a star contact", () => {
  assert.deepEqual(parseContactList(["*"]), { star: true });
  assert.deepEqual(parseContactList([" * "]), { star: true });
});

test("parseContactList: * mixed with other contacts is malformed", () => {
  assert.equal(parseContactList(["*", "<sip:a@h>"]), undefined);
  assert.equal(parseContactList(["*", "*"]), undefined);
});

test("parseContactList: list of contacts parses each, a bad one fails the list", () => {
  const l = parseContactList(['"A, B" <sip:a@h>;expires=10', "sip:b@h;q=0.1"]);
  assert.ok(l && !l.star);
  assert.equal(l.contacts.length, 2);
  assert.equal(l.contacts[1]?.params.get("q"), "0.1");
  assert.equal(parseContactList(["<sip:a@h>", "<bad"]), undefined);
  assert.deepEqual(parseContactList([]), { star: false, contacts: [] });
});
