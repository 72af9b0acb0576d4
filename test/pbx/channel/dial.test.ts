/**
 * Dial() forking over the call harness: PJSIP/2100 has two contacts, both rung at once; the first
 * to answer is bridged, the other is cancelled (or, when its 2xx crossed our CANCEL, ACKed and
 * BYEd by its session); DIALSTATUS and the caller's final response follow the outcome.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { PbxEvents } from "../../../src/pbx/events.js";
import { inDialogFrom, responseTo, SDP, tagOf, type SentRequest } from "../../sip/session/harness.js";
import { callSetup, settle, type CallEnv } from "./call-harness.js";

const DIAL_2100 = "[default]\nexten => 2000,1,Dial(PJSIP/2100,30)\n";
const sdpOf = (host: string, port: number) => SDP.replace(/192\.0\.2\.10/g, host).replace("m=audio 4000", `m=audio ${port}`);

/** The INVITE our Dial sent to the contact at `host`. */
function inviteTo(t: CallEnv, host: string): SentRequest {
  const r = t.port.requests.find((x) => x.req.method === "INVITE" && x.req.uri.includes(`@${host}:`));
  assert.ok(r, `an INVITE went to ${host} (sent: ${t.port.requests.map((x) => `${x.req.method} ${x.req.uri}`).join(", ")})`);
  return r;
}

function requestsTo(t: CallEnv, method: string, host: string): SentRequest[] {
  const callId = inviteTo(t, host).req.headers.get("Call-ID");
  return t.port.requests.filter((x) => x.req.method === method && x.req.headers.get("Call-ID") === callId);
}

function dialEnds(t: CallEnv): string[] {
  return t.events.filter((e) => e.name === "DialEnd").map((e) => {
    const p = e.payload as PbxEvents["DialEnd"];
    return `${p.DestChannel.replace(/-[0-9a-f]{8}$/, "")} ${p.DialStatus}`;
  });
}

async function startForked(t: CallEnv) {
  await t.manager.onInvite(t.rc);
  await settle();
  const call = [...t.manager.calls][0];
  assert.ok(call, "the call exists");
  const a = inviteTo(t, "192.0.2.21");
  const b = inviteTo(t, "192.0.2.22");
  return { call, a, b };
}

test("dial: PJSIP/2100 rings both contacts; the second to ring answers first, is bridged, and the other is cancelled", async () => {
  const t = callSetup(DIAL_2100);
  const { call, a, b } = await startForked(t);
  assert.equal(t.names().filter((n) => n === "DialBegin").length, 2, "one DialBegin per fork");
  a.delegate.onResponse(responseTo(a.req, 180, { toTag: "a-1" }));
  b.delegate.onResponse(responseTo(b.req, 180, { toTag: "b-1" }));
  await settle();
  b.delegate.onResponse(responseTo(b.req, 200, { toTag: "b-1", body: sdpOf("192.0.2.22", 6200) }));
  await settle();
  assert.equal(requestsTo(t, "CANCEL", "192.0.2.21").length, 1, "the losing fork is CANCELled");
  assert.deepEqual(dialEnds(t), ["PJSIP/2100 ANSWER", "PJSIP/2100 CANCEL"]);
  assert.equal(call.peer?.callId, b.req.headers.get("Call-ID"), "the answering fork is the peer");
  // m1 is the caller's relay leg, m2 and m3 the forks'; the winner (b) is m3.
  assert.ok(t.media.calls.includes("bridge m1 m3"), t.media.calls.join(", "));
  assert.ok(t.media.calls.includes("release m2"), "the loser's port went back");
  assert.ok(t.media.remotes.includes("m3 192.0.2.22:6200"), "the winner's relay leg points at its answer");
  const ok = t.toCaller.find((r) => r.status === 200);
  assert.ok(ok, "the caller is answered");
  t.manager.onAck(inDialogFrom({ method: "ACK", toTag: tagOf(ok.headers.get("To")), cseq: 10 }));
  await t.manager.hangupByName("all");
  await settle();
  assert.equal(call.vars.get("DIALSTATUS"), "ANSWER");
  assert.equal(requestsTo(t, "BYE", "192.0.2.22").length, 1, "our hangup BYEs the winner");
  assert.equal(t.media.calls.filter((c) => c === "release m2").length, 1, "each port is released once");
  assert.equal(t.manager.outboundLegs().length, 0, "no outbound leg is left");
});

test("dial: a 2xx from the losing fork that crossed our CANCEL is ACKed and BYEd, and the caller stays with the winner", async () => {
  const t = callSetup(DIAL_2100);
  const { a, b } = await startForked(t);
  a.delegate.onResponse(responseTo(a.req, 180, { toTag: "a-1" }));
  b.delegate.onResponse(responseTo(b.req, 180, { toTag: "b-1" }));
  await settle();
  a.delegate.onResponse(responseTo(a.req, 200, { toTag: "a-1", body: sdpOf("192.0.2.21", 6100) }));
  await settle();
  assert.equal(requestsTo(t, "CANCEL", "192.0.2.22").length, 1);
  b.delegate.onResponse(responseTo(b.req, 200, { toTag: "b-1", body: sdpOf("192.0.2.22", 6200) }));
  await settle();
  const bCallId = b.req.headers.get("Call-ID");
  assert.equal(t.port.acks().filter((x) => x.headers.get("Call-ID") === bCallId).length, 1, "the crossing 2xx is ACKed");
  assert.equal(requestsTo(t, "BYE", "192.0.2.22").length, 1, "and BYEd");
  assert.equal(t.manager.calls.size, 1, "the call goes on with the winner");
  assert.deepEqual(dialEnds(t), ["PJSIP/2100 ANSWER", "PJSIP/2100 CANCEL"]);
  await t.manager.hangupByName("all");
});

test("dial: when every fork fails, busy wins over unanswered: DIALSTATUS BUSY and the caller gets 486", async () => {
  const t = callSetup(DIAL_2100);
  const { call, a, b } = await startForked(t);
  a.delegate.onResponse(responseTo(a.req, 480, { toTag: "a-1" }));
  await settle();
  assert.equal(t.toCaller.some((r) => r.status >= 300), false, "one failed fork does not end the Dial");
  b.delegate.onResponse(responseTo(b.req, 486, { toTag: "b-1" }));
  await settle();
  assert.deepEqual(dialEnds(t), ["PJSIP/2100 NOANSWER", "PJSIP/2100 BUSY"]);
  assert.equal(call.vars.get("DIALSTATUS"), "BUSY");
  assert.equal(t.toCaller.at(-1)?.status, 486);
  assert.deepEqual(t.media.calls.filter((c) => c.startsWith("release")).sort(), ["release m1", "release m2", "release m3"]);
});

test("dial: a fork that answers with an unusable SDP (a codec we did not offer) is hung up with BYE and fails; the other fork still decides", async () => {
  const t = callSetup(DIAL_2100);
  const { call, a, b } = await startForked(t);
  a.delegate.onResponse(responseTo(a.req, 180, { toTag: "a-1" }));
  await settle();
  b.delegate.onResponse(responseTo(b.req, 200, { toTag: "b-1", body: sdpOf("192.0.2.22", 6200).replace("RTP/AVP 0", "RTP/AVP 8").replace("0 PCMU/8000", "8 PCMA/8000") }));
  await settle();
  assert.equal(requestsTo(t, "BYE", "192.0.2.22").length, 1, "the unusable answer is ended with BYE");
  assert.equal(requestsTo(t, "CANCEL", "192.0.2.21").length, 0, "the other fork goes on ringing");
  assert.equal(call.peer, undefined, "nothing is bridged");
  assert.equal(t.toCaller.some((r) => r.status === 200), false, "the caller is not answered");
  assert.ok(t.log.find("is unusable (the answer names none of the codecs we offered (offered ulaw, answered alaw)); hanging it up"), "one NOTICE says why");
  a.delegate.onResponse(responseTo(a.req, 486, { toTag: "a-1" }));
  await settle();
  assert.equal(call.vars.get("DIALSTATUS"), "BUSY");
  assert.equal(t.toCaller.at(-1)?.status, 486);
});

test("dial: the caller's CANCEL while both forks ring cancels both (DialEnd CANCEL before each Hangup)", async () => {
  const t = callSetup(DIAL_2100);
  const { call, a, b } = await startForked(t);
  a.delegate.onResponse(responseTo(a.req, 180, { toTag: "a-1" }));
  b.delegate.onResponse(responseTo(b.req, 183, { toTag: "b-1", body: sdpOf("192.0.2.22", 6200) }));
  await settle();
  assert.ok(t.media.calls.includes("bridge m1 m3"), "early media of the fork that sent it");
  t.events.length = 0;
  assert.ok(t.manager.onCancelled(t.tx));
  await settle();
  assert.equal(requestsTo(t, "CANCEL", "192.0.2.21").length, 1);
  assert.equal(requestsTo(t, "CANCEL", "192.0.2.22").length, 1);
  const order = t.events.filter((e) => e.name === "DialEnd" || e.name === "Hangup").map((e) => `${e.name} ${(e.payload as PbxEvents["Hangup"]).Channel.replace(/-[0-9a-f]{8}$/, "")}`);
  assert.deepEqual(order, ["DialEnd PJSIP/1001", "Hangup PJSIP/2100", "DialEnd PJSIP/1001", "Hangup PJSIP/2100", "Hangup PJSIP/1001"]);
  assert.equal(call.vars.get("DIALSTATUS"), "CANCEL");
  assert.equal(t.names().includes("BridgeEnter"), false, "early media is not a bridge");
});

test("dial: a Dial timeout cancels every ringing fork with DialEnd NOANSWER", async () => {
  const t = callSetup("[default]\nexten => 2000,1,Dial(PJSIP/2100,5)\n");
  const { call, a, b } = await startForked(t);
  a.delegate.onResponse(responseTo(a.req, 180, { toTag: "a-1" }));
  b.delegate.onResponse(responseTo(b.req, 180, { toTag: "b-1" }));
  await settle();
  t.clock.advance(5000);
  await settle();
  assert.deepEqual(dialEnds(t), ["PJSIP/2100 NOANSWER", "PJSIP/2100 NOANSWER"]);
  assert.equal(requestsTo(t, "CANCEL", "192.0.2.21").length + requestsTo(t, "CANCEL", "192.0.2.22").length, 2);
  assert.equal(call.vars.get("DIALSTATUS"), "NOANSWER");
  assert.equal(t.toCaller.at(-1)?.status, 480);
});

test("dial: a dial string naming no endpoint gives CHANUNAVAIL with one line saying so", async () => {
  const t = callSetup("[default]\nexten => 2000,1,Dial(PJSIP/nobody)\n");
  await t.manager.onInvite(t.rc);
  const call = [...t.manager.calls][0];
  await settle();
  assert.ok(t.log.find("Dial: endpoint 'nobody' does not exist (check pjsip.conf)"));
  assert.equal(call?.vars.get("DIALSTATUS"), "CHANUNAVAIL");
  assert.equal(t.port.methods().includes("INVITE"), false);
});
