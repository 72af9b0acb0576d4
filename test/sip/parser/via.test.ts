import { test } from "node:test";
import assert from "node:assert/strict";
import { formatVia, parseVia } from "../../../src/sip/parser/index.js";

test("parseVia: host, port, branch, received and flag rport", () => {
  const v = parseVia("SIP/2.0/UDP pc33.example.test:5066;branch=z9hG4bK776;received=192.0.2.1;rport");
  assert.ok(v);
  assert.equal(v.protocol, "SIP/2.0");
  assert.equal(v.transport, "UDP");
  assert.equal(v.host, "pc33.example.test");
  assert.equal(v.port, 5066);
  assert.equal(v.params.get("branch"), "z9hG4bK776");
  assert.equal(v.params.get("received"), "192.0.2.1");
  assert.equal(v.params.get("rport"), null);
});

test("parseVia: IPv6 sent-by without brackets, received IPv6 value", () => {
  const v = parseVia("SIP/2.0/TCP [2001:db8::9]:5060;received=2001:db8::1;branch=z9hG4bKx");
  assert.equal(v?.host, "2001:db8::9");
  assert.equal(v?.port, 5060);
  assert.equal(v?.params.get("received"), "2001:db8::1");
});

test("parseVia: whitespace variants of sent-protocol and sent-by", () => {
  const v = parseVia("  sip / 2.0 / udp   host.example.test : 5060 ; branch = z9hG4bK1 ");
  assert.equal(v?.protocol, "SIP/2.0");
  assert.equal(v?.transport, "UDP");
  assert.equal(v?.port, 5060);
  assert.equal(v?.params.get("branch"), "z9hG4bK1");
});

test("parseVia: no port leaves port undefined", () => {
  assert.equal(parseVia("SIP/2.0/WSS abc.invalid;branch=z9hG4bKw")?.port, undefined);
});

const BAD: Array<[string, string]> = [
  ["", "empty"],
  ["SIP/2.0 host", "missing transport"],
  ["SIP/2.0/UDP", "missing sent-by"],
  ["SIP/2.0/UDPhost", "no space before sent-by"],
  ["SIP/2.0/UDP host:abc", "non-numeric port"],
  ["SIP/2.0/UDP host:99999", "port too large"],
  ["SIP/2.0/UDP [::1;branch=x", "unclosed IPv6"],
  ["SIP/2.0/UDP host junk", "junk after sent-by"],
  ["SIP/2.0/UDP host;branch=\"x", "unterminated quoted param"],
];
for (const [input, why] of BAD) {
  test(`parseVia: ${why} gives undefined`, () => {
    assert.equal(parseVia(input), undefined);
  });
}

test("formatVia: brackets IPv6 and round trips", () => {
  for (const s of ["SIP/2.0/UDP h.example.test:5060;branch=z9hG4bK1;rport", "SIP/2.0/TLS [2001:db8::1];branch=z9hG4bK2;received=192.0.2.1", "SIP/2.0/TCP h"]) {
    const v = parseVia(s);
    assert.ok(v, s);
    assert.equal(formatVia(v), s);
  }
});
