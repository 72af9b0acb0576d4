import { test } from "node:test";
import assert from "node:assert/strict";
import { CREDENTIALS_QUOTED, formatAuth, parseAuth } from "../../../src/sip/parser/index.js";

const CREDS =
  'Digest username="alice", realm="atlanta.example.test", nonce="84a4cc6f3082121f32b42a2187831a9e", uri="sip:alice@atlanta.example.test", response="7587245234b3434cc3412213e5f113a5432", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41"';

test("parseAuth: Digest credentials give scheme and every param unquoted", () => {
  const a = parseAuth(CREDS);
  assert.ok(a);
  assert.equal(a.scheme, "Digest");
  assert.equal(a.params.get("username"), "alice");
  assert.equal(a.params.get("uri"), "sip:alice@atlanta.example.test");
  assert.equal(a.params.get("algorithm"), "MD5");
  assert.equal(a.params.get("nc"), "00000001");
  assert.equal(a.params.get("opaque"), "5ccc069c403ebaf9f0171e9517f40e41");
  assert.equal(a.params.size, 10);
});

test("parseAuth: commas and escaped quotes inside quoted values", () => {
  const a = parseAuth('Digest realm="a, b", nonce="x\\"y", qop="auth,auth-int"');
  assert.equal(a?.params.get("realm"), "a, b");
  assert.equal(a?.params.get("nonce"), 'x"y');
  assert.equal(a?.params.get("qop"), "auth,auth-int");
});

test("parseAuth: parameter names are lower-cased, no-space commas and odd spacing work", () => {
  const a = parseAuth('Digest USERNAME = "a" ,Realm="b",NC=1');
  assert.deepEqual([...(a?.params ?? [])], [["username", "a"], ["realm", "b"], ["nc", "1"]]);
});

test("parseAuth: scheme alone has no params", () => {
  assert.equal(parseAuth("Digest")?.params.size, 0);
});

const BAD: Array<[string, string]> = [
  ["", "empty"],
  ['Digest realm="x', "unterminated quote"],
  ["Digest realm", "param without value"],
  ['Digest realm="a" nonce="b"', "params without comma"],
  ['Digest realm="a", realm="b"', "repeated param"],
  ["Digest =x", "empty param name"],
  ['Digest"x"', "no space after scheme"],
];
for (const [input, why] of BAD) {
  test(`parseAuth: ${why} gives undefined`, () => {
    assert.equal(parseAuth(input), undefined);
  });
}

test("formatAuth: challenge quotes realm, nonce, opaque, qop; leaves algorithm and stale bare", () => {
  const s = formatAuth({
    scheme: "Digest",
    params: new Map([
      ["realm", "asterisk"],
      ["nonce", "1/2"],
      ["opaque", "o"],
      ["algorithm", "MD5"],
      ["qop", "auth"],
      ["stale", "FALSE"],
    ]),
  });
  assert.equal(s, 'Digest realm="asterisk", nonce="1/2", opaque="o", algorithm=MD5, qop="auth", stale=FALSE');
});

test("formatAuth: credentials with CREDENTIALS_QUOTED round trip through parseAuth", () => {
  const a = parseAuth(CREDS);
  assert.ok(a);
  const s = formatAuth(a, CREDENTIALS_QUOTED);
  assert.ok(s.includes("nc=00000001") && s.includes('uri="sip:alice@atlanta.example.test"'));
  assert.deepEqual(parseAuth(s), a);
});

test("formatAuth: values that are not tokens are quoted and escaped anyway", () => {
  assert.equal(formatAuth({ scheme: "Digest", params: new Map([["x", 'a "b"']]) }), 'Digest x="a \\"b\\""');
});
