import { test } from "node:test";
import assert from "node:assert/strict";
import { formatUri, parseUri } from "../../../src/sip/parser/index.js";

test("parseUri: full SIP URI with user, password, port, params and headers", () => {
  const u = parseUri("sip:alice:secret@atlanta.example.test:5061;transport=TCP;LR?subject=project%20x&priority=urgent");
  assert.ok(u);
  assert.equal(u.scheme, "sip");
  assert.equal(u.user, "alice");
  assert.equal(u.password, "secret");
  assert.equal(u.host, "atlanta.example.test");
  assert.equal(u.port, 5061);
  assert.deepEqual([...u.params], [["transport", "TCP"], ["lr", null]]);
  assert.deepEqual([...u.headers], [["subject", "project%20x"], ["priority", "urgent"]]);
});

test("parseUri: scheme is case-insensitive and lower-cased", () => {
  assert.equal(parseUri("SIPS:bob@example.test")?.scheme, "sips");
});

test("parseUri: escaped user part stays escaped", () => {
  assert.equal(parseUri("sip:%61lice%20x@h")?.user, "%61lice%20x");
});

test("parseUri: user part may carry telephone-subscriber params before @", () => {
  const u = parseUri("sip:+1-212-555-1212;isub=1411;postd=pp22@gw.example.test;user=phone");
  assert.equal(u?.user, "+1-212-555-1212;isub=1411;postd=pp22");
  assert.equal(u?.params.get("user"), "phone");
});

test("parseUri: IPv4 and IPv6 hosts, IPv6 stored without brackets", () => {
  assert.equal(parseUri("sip:192.0.2.1:5060")?.host, "192.0.2.1");
  const v6 = parseUri("sip:u@[2001:db8::1]:5070;transport=udp");
  assert.equal(v6?.host, "2001:db8::1");
  assert.equal(v6?.port, 5070);
  assert.equal(parseUri("sip:[::1]")?.host, "::1");
});

test("parseUri: tel URI keeps the number in host and its parameters", () => {
  const u = parseUri("tel:+1-201-555-0123;phone-context=example.test");
  assert.equal(u?.scheme, "tel");
  assert.equal(u?.host, "+1-201-555-0123");
  assert.equal(u?.params.get("phone-context"), "example.test");
});

test("parseUri: other schemes are opaque absolute URIs that format back", () => {
  const u = parseUri("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
  assert.equal(u?.host, "");
  assert.equal(formatUri(u), "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
});

// Malformed URIs, one reason per row.
const BAD: Array<[string, string]> = [
  ["", "empty"],
  ["sip:", "no host"],
  ["nocolon", "no scheme"],
  ["1sip:h", "scheme starts with a digit"],
  ["sip:u@", "empty host"],
  ["sip:@h", "empty user"],
  ["sip:u@h:port", "non-numeric port"],
  ["sip:u@h:70000", "port above 65535"],
  ["sip:u@h:", "empty port"],
  ["sip:u@[2001:db8::1", "unclosed IPv6 bracket"],
  ["sip:u@[zz::1]", "non-hex IPv6"],
  ["sip:u@h;=x", "empty parameter name"],
  ["sip:u v@h", "space in user"],
  ["sip:u@h;a=\"q\"", "quoted URI parameter"],
  ["sip:u%zz@h", "bad escape"],
  ["sip:u@h!x", "bad host char"],
  ["sip:u@h?=x", "empty URI header name"],
  ["tel:", "empty tel number"],
];

for (const [input, why] of BAD) {
  test(`parseUri: ${why} gives undefined`, () => {
    assert.equal(parseUri(input), undefined);
  });
}

test("formatUri: round trips of representative URIs are exact", () => {
  for (const s of [
    "sip:alice@atlanta.example.test",
    "sips:alice:pw@h:5061;transport=tls;lr",
    "sip:u@[2001:db8::1]:5060;maddr=[2001:db8::2]",
    "sip:h;ob?Subject=x&To=y",
    "sip:%61lice@h",
    "tel:+15551234;phone-context=+1",
  ]) {
    const u = parseUri(s);
    assert.ok(u, s);
    assert.equal(formatUri(u), s);
  }
});

test("formatUri: hand-built IPv6 URI gets brackets", () => {
  assert.equal(formatUri({ scheme: "sip", host: "fe80::1", port: 5060, params: new Map(), headers: new Map() }), "sip:[fe80::1]:5060");
});
