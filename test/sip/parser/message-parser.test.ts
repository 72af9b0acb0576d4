import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_PARSE_LIMITS, parseMessage } from "../../../src/sip/parser/index.js";
import type { ParseResult } from "../../../src/sip/parser/index.js";
import type { SipMessage } from "../../../src/sip/message/message.js";
import { INVITE_WITH_SDP, REGISTER_WITH_AUTH, RESPONSE_200, lines } from "./sample-messages.js";

const TXN = [
  "Via: SIP/2.0/UDP host.example.test;branch=z9hG4bK1",
  "From: <sip:a@example.test>;tag=1",
  "To: <sip:b@example.test>",
  "Call-ID: c1@example.test",
];

function ok(r: ParseResult): SipMessage {
  if (!r.ok) assert.fail(`expected ok, got: ${r.reason}`);
  return r.message;
}

function failed(r: ParseResult): Extract<ParseResult, { ok: false }> {
  if (r.ok) assert.fail("expected a parse failure");
  return r;
}

function req(head: string[], body = ""): Buffer {
  return Buffer.from(lines(...head, "", body));
}

test("parseMessage: REGISTER request gives method, URI, headers in order and empty body", () => {
  const m = ok(parseMessage(REGISTER_WITH_AUTH));
  assert.equal(m.kind, "request");
  if (m.kind !== "request") return;
  assert.equal(m.method, "REGISTER");
  assert.equal(m.uri, "sip:pbx.example.test");
  assert.equal(m.version, "SIP/2.0");
  assert.equal(m.headers.fields[0]?.name, "Via");
  assert.equal(m.headers.get("call-id"), "NjY0ZDQ2MWM3ZWEzYjE0ZjA1YTY@192.0.2.50");
  assert.equal(m.headers.getAll("Allow").length, 10);
  assert.equal(m.body.length, 0);
});

test("parseMessage: INVITE body is exactly Content-Length bytes", () => {
  const m = ok(parseMessage(INVITE_WITH_SDP));
  assert.ok(m.body.toString().startsWith("v=0\r\n"));
  assert.equal(m.body.length, Number(m.headers.get("Content-Length")));
});

test("parseMessage: status line gives status and reason phrase", () => {
  const m = ok(parseMessage(RESPONSE_200));
  assert.equal(m.kind, "response");
  if (m.kind !== "response") return;
  assert.equal(m.status, 200);
  assert.equal(m.reason, "OK");
  assert.equal(m.headers.getAll("Via").length, 2);
});

test("parseMessage: reason phrase with spaces and empty reason phrase are kept", () => {
  const a = ok(parseMessage(req(["SIP/2.0 481 Call/Transaction Does Not Exist", ...TXN, "CSeq: 1 BYE"])));
  assert.equal(a.kind === "response" && a.reason, "Call/Transaction Does Not Exist");
  const b = ok(parseMessage(req(["SIP/2.0 180", ...TXN, "CSeq: 1 INVITE"])));
  assert.equal(b.kind === "response" && b.reason, "");
});

test("parseMessage: SIP-Version is matched case-insensitively", () => {
  const m = ok(parseMessage(req(["OPTIONS sip:x@example.test sip/2.0", ...TXN, "CSeq: 1 OPTIONS"])));
  assert.equal(m.version, "SIP/2.0");
});

test("parseMessage: RFC 3261 §7.5 leading CRLFs before the start line are ignored", () => {
  const m = ok(parseMessage(Buffer.concat([Buffer.from("\r\n\r\n\n"), REGISTER_WITH_AUTH])));
  assert.equal(m.kind === "request" && m.method, "REGISTER");
});

test("parseMessage: bare LF line endings parse like CRLF", () => {
  const m = ok(parseMessage(Buffer.from(["OPTIONS sip:x@example.test SIP/2.0", ...TXN, "CSeq: 1 OPTIONS", "", ""].join("\n"))));
  assert.equal(m.headers.get("CSeq"), "1 OPTIONS");
});

test("parseMessage: folded header lines are unfolded into one SP", () => {
  const m = ok(parseMessage(req(["OPTIONS sip:x@example.test SIP/2.0", ...TXN, "CSeq: 1", "\t  OPTIONS", "Subject: a  ", "   b", " c"])));
  assert.equal(m.headers.get("CSeq"), "1 OPTIONS");
  assert.equal(m.headers.get("Subject"), "a b c");
});

test("parseMessage: compact forms and odd name case map to canonical names", () => {
  const m = ok(
    parseMessage(req(["OPTIONS sip:x@example.test SIP/2.0", "v: SIP/2.0/UDP h;branch=z9hG4bK2", "f: <sip:a@h>;tag=1", "t: <sip:b@h>", "i: abc", "cseq : 1 OPTIONS", "X-CUSTOM  :  v"])),
  );
  assert.deepEqual(
    m.headers.fields.map((f) => f.name),
    ["Via", "From", "To", "Call-ID", "CSeq", "X-Custom"],
  );
  assert.equal(m.headers.get("X-Custom"), "v");
});

test("parseMessage: empty header values are kept as empty strings", () => {
  const m = ok(parseMessage(req(["OPTIONS sip:x@example.test SIP/2.0", ...TXN, "CSeq: 1 OPTIONS", "Subject:", "Organization:   "])));
  assert.equal(m.headers.get("Subject"), "");
  assert.equal(m.headers.get("Organization"), "");
});

test("parseMessage: datagram body longer than Content-Length is truncated", () => {
  const m = ok(parseMessage(req(["MESSAGE sip:x@example.test SIP/2.0", ...TXN, "CSeq: 1 MESSAGE", "Content-Length: 3"], "abcdef")));
  assert.equal(m.body.toString(), "abc");
});

test("parseMessage: missing Content-Length on a datagram takes the rest as body", () => {
  const m = ok(parseMessage(req(["MESSAGE sip:x@example.test SIP/2.0", ...TXN, "CSeq: 1 MESSAGE"], "abcdef")));
  assert.equal(m.body.toString(), "abcdef");
});

test("parseMessage: equal duplicate Content-Length headers are accepted", () => {
  const m = ok(parseMessage(req(["MESSAGE sip:x@example.test SIP/2.0", ...TXN, "CSeq: 1 MESSAGE", "Content-Length: 2", "l: 2"], "ab")));
  assert.equal(m.body.toString(), "ab");
});

test("parseMessage: non-UTF-8 bytes in header values do not crash and the body stays binary", () => {
  const head = Buffer.from(lines("MESSAGE sip:x@example.test SIP/2.0", ...TXN, "CSeq: 1 MESSAGE", "Subject: caf", ""));
  const buf = Buffer.concat([head.subarray(0, head.length - 2), Buffer.from([0xe9, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0xff, 0x80])]);
  const m = ok(parseMessage(buf));
  assert.ok(m.headers.get("Subject")?.startsWith("caf"));
  assert.deepEqual([...m.body], [0x00, 0xff, 0x80]);
});

test("parseMessage: UTF-8 display names decode as UTF-8", () => {
  const m = ok(parseMessage(req(["OPTIONS sip:x@example.test SIP/2.0", ...TXN.slice(0, 1), 'From: "Jürgen" <sip:j@h>;tag=1', ...TXN.slice(2), "CSeq: 1 OPTIONS"])));
  assert.equal(m.headers.get("From"), '"Jürgen" <sip:j@h>;tag=1');
});

test("parseMessage: a response without mandatory headers is refused too", () => {
  const r = failed(parseMessage(req(["SIP/2.0 200 OK", "Call-ID: x"])));
  assert.match(r.reason, /missing Via/);
  assert.equal(r.isRequest, false);
});

// Table of invalid inputs: [what is wrong, head lines, body, expected reason].
const INVALID: Array<[string, string[], string, RegExp]> = [
  ["no space in start line", ["GARBAGE", ...TXN, "CSeq: 1 X"], "", /malformed start line/],
  ["method is not a token", ["INV@ITE sip:x@h SIP/2.0", ...TXN, "CSeq: 1 INVITE"], "", /malformed request method/],
  ["two-part request line", ["INVITE SIP/2.0", ...TXN, "CSeq: 1 INVITE"], "", /malformed request line/],
  ["unsupported version", ["INVITE sip:x@h SIP/3.0", ...TXN, "CSeq: 1 INVITE"], "", /unsupported SIP version/],
  ["status code below 100", ["SIP/2.0 099 X", ...TXN, "CSeq: 1 INVITE"], "", /malformed status code/],
  ["status code above 699", ["SIP/2.0 700 X", ...TXN, "CSeq: 1 INVITE"], "", /malformed status code/],
  ["status code not numeric", ["SIP/2.0 2x0 X", ...TXN, "CSeq: 1 INVITE"], "", /malformed status code/],
  ["response with bad version", ["SIP/2.1 200 OK", ...TXN, "CSeq: 1 INVITE"], "", /unsupported SIP version/],
  ["Request-URI not a URI", ["INVITE nocolon SIP/2.0", ...TXN, "CSeq: 1 INVITE"], "", /invalid Request-URI/],
  ["missing Via", ["INVITE sip:x@h SIP/2.0", ...TXN.slice(1), "CSeq: 1 INVITE"], "", /missing Via header/],
  ["missing From", ["INVITE sip:x@h SIP/2.0", TXN[0] ?? "", ...TXN.slice(2), "CSeq: 1 INVITE"], "", /missing From header/],
  ["missing To", ["INVITE sip:x@h SIP/2.0", ...TXN.slice(0, 2), TXN[3] ?? "", "CSeq: 1 INVITE"], "", /missing To header/],
  ["missing CSeq", ["INVITE sip:x@h SIP/2.0", ...TXN], "", /missing CSeq header/],
  ["empty Call-ID", ["INVITE sip:x@h SIP/2.0", ...TXN.slice(0, 3), "Call-ID:", "CSeq: 1 INVITE"], "", /missing Call-ID header/],
  ["CSeq without method", ["INVITE sip:x@h SIP/2.0", ...TXN, "CSeq: 1"], "", /invalid CSeq/],
  ["CSeq negative", ["INVITE sip:x@h SIP/2.0", ...TXN, "CSeq: -1 INVITE"], "", /invalid CSeq/],
  ["CSeq method differs", ["ACK sip:x@h SIP/2.0", ...TXN, "CSeq: 1 INVITE"], "", /CSeq method does not match/],
  ["Content-Length not numeric", ["MESSAGE sip:x@h SIP/2.0", ...TXN, "CSeq: 1 MESSAGE", "Content-Length: ten"], "", /invalid Content-Length/],
  ["Content-Length larger than body", ["MESSAGE sip:x@h SIP/2.0", ...TXN, "CSeq: 1 MESSAGE", "Content-Length: 10"], "abc", /Content-Length larger than body/],
  ["conflicting Content-Length", ["MESSAGE sip:x@h SIP/2.0", ...TXN, "CSeq: 1 MESSAGE", "Content-Length: 3", "Content-Length: 2"], "abc", /conflicting Content-Length/],
  ["duplicate To", ["INVITE sip:x@h SIP/2.0", ...TXN, "To: <sip:c@h>", "CSeq: 1 INVITE"], "", /multiple To headers/],
  ["header name with space", ["INVITE sip:x@h SIP/2.0", ...TXN, "CSeq: 1 INVITE", "Bad Name: x"], "", /malformed header line/],
  ["continuation before any header", ["INVITE sip:x@h SIP/2.0", " folded", ...TXN, "CSeq: 1 INVITE"], "", /continuation line before first header/],
  ["unterminated quote in To", ["INVITE sip:x@h SIP/2.0", ...TXN.slice(0, 2), 'To: "Bob <sip:b@h>', TXN[3] ?? "", "CSeq: 1 INVITE"], "", /unterminated quoted string in To/],
];

for (const [what, head, body, reason] of INVALID) {
  test(`parseMessage: ${what} fails with a reason`, () => {
    const r = failed(parseMessage(req(head, body)));
    assert.match(r.reason, reason);
    assert.ok(r.headers !== undefined, "headers are returned");
  });
}

test("parseMessage: failure keeps transaction headers, isRequest and method for a 400 answer", () => {
  const r = failed(parseMessage(req(["INVITE sip:x@h SIP/2.0", ...TXN, "CSeq: 1 BYE"])));
  assert.equal(r.isRequest, true);
  assert.equal(r.method, "INVITE");
  assert.equal(r.headers?.get("Call-ID"), "c1@example.test");
  assert.equal(r.headers?.get("Via"), TXN[0]?.slice(5));
});

test("parseMessage: empty and CRLF-only input fail as empty message", () => {
  assert.match(failed(parseMessage(Buffer.alloc(0))).reason, /empty message/);
  assert.match(failed(parseMessage(Buffer.from("\r\n\r\n"))).reason, /empty message/);
});

test("parseMessage: message above maxMessageBytes fails and still returns headers", () => {
  const r = failed(parseMessage(req(["MESSAGE sip:x@h SIP/2.0", ...TXN, "CSeq: 1 MESSAGE"], "x".repeat(70000))));
  assert.equal(r.reason, "message exceeds 65535 bytes");
  assert.equal(r.headers?.get("CSeq"), "1 MESSAGE");
});

test("parseMessage: custom limits apply to header count, line length and header section", () => {
  const many = Array.from({ length: 20 }, (_, i) => `X-N: ${i}`);
  assert.equal(failed(parseMessage(req(["OPTIONS sip:x@h SIP/2.0", ...TXN, "CSeq: 1 OPTIONS", ...many]), { maxHeaders: 10 })).reason, "too many headers (limit 10)");
  const long = `X-Long: ${"a".repeat(200)}`;
  assert.equal(failed(parseMessage(req(["OPTIONS sip:x@h SIP/2.0", ...TXN, "CSeq: 1 OPTIONS", long]), { maxLineBytes: 100 })).reason, "header line exceeds 100 bytes");
  const r = failed(parseMessage(req(["OPTIONS sip:x@h SIP/2.0", ...TXN, "CSeq: 1 OPTIONS", ...many]), { maxHeaderBytes: 200 }));
  assert.equal(r.reason, "header section exceeds 200 bytes");
  assert.equal(r.headers?.get("Call-ID"), "c1@example.test");
});

test("parseMessage: DEFAULT_PARSE_LIMITS holds the documented values", () => {
  assert.deepEqual({ ...DEFAULT_PARSE_LIMITS }, { maxMessageBytes: 65535, maxHeaders: 128, maxHeaderBytes: 16384, maxLineBytes: 8192 });
});

test("parseMessage: NUL in the header section fails, NUL in the body is fine", () => {
  const bad = req(["OPTIONS sip:x@h SIP/2.0", ...TXN, "CSeq: 1 OPTIONS", "X-A: a\u0000b"]);
  assert.match(failed(parseMessage(bad)).reason, /NUL byte/);
  const good = Buffer.concat([req(["MESSAGE sip:x@h SIP/2.0", ...TXN, "CSeq: 1 MESSAGE", "Content-Length: 1"]), Buffer.from([0])]);
  assert.deepEqual([...ok(parseMessage(good)).body], [0]);
});

test("parseMessage: header names that are Object.prototype keys stay plain strings", () => {
  const m = ok(parseMessage(req(["OPTIONS sip:x@h SIP/2.0", ...TXN, "CSeq: 1 OPTIONS", "constructor: a", "__proto__: b", "toString: c"])));
  for (const f of m.headers.fields) assert.equal(typeof f.name, "string");
  assert.equal(m.headers.get("constructor"), "a");
  assert.equal(m.headers.get("__proto__"), "b");
});
