/**
 * Late offer (RFC 3261 §13.2.1, RFC 3264): an INVITE without SDP gets our offer in the 200 OK, and
 * "the answer MUST be in the acknowledgement for that message (in this specification, ACK for a
 * 2xx response)". The relay is pointed at the caller only when that answer arrives; an ACK
 * without an answer, or with one we cannot use, ends the call with BYE. The callee always gets
 * our offer.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { PbxEvents } from "../../../src/pbx/events.js";
import { inDialogFrom, responseTo, SDP, tagOf } from "../../sip/session/harness.js";
import { callSetup, settle, type CallEnv } from "./call-harness.js";

const CALLEE_SDP = SDP.replace(/192\.0\.2\.10/g, "192.0.2.20").replace("m=audio 4000", "m=audio 6000");
/** The caller's answer to our offer: PCMU on 192.0.2.10:4000. */
const ANSWER = SDP;
/** An answer naming only a codec we did not offer. */
const ALAW_ANSWER = SDP.replace("RTP/AVP 0", "RTP/AVP 8").replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000");
const CALLER_CALL_ID = "call-1@192.0.2.10";

/** Rings 2000 and lets it answer; returns the caller's 200 OK and its To tag. */
async function answeredByCallee(t: CallEnv) {
  await t.manager.onInvite(t.rc);
  await settle();
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 200, { toTag: "bob-1", body: CALLEE_SDP }));
  await settle();
  const ok = t.toCaller.find((r) => r.status === 200);
  assert.ok(ok, `the caller got a 200 (got ${t.toCaller.map((r) => r.status).join(", ")})`);
  return { ok, toTag: tagOf(ok.headers.get("To")) };
}

function byesToCaller(t: CallEnv): number {
  return t.port.requests.filter((r) => r.req.method === "BYE" && r.req.headers.get("Call-ID") === CALLER_CALL_ID).length;
}

test("late offer: an INVITE without SDP is not refused; the callee gets our offer and the caller our offer in the 200 OK", async () => {
  const t = callSetup(undefined, { invite: { body: "" } });
  const { ok } = await answeredByCallee(t);
  // The callee's INVITE offers the caller endpoint's allow= codecs (ulaw, PT 0) with telephone-event.
  const calleeOffer = t.calleeInvite().req.body.toString("utf8");
  assert.match(calleeOffer, /^m=audio \d+ RTP\/AVP 0 101\r$/m);
  // The 200 OK carries our offer, on the caller's own relay port.
  assert.equal(ok.headers.get("Content-Type"), "application/sdp");
  const offer = ok.body.toString("utf8");
  assert.match(offer, /^m=audio 20002 RTP\/AVP 0 101\r$/m, offer);
  assert.match(offer, /^a=sendrecv\r$/m);
  assert.ok(t.log.find("no SDP offer: we offer ulaw in the 200 OK"), "the call line says the caller sent no offer");
  // Until the ACK brings the answer, the caller's relay leg does not know where to send.
  assert.equal(t.media.remotes.some((r) => r.startsWith("m1 192.0.2.10")), false, t.media.remotes.join(", "));
  await t.manager.hangupByName("all");
});

test("late offer: the ACK's answer points the caller's relay leg at it and the call stays up", async () => {
  const t = callSetup(undefined, { invite: { body: "" } });
  const { toTag } = await answeredByCallee(t);
  t.manager.onAck(inDialogFrom({ method: "ACK", toTag, cseq: 10, body: ANSWER }));
  await settle();
  assert.ok(t.media.remotes.includes("m1 192.0.2.10:4000"), `relay pointed at the answer (${t.media.remotes.join(", ")})`);
  assert.equal(byesToCaller(t), 0, "no BYE to the caller");
  assert.equal(t.manager.calls.size, 1, "the call is up");
  assert.ok(t.media.calls.includes("bridge m1 m2"), "the legs are bridged");
  const states = t.events.filter((e) => e.name === "Newstate").map((e) => (e.payload as PbxEvents["Newstate"]).ChannelStateDesc);
  assert.deepEqual(states, ["Up", "Up"], "callee then caller Up");
  assert.equal(t.names().includes("Hangup"), false);
  await t.manager.hangupByName("all");
  assert.equal(byesToCaller(t), 1, "our hangup BYEs the caller");
});

test("late offer: an ACK without an answer ends the call with BYE to both sides and says why", async () => {
  const t = callSetup(undefined, { invite: { body: "" } });
  const { toTag } = await answeredByCallee(t);
  t.manager.onAck(inDialogFrom({ method: "ACK", toTag, cseq: 10 }));
  await settle();
  assert.equal(byesToCaller(t), 1, "the caller gets a BYE");
  assert.equal(t.port.requests.filter((r) => r.req.method === "BYE").length, 2, "and so does the callee");
  assert.equal(t.manager.calls.size, 0, "the call is gone");
  const line = t.log.find("ACK carries no SDP answer");
  assert.ok(line, "one line explains the hangup");
  assert.equal(line.level, "notice");
  const hangups = t.events.filter((e) => e.name === "Hangup").map((e) => e.payload as PbxEvents["Hangup"]);
  assert.equal(hangups.length, 2);
  assert.equal(hangups.find((h) => h.Channel.startsWith("PJSIP/1001"))?.Cause, 127);
  assert.equal(t.media.remotes.some((r) => r.startsWith("m1 ")), false, "the caller's leg never got a remote");
});

test("late offer: an ACK whose answer names no codec we offered ends the call with BYE", async () => {
  const t = callSetup(undefined, { invite: { body: "" } });
  const { toTag } = await answeredByCallee(t);
  t.manager.onAck(inDialogFrom({ method: "ACK", toTag, cseq: 10, body: ALAW_ANSWER }));
  await settle();
  assert.equal(byesToCaller(t), 1, "the caller gets a BYE");
  assert.equal(t.manager.calls.size, 0);
  const line = t.log.find("the SDP answer in the caller's ACK is unusable");
  assert.ok(line, "one line explains the hangup");
  assert.match(line.msg, /names none of the codecs we offered \(offered ulaw, answered alaw\)/);
  const caller = t.events.filter((e) => e.name === "Hangup").map((e) => e.payload as PbxEvents["Hangup"]).find((h) => h.Channel.startsWith("PJSIP/1001"));
  assert.equal(caller?.Cause, 58);
});

test("late offer: Echo() starts only once the ACK's answer says where the caller's media goes", async () => {
  const t = callSetup("[default]\nexten => 2000,1,Answer()\n same => n,Echo()\n", { invite: { body: "" } });
  await t.manager.onInvite(t.rc);
  await settle();
  const ok = t.toCaller.find((r) => r.status === 200);
  assert.ok(ok, "answered");
  assert.match(ok.body.toString("utf8"), /^m=audio 20002 RTP\/AVP 0 101\r$/m);
  assert.equal(t.media.calls.includes("echo m1"), false, "no echo before the answer");
  t.manager.onAck(inDialogFrom({ method: "ACK", toTag: tagOf(ok.headers.get("To")), cseq: 10, body: ANSWER }));
  await settle();
  assert.ok(t.media.calls.includes("echo m1"), `echo after the answer (${t.media.calls.join(", ")})`);
  await t.manager.hangupByName("all");
});

test("late offer: Progress() before answer sends 183 without SDP (our offer waits for the 200 OK)", async () => {
  const t = callSetup("[default]\nexten => 2000,1,Progress()\n same => n,Wait(1)\n same => n,Answer()\n", { invite: { body: "" } });
  await t.manager.onInvite(t.rc);
  await settle();
  const p183 = t.toCaller.find((r) => r.status === 183);
  assert.ok(p183, `a 183 went out (got ${t.toCaller.map((r) => r.status).join(", ")})`);
  assert.equal(p183.body.length, 0, "without a body");
  t.clock.advance(1000);
  await settle();
  const ok = t.toCaller.find((r) => r.status === 200);
  assert.ok(ok, "answered after the Wait");
  assert.match(ok.body.toString("utf8"), /^m=audio 20002 RTP\/AVP 0 101\r$/m, "the offer is in the 200 OK");
  await t.manager.hangupByName("all");
});
