import { test } from "node:test";
import assert from "node:assert/strict";
import {
  dottedMaskToPrefix,
  parseAsteriskBool,
  parseCidr,
  parseHostPort,
  parseMatchItem,
  parsePasswordDigest,
} from "../../../src/config/schema/values.js";
import { applyCodecLine, type CodecPreference } from "../../../src/config/schema/codecs.js";
import { suggestNames } from "../../../src/config/schema/suggest.js";

test("schema values: Asterisk booleans accept yes/no, true/false, on/off, y/n, 1/0 in any case", () => {
  for (const t of ["yes", "YES", "true", "on", "y", "1", "t"]) assert.equal(parseAsteriskBool(t), true, t);
  for (const f of ["no", "False", "off", "n", "0", "f"]) assert.equal(parseAsteriskBool(f), false, f);
  for (const x of ["", "maybe", "2", "yess"]) assert.equal(parseAsteriskBool(x), undefined, x);
});

const CIDR_CASES: Array<[string, ReturnType<typeof parseCidr>]> = [
  ["192.168.0.0/16", { address: "192.168.0.0", prefixLength: 16, family: 4 }],
  ["192.168.0.0/255.255.0.0", { address: "192.168.0.0", prefixLength: 16, family: 4 }], // dotted mask
  ["10.0.0.1", { address: "10.0.0.1", prefixLength: 32, family: 4 }], // a host
  ["2001:db8::/32", { address: "2001:db8::", prefixLength: 32, family: 6 }],
];
for (const [text, expected] of CIDR_CASES) {
  test(`schema values: local_net item ${text} parses`, () => assert.deepEqual(parseCidr(text), expected));
}

test("schema values: invalid networks return advice", () => {
  assert.match(parseCidr("192.168.0.0/33") as string, /prefix length \(0-32\)/);
  assert.match(parseCidr("192.168.0.0/255.0.255.0") as string, /dotted mask/); // non-contiguous
  assert.match(parseCidr("example.com/24") as string, /not an IPv4 or IPv6 address/);
  assert.equal(dottedMaskToPrefix("255.255.255.255"), 32);
  assert.equal(dottedMaskToPrefix("0.0.0.0"), 0);
});

test("schema values: bind accepts IPv4/IPv6 with and without port", () => {
  assert.deepEqual(parseHostPort("0.0.0.0"), { host: "0.0.0.0", port: 0 });
  assert.deepEqual(parseHostPort("0.0.0.0:5070"), { host: "0.0.0.0", port: 5070 });
  assert.deepEqual(parseHostPort("[::]:5060"), { host: "::", port: 5060 });
  assert.deepEqual(parseHostPort("[::1]"), { host: "::1", port: 0 });
  assert.deepEqual(parseHostPort("::"), { host: "::", port: 0 });
  assert.equal(typeof parseHostPort("0.0.0.0:0"), "string");
  assert.equal(typeof parseHostPort("pbx.example.com:5060"), "string");
});

const MATCH_CASES: Array<[string, ReturnType<typeof parseMatchItem>]> = [
  ["198.51.100.1", { kind: "ip", address: "198.51.100.1", prefixLength: 32, family: 4 }],
  ["198.51.100.0/24", { kind: "ip", address: "198.51.100.0", prefixLength: 24, family: 4 }],
  ["198.51.100.0/255.255.255.0", { kind: "ip", address: "198.51.100.0", prefixLength: 24, family: 4 }],
  ["198.51.100.1:5060", { kind: "ip", address: "198.51.100.1", prefixLength: 32, family: 4, port: 5060 }],
  ["198.51.100.0:5060/24", { kind: "ip", address: "198.51.100.0", prefixLength: 24, family: 4, port: 5060 }],
  ["2001:db8::1", { kind: "ip", address: "2001:db8::1", prefixLength: 128, family: 6 }],
  ["2001:db8::/64", { kind: "ip", address: "2001:db8::", prefixLength: 64, family: 6 }],
  ["[2001:db8::1]:5060", { kind: "ip", address: "2001:db8::1", prefixLength: 128, family: 6, port: 5060 }],
  ["sip.example.com", { kind: "host", host: "sip.example.com" }], // resolved later, not here
  ["sip.example.com:5080", { kind: "host", host: "sip.example.com", port: 5080 }],
];
for (const [text, expected] of MATCH_CASES) {
  test(`schema values: identify match item ${text} parses`, () => assert.deepEqual(parseMatchItem(text), expected));
}

test("schema values: invalid identify match items return a reason", () => {
  assert.equal(typeof parseMatchItem("sip.example.com/24"), "string"); // mask on a host name
  assert.equal(typeof parseMatchItem("bad host!"), "string");
  assert.equal(typeof parseMatchItem("1.2.3.4:70000"), "string");
});

test("schema values: password_digest needs ALG:hash of the right length", () => {
  assert.deepEqual(parsePasswordDigest("MD5:43a8d9be3da524f9a59ca0593d7b1b5d"), { algorithm: "MD5", hash: "43a8d9be3da524f9a59ca0593d7b1b5d" });
  assert.deepEqual(parsePasswordDigest(`sha-256:${"a".repeat(64)}`), { algorithm: "SHA-256", hash: "a".repeat(64) });
  assert.match(parsePasswordDigest("SHA1:abcd") as string, /MD5, SHA-256 or SHA-512-256/);
  assert.match(parsePasswordDigest("MD5:abcd") as string, /32 hexadecimal digits/);
});

function codecs(lines: Array<["allow" | "disallow", string]>): CodecPreference[] | string {
  let list: CodecPreference[] = [];
  for (const [sense, raw] of lines) {
    const r = applyCodecLine(raw, list, sense);
    if (!r.ok) return r.reason;
    list = r.value;
  }
  return list;
}

test("schema codecs: allow order is preference order across lines and separators", () => {
  assert.deepEqual(codecs([["disallow", "all"], ["allow", "g722, ulaw|alaw"], ["allow", "opus"]]), [
    { name: "g722" }, { name: "ulaw" }, { name: "alaw" }, { name: "opus" },
  ]);
});

test("schema codecs: disallow=all clears, !codec inverts, codec:ptime keeps the ptime", () => {
  assert.deepEqual(codecs([["allow", "ulaw,alaw"], ["disallow", "all"]]), []);
  assert.deepEqual(codecs([["allow", "ulaw,alaw,!ulaw"]]), [{ name: "alaw" }]);
  assert.deepEqual(codecs([["allow", "ulaw:30"]]), [{ name: "ulaw", ptime: 30 }]);
  assert.deepEqual(codecs([["allow", "ulaw"], ["allow", "alaw"], ["allow", "ulaw:20"]]), [{ name: "ulaw", ptime: 20 }, { name: "alaw" }]);
});

test("schema codecs: allow=all adds every known codec, disallow removes one", () => {
  const all = codecs([["allow", "all"], ["disallow", "g729"]]);
  assert.ok(Array.isArray(all));
  assert.equal(all[0]?.name, "ulaw");
  assert.ok(!all.some((c) => c.name === "g729"));
  assert.ok(all.some((c) => c.name === "h264"));
});

test("schema codecs: an unknown codec is rejected with suggestions", () => {
  assert.equal(codecs([["allow", "ulow"]]), "Cannot allow unknown format 'ulow'; did you mean 'ulaw' or 'alaw'?");
  assert.match(codecs([["disallow", "zzzzzzzz"]]) as string, /^Cannot disallow unknown format 'zzzzzzzz'; known codecs: ulaw, alaw/);
});

test("schema suggest: close names first, far names never", () => {
  assert.deepEqual(suggestNames("rtpsymmetric", ["rtp_symmetric", "rtp_ipv6", "context"]), ["rtp_symmetric"]);
  assert.deepEqual(suggestNames("max_contact", ["max_contacts", "contact"]), ["max_contacts"]);
  assert.deepEqual(suggestNames("zzzz", ["context"]), []);
});
