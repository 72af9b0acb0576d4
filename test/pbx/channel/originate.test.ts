/**
 * Originate over the call harness: the PBX calls 2000 (static contact 192.0.2.20:5070) as Dial()
 * would; the outcome follows the callee's answer (answered, busy, no answer after the ring
 * timeout), the channel exists (and is told) before it rings, carries the variables, caller ID
 * and account code asked for, runs the dialplan or one application once answered, and is listed
 * and hung up by name as any channel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { PbxEvents } from "../../../src/pbx/events.js";
import type { OriginateRequest, OriginateResult } from "../../../src/pbx/channel/originate.js";
import { ORIGINATE_REASON } from "../../../src/api/ami/actions/originate-action.js";
import { responseTo, SDP } from "../../sip/session/harness.js";
import { callSetup, settle, type CallEnv } from "./call-harness.js";

const sdp2000 = SDP.replace(/192\.0\.2\.10/g, "192.0.2.20").replace("m=audio 4000", "m=audio 6000");

function start(t: CallEnv, req: Partial<OriginateRequest> = {}) {
  const told: string[] = [];
  let result: OriginateResult | undefined;
  const p = t.manager
    .originate({ channel: "PJSIP/2000", timeoutMs: 30000, then: { kind: "app", app: "Wait", data: "60" }, onChannel: (name, id) => told.push(`${name} ${id}`), ...req })
    .then((r) => (result = r));
  return { told, result: () => result, done: p };
}

test("originate: the device is called as Dial() calls it; on 200 the outcome is answered and the application runs", async () => {
  const t = callSetup();
  const o = start(t, { callerId: { num: "5551234", name: "Click to dial" }, variables: { CRM_ID: "77" }, account: "acme", channelId: "orig-0001" });
  await settle();
  const inv = t.calleeInvite();
  assert.match(inv.req.uri, /^sip:2000@192\.0\.2\.20:5070/);
  assert.match(inv.req.headers.get("From") ?? "", /"Click to dial" <sip:5551234@/);
  assert.equal(o.told.length, 1, "onChannel is told before the device answers");
  assert.match(o.told[0] ?? "", /^PJSIP\/2000-[0-9a-f]{8} orig-0001$/);
  const call = [...t.manager.originated][0];
  assert.ok(call, "the originated call is in the table while it rings");
  assert.equal(call.channel.vars.get("CRM_ID"), "77", "variables are set before it rings");
  assert.equal(call.channel.accountCode, "acme");
  assert.equal(o.result(), undefined, "no outcome while it rings");
  inv.delegate.onResponse(responseTo(inv.req, 200, { toTag: "c-1", body: sdp2000 }));
  await settle();
  assert.deepEqual(o.result(), { outcome: "answered", channel: call.name, uniqueid: "orig-0001" });
  assert.equal(call.channel.application, "Wait", "the application runs on the answered channel");
  const newchannel = t.events.find((e) => e.name === "Newchannel")?.payload as PbxEvents["Newchannel"] | undefined;
  assert.equal(newchannel?.Channel, call.name);
  assert.equal(newchannel?.AccountCode, "acme", "Account is the channel's AccountCode from its Newchannel on");
  assert.equal(await t.manager.hangupByName(call.name), 1, "channel request hangup finds it");
  await settle();
  assert.equal(t.port.requests.filter((r) => r.req.method === "BYE").length, 1, "hung up with BYE");
  assert.equal(t.manager.originated.size, 0);
  assert.ok(t.names().includes("Hangup"));
});

test("originate: then exten runs the dialplan from that place", async () => {
  const t = callSetup("[default]\nexten => 2000,1,Dial(PJSIP/2000,30)\n[crm]\nexten => 7,1,Set(WHERE=${CONTEXT}/${EXTEN})\n same => n,Wait(60)\n");
  const o = start(t, { then: { kind: "exten", context: "crm", exten: "7", priority: 1 } });
  await settle();
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 200, { toTag: "c-1", body: sdp2000 }));
  await settle();
  assert.equal(o.result()?.outcome, "answered");
  const call = [...t.manager.originated][0];
  assert.ok(call);
  assert.equal(call.channel.vars.get("WHERE"), "crm/7");
  assert.equal(call.channel.application, "Wait");
  await t.manager.hangupByName("all");
});

test("originate: 486 is busy (Reason 5); ringing past the timeout is no-answer (Reason 3) and is cancelled", async () => {
  const t = callSetup();
  const busy = start(t);
  await settle();
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 486, { toTag: "c-1" }));
  await busy.done;
  assert.equal(busy.result()?.outcome, "busy");
  assert.equal(ORIGINATE_REASON.busy, 5);
  assert.equal(t.manager.originated.size, 0, "a failed originate leaves no channel");

  const ringing = start(t, { timeoutMs: 5000 });
  await settle();
  const inv2 = t.calleeInvite();
  assert.notEqual(inv2, inv, "a second INVITE went out");
  inv2.delegate.onResponse(responseTo(inv2.req, 180, { toTag: "c-2" }));
  await settle();
  t.clock.advance(4999);
  await settle();
  assert.equal(ringing.result(), undefined, "still ringing just before the timeout");
  t.clock.advance(1);
  await ringing.done;
  assert.equal(ringing.result()?.outcome, "no-answer");
  assert.equal(ORIGINATE_REASON["no-answer"], 3);
  await settle();
  assert.equal(t.port.requests.filter((r) => r.req.method === "CANCEL").length, 1, "the ringing device is cancelled");
  assert.equal(t.manager.originated.size, 0);
});

test("originate: a dial string naming no endpoint fails at once", async () => {
  const t = callSetup();
  const r = await t.manager.originate({ channel: "PJSIP/nobody", timeoutMs: 30000, then: { kind: "app", app: "Wait", data: "1" } });
  assert.equal(r.outcome, "failed");
  assert.equal(ORIGINATE_REASON.failed, 0);
  assert.equal(t.port.requests.filter((x) => x.req.method === "INVITE").length, 0);
});
