import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { Headers } from "../../../src/sip/message/headers.js";
import { SipRequest, SipResponse } from "../../../src/sip/message/message.js";
import { ReliableProvisionals } from "../../../src/sip/session/reliable-provisionals.js";
import { parseRAck } from "../../../src/sip/session/extension-headers.js";

const T1 = 500;

function setup() {
  const clock = new FakeClock();
  const sent: SipResponse[] = [];
  const gaveUp: number[] = [];
  const rel = new ReliableProvisionals({ clock, T1, inviteSeq: 2, transmit: (r) => sent.push(r), onGiveUp: (s) => gaveUp.push(s), firstRSeq: 7 });
  return { clock, sent, gaveUp, rel };
}

function resp(status: number, sdp = false): SipResponse {
  return new SipResponse(status, "x", new Headers(), sdp ? Buffer.from("v=0\r\n") : undefined);
}

function prack(rack: string): SipRequest {
  const h = new Headers();
  h.append("RAck", rack);
  return new SipRequest("PRACK", "sip:x@y", h);
}

test("reliable-provisionals: a reliable 180 carries Require: 100rel and RSeq (RFC 3262 §3)", () => {
  const { sent, rel } = setup();
  rel.send(resp(180));
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.headers.get("Require"), "100rel");
  assert.equal(sent[0]?.headers.get("RSeq"), "7");
});

test("reliable-provisionals: retransmitted at T1, 2T1, 4T1 … until the PRACK, which gets 200", () => {
  const { clock, sent, rel } = setup();
  rel.send(resp(180));
  clock.advance(T1);
  assert.equal(sent.length, 2);
  clock.advance(2 * T1);
  assert.equal(sent.length, 3);
  clock.advance(T1); // not yet: next one is 4*T1 after the last
  assert.equal(sent.length, 3);
  assert.equal(rel.onPrack(prack("7 2 INVITE")), 200);
  clock.advance(64 * T1);
  assert.equal(sent.length, 3, "no retransmission after the PRACK");
  assert.equal(clock.pending, 0, "no timer left");
});

test("reliable-provisionals: a PRACK naming another RSeq, CSeq or method gets 481", () => {
  const { rel } = setup();
  rel.send(resp(180));
  assert.equal(rel.onPrack(prack("8 2 INVITE")), 481);
  assert.equal(rel.onPrack(prack("7 3 INVITE")), 481);
  assert.equal(rel.onPrack(prack("7 2 UPDATE")), 481);
  assert.equal(rel.onPrack(prack("garbage")), 481);
  assert.equal(rel.onPrack(prack("7 2 INVITE")), 200);
  assert.equal(rel.onPrack(prack("7 2 INVITE")), 481, "already acknowledged");
});

test("reliable-provisionals: a second provisional waits for the first one's PRACK, then gets the next RSeq", () => {
  const { sent, rel } = setup();
  rel.send(resp(180));
  rel.send(resp(183, true));
  assert.equal(sent.length, 1, "§3: no second reliable provisional while the first is unacknowledged");
  assert.equal(rel.onPrack(prack("7 2 INVITE")), 200);
  assert.equal(sent.length, 2);
  assert.equal(sent[1]?.status, 183);
  assert.equal(sent[1]?.headers.get("RSeq"), "8");
  assert.ok(rel.pendingWithSdp);
});

test("reliable-provisionals: a waiting answer is released by the 183's PRACK even while a queued 180 goes out next", async () => {
  const { rel } = setup();
  rel.send(resp(183, true));
  rel.send(resp(180));
  let woke = false;
  void rel.whenSdpAcked().then(() => (woke = true));
  assert.equal(rel.onPrack(prack("7 2 INVITE")), 200);
  await Promise.resolve();
  assert.ok(woke);
  assert.ok(rel.pending && !rel.pendingWithSdp, "the 180 is now the one awaiting its PRACK");
});

test("reliable-provisionals: 64*T1 without PRACK gives up once and stops retransmitting", () => {
  const { clock, sent, gaveUp, rel } = setup();
  rel.send(resp(183, true));
  let woke = false;
  void rel.whenSdpAcked().then(() => (woke = true));
  clock.advance(64 * T1 + 1);
  assert.deepEqual(gaveUp, [183]);
  const n = sent.length;
  assert.ok(n >= 6 && n <= 8, `sent ${n} times in 64*T1`);
  clock.advance(64 * T1);
  assert.equal(sent.length, n);
  assert.equal(clock.pending, 0);
  return Promise.resolve().then(() => assert.ok(woke, "a waiting answer() is released"));
});

test("reliable-provisionals: after the final response retransmissions stop but the PRACK is still answered 200", () => {
  const { clock, sent, rel } = setup();
  rel.send(resp(180));
  rel.send(resp(183));
  rel.finalSent();
  clock.advance(64 * T1);
  assert.equal(sent.length, 1, "neither retransmitted nor the queued 183 sent");
  assert.equal(rel.onPrack(prack("7 2 INVITE")), 200);
});

test("reliable-provisionals: RAck parses per RFC 3262 §7.2", () => {
  assert.deepEqual(parseRAck("776656 1 INVITE"), { rseq: 776656, cseq: 1, method: "INVITE" });
  assert.equal(parseRAck("1 INVITE"), undefined);
});
