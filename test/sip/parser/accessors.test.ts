import { test } from "node:test";
import assert from "node:assert/strict";
import {
  callId,
  contentLength,
  cseq,
  fromHeader,
  parseMessage,
  tagOf,
  toHeader,
  topVia,
  viaBranch,
} from "../../../src/sip/parser/index.js";
import { Headers } from "../../../src/sip/message/headers.js";
import { SipRequest } from "../../../src/sip/message/message.js";
import type { SipMessage } from "../../../src/sip/message/message.js";
import { INVITE_WITH_SDP, RESPONSE_200, lines } from "./sample-messages.js";

function parsed(buf: Buffer): SipMessage {
  const r = parseMessage(buf);
  if (!r.ok) assert.fail(r.reason);
  return r.message;
}

test("accessors: transaction headers of an INVITE", () => {
  const m = parsed(INVITE_WITH_SDP);
  assert.equal(topVia(m)?.host, "192.0.2.50");
  assert.equal(viaBranch(m), "z9hG4bKinv1");
  assert.equal(callId(m), "invite-1@192.0.2.50");
  assert.deepEqual(cseq(m), { seq: 10, method: "INVITE" });
  assert.equal(fromHeader(m)?.displayName, "Alice");
  assert.equal(tagOf(fromHeader(m)), "f1");
  assert.equal(tagOf(toHeader(m)), undefined);
  assert.equal(contentLength(m), m.body.length);
});

test("accessors: topVia takes the first hop of a comma-joined Via line", () => {
  const m = parsed(
    Buffer.from(
      lines(
        "SIP/2.0 200 OK",
        "Via: SIP/2.0/UDP first.example.test;branch=z9hG4bKa, SIP/2.0/UDP second.example.test;branch=z9hG4bKb",
        "Via: SIP/2.0/UDP third.example.test;branch=z9hG4bKc",
        "From: <sip:a@h>;tag=1",
        "To: <sip:b@h>;tag=2",
        "Call-ID: x",
        "CSeq: 1 INVITE",
        "",
        "",
      ),
    ),
  );
  assert.equal(topVia(m)?.host, "first.example.test");
  assert.equal(viaBranch(m), "z9hG4bKa");
});

test("accessors: response To tag and absent/malformed headers give undefined", () => {
  const m = parsed(RESPONSE_200);
  assert.equal(tagOf(toHeader(m)), "t2");
  const empty = new SipRequest("OPTIONS", "sip:h", new Headers().append("CSeq", "garbage").append("Content-Length", "x"));
  assert.equal(topVia(empty), undefined);
  assert.equal(viaBranch(empty), undefined);
  assert.equal(callId(empty), undefined);
  assert.equal(cseq(empty), undefined);
  assert.equal(fromHeader(empty), undefined);
  assert.equal(toHeader(empty), undefined);
  assert.equal(tagOf(undefined), undefined);
  assert.equal(contentLength(empty), undefined);
});

test("accessors: contentLength falls back to the body length when the header is absent", () => {
  const m = new SipRequest("MESSAGE", "sip:h", new Headers(), Buffer.from("abc"));
  assert.equal(contentLength(m), 3);
});

test("accessors: edits to the headers are seen by the next call", () => {
  const m = parsed(INVITE_WITH_SDP);
  m.headers.prepend("Via", "SIP/2.0/TCP new.example.test;branch=z9hG4bKnew");
  assert.equal(viaBranch(m), "z9hG4bKnew");
});
