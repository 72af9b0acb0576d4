/**
 * Torture fixtures in the spirit of RFC 4475 (written for this project): valid-but-weird
 * messages must parse to the right values; invalid ones must fail with a reason and, when the
 * transaction headers are readable, return them. The RFC's own messages are tested in
 * rfc4475.test.ts (fixtures in test/fixtures/sip/rfc4475/).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  parseAuth,
  parseContactList,
  parseMessage,
  parseNameAddr,
  parseUri,
  parseVia,
  serializeMessage,
} from "../../../src/sip/parser/index.js";
import { callId, cseq, fromHeader, tagOf, toHeader, topVia } from "../../helpers/sip-accessors.js";
import type { SipMessage } from "../../../src/sip/message/message.js";

const DIR = fileURLToPath(new URL("../../fixtures/sip/", import.meta.url));

function load(name: string): Buffer {
  return readFileSync(DIR + name);
}

function valid(name: string): SipMessage {
  const r = parseMessage(load(name));
  if (!r.ok) assert.fail(`${name}: ${r.reason}`);
  // Every valid fixture also survives serialize → parse with the same content (the serializer
  // adds Content-Length when the datagram had none, so that one header is left out).
  const again = parseMessage(serializeMessage(r.message));
  if (!again.ok) assert.fail(`${name} after round trip: ${again.reason}`);
  const strip = (m: SipMessage): SipMessage => {
    const c = Object.assign(Object.create(Object.getPrototypeOf(m) as object) as SipMessage, m);
    c.headers = m.headers.clone().delete("Content-Length");
    return c;
  };
  assert.deepEqual(strip(again.message), strip(r.message));
  return r.message;
}

const VALID: Record<string, (m: SipMessage) => void> = {
  "valid-wsinv.sip": (m) => {
    assert.equal(m.kind === "request" && m.method, "INVITE");
    assert.equal(parseUri(m.kind === "request" ? m.uri : "")?.user, "bob%41x");
    assert.equal(toHeader(m)?.displayName, "Bob Q. Tester");
    assert.equal(tagOf(fromHeader(m)), "1928301774");
    assert.deepEqual(cseq(m), { seq: 9, method: "INVITE" });
    const vias = m.headers.getAll("Via").map(parseVia);
    assert.equal(vias.length, 2);
    assert.equal(vias[0]?.params.get("branch"), "z9hG4bKwsInv1");
    assert.equal(vias[0]?.params.get("received"), "192.0.2.101");
    assert.equal(vias[1]?.transport, "TCP");
    assert.equal(vias[1]?.params.get("branch"), "z9hG4bKwsInv2");
    assert.equal(m.headers.get("NewFangledHeader"), "newfangled value continued newfangled value");
    assert.equal(m.headers.get("Subject"), "");
    assert.equal(m.headers.get("Max-Forwards"), "0068");
    assert.equal(parseNameAddr(m.headers.get("Contact") ?? "")?.displayName, 'Quoted string ""');
    assert.equal(parseNameAddr(m.headers.get("Route") ?? "")?.uri.params.get("unknown-no-value"), null);
    assert.ok(m.body.toString().startsWith("v=0"));
  },
  "valid-compact-forms.sip": (m) => {
    assert.equal(callId(m), "compact.a84b4c76e66710@pc33.atlanta.example.test");
    assert.equal(topVia(m)?.transport, "TCP");
    assert.deepEqual(m.headers.getAll("Supported"), ["path", "gruu"]);
    assert.equal(m.headers.get("Content-Type"), "text/plain");
    assert.equal(m.body.toString(), "hello");
  },
  "valid-multi-via.sip": (m) => {
    assert.equal(m.kind === "response" && m.status, 180);
    const vias = m.headers.getAll("Via").map(parseVia);
    assert.deepEqual(vias.map((v) => v?.host), ["proxy2.example.test", "proxy1.example.test", "pc33.atlanta.example.test"]);
    assert.equal(vias[0]?.port, 5060);
    assert.equal(vias[2]?.params.get("rport"), "5066");
    assert.equal(m.headers.getAll("Record-Route").length, 2);
  },
  "valid-ipv6.sip": (m) => {
    const ruri = parseUri(m.kind === "request" ? m.uri : "");
    assert.equal(ruri?.host, "2001:db8::10");
    assert.equal(ruri?.port, 5070);
    assert.equal(topVia(m)?.host, "2001:db8::9:1");
    const c = parseContactList(m.headers.getAll("Contact"));
    assert.ok(c && !c.star);
    assert.equal(c.contacts[0]?.uri.host, "2001:db8::9:1");
    assert.equal(c.contacts[0]?.params.get("expires"), "3600");
  },
  "valid-long-values.sip": (m) => {
    assert.equal(m.headers.get("X-Long-Header")?.length, 3000);
    assert.equal(topVia(m)?.params.size, 41);
    assert.equal(cseq(m)?.seq, 2147483647);
    assert.equal(tagOf(fromHeader(m))?.length, 200);
  },
  "valid-quoted-display.sip": (m) => {
    assert.equal(fromHeader(m)?.displayName, 'Smith, Alice; "Al" \\ <boss>');
    assert.equal(tagOf(fromHeader(m)), "q1");
    assert.equal(toHeader(m)?.displayName, "Bob Example");
    const c = parseContactList(m.headers.getAll("Contact"));
    assert.ok(c && !c.star);
    assert.equal(c.contacts.length, 2);
    assert.equal(c.contacts[0]?.displayName, "A, B");
    assert.equal(c.contacts[0]?.params.get("+sip.instance"), '"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>"');
    assert.equal(c.contacts[1]?.params.get("q"), "0.1");
  },
  "valid-escaped-uri.sip": (m) => {
    const ruri = parseUri(m.kind === "request" ? m.uri : "");
    assert.equal(ruri?.user, "%61lice%20smith");
    assert.equal(ruri?.params.get("user"), "phone");
    assert.equal(ruri?.headers.get("Subject"), "hi%20there");
    assert.equal(fromHeader(m)?.uri.user, "+1%2D555");
    assert.equal(tagOf(toHeader(m)), "e2");
    assert.equal(toHeader(m)?.uri.params.size, 0);
  },
  "valid-lf-only.sip": (m) => {
    assert.deepEqual(cseq(m), { seq: 231, method: "BYE" });
    assert.equal(tagOf(toHeader(m)), "lf2");
  },
  "valid-response-trailing-bytes.sip": (m) => {
    assert.equal(m.kind === "response" && m.reason, "");
    assert.equal(m.body.toString(), "body");
  },
  "valid-register-auth.sip": (m) => {
    const a = parseAuth(m.headers.get("Authorization") ?? "");
    assert.equal(a?.params.get("realm"), 'pbx, "main"');
    assert.equal(a?.params.get("nonce"), "5f1a,9c");
    assert.equal(a?.params.get("cnonce"), "x,y");
    assert.equal(a?.params.get("response"), "0123456789abcdef0123456789abcdef");
    assert.equal(a?.params.get("nc"), "00000001");
  },
  "valid-leading-crlf.sip": (m) => {
    assert.equal(m.kind === "request" && m.method, "ACK");
  },
  "valid-no-content-length.sip": (m) => {
    assert.equal(m.body.toString(), "rest of the datagram");
  },
  "valid-tel-and-unknown-scheme.sip": (m) => {
    const ruri = parseUri(m.kind === "request" ? m.uri : "");
    assert.equal(ruri?.scheme, "tel");
    assert.equal(ruri?.params.get("phone-context"), "example.test");
    assert.equal(toHeader(m)?.uri.host, "+1-201-555-0123");
    assert.equal(parseNameAddr(m.headers.get("Call-Info") ?? "")?.uri.scheme, "http");
  },
};

// [reason pattern, whether Call-ID is readable in the returned headers]
const INVALID: Record<string, [RegExp, boolean]> = {
  "invalid-start-line.sip": [/malformed request line/, true],
  "invalid-garbage-start-line.sip": [/malformed start line/, true],
  "invalid-version.sip": [/unsupported SIP version/, true],
  "invalid-status-code.sip": [/malformed status code/, true],
  "invalid-missing-call-id.sip": [/missing Call-ID header/, false],
  "invalid-cseq-method-mismatch.sip": [/CSeq method does not match/, true],
  "invalid-negative-content-length.sip": [/invalid Content-Length/, true],
  "invalid-huge-content-length.sip": [/invalid Content-Length/, true],
  "invalid-content-length-larger.sip": [/Content-Length larger than body/, true],
  "invalid-duplicate-content-length.sip": [/conflicting Content-Length/, true],
  "invalid-non-numeric-port.sip": [/invalid Request-URI/, true],
  "invalid-unterminated-quote.sip": [/unterminated quoted string in From/, true],
  "invalid-nul-byte.sip": [/NUL byte/, true],
  "invalid-2000-headers.sip": [/too many headers/, true],
  "invalid-cseq-too-large.sip": [/invalid CSeq/, true],
  "invalid-multiple-call-id.sip": [/multiple Call-ID headers/, true],
  "invalid-header-without-colon.sip": [/malformed header line/, true],
  "invalid-no-empty-line.sip": [/no empty line/, true],
  "invalid-unbracketed-request-uri.sip": [/invalid Request-URI/, true],
};

test("fixtures: every .sip file has an expectation", () => {
  for (const f of readdirSync(DIR).filter((n) => n.endsWith(".sip"))) {
    assert.ok(f in VALID || f in INVALID, `no expectation for ${f}`);
  }
});

test("fixtures: CRLF line ends are preserved in the files", () => {
  assert.ok(load("valid-wsinv.sip").includes("\r\n"));
});

for (const [name, check] of Object.entries(VALID)) {
  test(`fixtures: ${name} parses with the expected values`, () => check(valid(name)));
}

for (const [name, [reason, readable]] of Object.entries(INVALID)) {
  test(`fixtures: ${name} fails with a meaningful reason`, () => {
    const r = parseMessage(load(name));
    if (r.ok) assert.fail("expected failure");
    assert.match(r.reason, reason);
    assert.ok(r.headers);
    if (readable) {
      assert.equal(r.headers.get("Call-ID"), "bad.1@atlanta.example.test");
      assert.ok(r.headers.get("Via")?.includes("z9hG4bKbad"));
    }
  });
}
