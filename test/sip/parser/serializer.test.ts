import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMessage, serializeMessage } from "../../../src/sip/parser/index.js";
import { Headers } from "../../../src/sip/message/headers.js";
import { SipRequest, SipResponse } from "../../../src/sip/message/message.js";
import type { SipMessage } from "../../../src/sip/message/message.js";
import { SAMPLES } from "./sample-messages.js";

function parsed(buf: Buffer): SipMessage {
  const r = parseMessage(buf);
  if (!r.ok) assert.fail(r.reason);
  return r.message;
}

test("serializeMessage: request start line, canonical header names, CRLF ends, body appended", () => {
  const h = new Headers([
    { name: "v", value: "SIP/2.0/UDP h;branch=z9hG4bK1" },
    { name: "call-id", value: "abc" },
  ]);
  const out = serializeMessage(new SipRequest("MESSAGE", "sip:b@h", h, Buffer.from("héllo")));
  assert.equal(out.toString(), "MESSAGE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: abc\r\nContent-Length: 6\r\n\r\nhéllo");
});

test("serializeMessage: response status line with reason phrase", () => {
  const out = serializeMessage(new SipResponse(486, "Busy Here", new Headers().append("CSeq", "1 INVITE")));
  assert.equal(out.toString(), "SIP/2.0 486 Busy Here\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
});

test("serializeMessage: Content-Length is overwritten in place and duplicates dropped", () => {
  const h = new Headers().append("Content-Length", "999").append("X-A", "1").append("l", "5");
  const out = serializeMessage(new SipRequest("MESSAGE", "sip:b@h", h, Buffer.from("ab"))).toString();
  assert.equal(out, "MESSAGE sip:b@h SIP/2.0\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nab");
});

test("serializeMessage: CR/LF in values cannot inject header lines", () => {
  const h = new Headers().append("Subject", "hi\r\nVia: evil");
  const out = serializeMessage(new SipRequest("MESSAGE", "sip:b@h", h)).toString();
  assert.equal(out.split("\r\n").filter((l) => l.startsWith("Via")).length, 0);
  assert.ok(out.includes("Subject: hi  Via: evil\r\n"));
});

test("serializeMessage: binary body bytes are copied unchanged", () => {
  const body = Buffer.from([0, 255, 128, 13, 10]);
  const out = serializeMessage(new SipRequest("INFO", "sip:b@h", new Headers(), body));
  assert.deepEqual([...out.subarray(out.length - 5)], [...body]);
});

test("round trip: parse → serialize → parse keeps start line, headers and body for each sample", () => {
  for (const buf of SAMPLES) {
    const a = parsed(buf);
    const b = parsed(serializeMessage(a));
    assert.deepEqual(b, a);
  }
});

test("round trip: serialize of a parsed sample with canonical headers is byte-identical", () => {
  for (const buf of SAMPLES) assert.equal(serializeMessage(parsed(buf)).toString(), buf.toString());
});
