/**
 * The events one call produces, in order, with the real call layer over fake SIP and media
 * (call-harness.ts): Newchannel, Newstate, DialBegin/DialEnd, BridgeEnter/BridgeLeave, Hangup
 * and DeviceStateChange, named and filled as Asterisk's AMI events (pbx/events.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { INTERNAL_EVENTS, type PbxEvents } from "../../../src/pbx/events.js";
import { inDialogFrom, responder, responseTo, SDP, tagOf } from "../../sip/session/harness.js";
import { callSetup, settle, type CallEnv } from "./call-harness.js";

const CALLEE_SDP = SDP.replace(/192\.0\.2\.10/g, "192.0.2.20").replace("m=audio 4000", "m=audio 6000");

/** One line per event: name, channel, and the field that matters for that event. */
function line(name: string, p: object): string {
  const f = p as Record<string, unknown>;
  switch (name) {
    case "Newchannel":
    case "Newstate":
      return `${name} ${String(f.Channel)} ${String(f.ChannelStateDesc)}`;
    case "DialBegin":
      return `DialBegin ${String(f.Channel)} -> ${String(f.DestChannel)} ${String(f.DialString)}`;
    case "DialEnd":
      return `DialEnd ${String(f.Channel)} -> ${String(f.DestChannel)} ${String(f.DialStatus)}`;
    case "DialState":
      return `DialState ${String(f.Channel)} -> ${String(f.DestChannel)} ${String(f.DialStatus)}`;
    case "BridgeEnter":
    case "BridgeLeave":
      return `${name} ${String(f.Channel)} ${String(f.BridgeNumChannels)}`;
    case "Hangup":
      return `Hangup ${String(f.Channel)} ${String(f.Cause)} ${String(f["Cause-txt"])}`;
    case "DeviceStateChange":
      return `DeviceStateChange ${String(f.Device)} ${String(f.State)}`;
    case "Newexten":
      return `Newexten ${String(f.Channel)} ${String(f.Application)}(${String(f.AppData)})`;
    case "VarSet":
      return `VarSet ${String(f.Channel)} ${String(f.Variable)}=${String(f.Value)}`;
    case "HangupRequest":
    case "SoftHangupRequest":
      return `${name} ${String(f.Channel)} ${String(f.Cause)}`;
    case "NewConnectedLine":
      return `NewConnectedLine ${String(f.Channel)} ${String(f.ConnectedLineNum)}`;
    default:
      return name;
  }
}

/** Channel names are PJSIP/<endpoint>-<counter>: the test names them caller and callee. */
function lines(t: CallEnv): string[] {
  return t.events.filter((e) => !INTERNAL_EVENTS.has(e.name)).map((e) => line(e.name, e.payload).replace(/PJSIP\/1001-[0-9a-f]{8}/g, "caller").replace(/PJSIP\/2000-[0-9a-f]{8}/g, "callee"));
}

async function ringAndAnswer(t: CallEnv): Promise<string> {
  await t.manager.onInvite(t.rc);
  await settle();
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 180, { toTag: "bob-1" }));
  await settle();
  inv.delegate.onResponse(responseTo(inv.req, 200, { toTag: "bob-1", body: CALLEE_SDP }));
  await settle();
  const ok = t.toCaller.find((r) => r.status === 200);
  assert.ok(ok, `the caller got a 200 (got ${t.toCaller.map((r) => r.status).join(", ")})`);
  const toTag = tagOf(ok.headers.get("To"));
  t.manager.onAck(inDialogFrom({ method: "ACK", toTag, cseq: 10 }));
  return toTag;
}

test("call events: an answered call that the caller ends gives Asterisk's sequence from Newchannel to Hangup", async () => {
  const t = callSetup();
  const toTag = await ringAndAnswer(t);
  const bye = responder();
  t.manager.onInDialogRequest(inDialogFrom({ method: "BYE", toTag, cseq: 11 }), {} as never, bye.respond);
  await settle();
  assert.deepEqual(bye.statuses(), [200]);
  assert.deepEqual(lines(t), [
    "Newchannel caller Ring",
    "DeviceStateChange PJSIP/1001 INUSE",
    "Newexten caller Dial(PJSIP/2000,30)",
    "Newchannel callee Down",
    "DialBegin caller -> callee 2000",
    "Newstate callee Ringing",
    "DeviceStateChange PJSIP/2000 RINGING",
    "DialState caller -> callee RINGING",
    "Newstate caller Ringing",
    "DeviceStateChange PJSIP/1001 RINGING",
    "Newstate callee Up",
    "DeviceStateChange PJSIP/2000 INUSE",
    "DialEnd caller -> callee ANSWER",
    "NewConnectedLine caller 2000",
    "BridgeCreate",
    "BridgeEnter caller 1",
    "BridgeEnter callee 2",
    "Newstate caller Up",
    "DeviceStateChange PJSIP/1001 INUSE",
    "HangupRequest caller 16",
    "BridgeLeave caller 1",
    "BridgeLeave callee 0",
    "BridgeDestroy",
    "Hangup callee 16 Normal Clearing",
    "DeviceStateChange PJSIP/2000 NOT_INUSE",
    "Hangup caller 16 Normal Clearing",
    "DeviceStateChange PJSIP/1001 NOT_INUSE",
  ]);
  // The callee got our BYE; the media were joined and unjoined through the bridge.
  assert.equal(t.port.last("BYE").req.method, "BYE");
  assert.deepEqual(t.media.calls.filter((c) => c.startsWith("bridge") || c.startsWith("unbridge")), ["bridge m1 m2", "unbridge m1", "unbridge m2"]);
});

test("call events: both channels share the caller's Uniqueid as Linkedid, and one bridge id is in every bridge event", async () => {
  const t = callSetup();
  await ringAndAnswer(t);
  await t.manager.hangupByName("all");
  const caller = t.events.find((e) => e.name === "Newchannel")?.payload as PbxEvents["Newchannel"];
  const chans = t.events.filter((e) => e.name === "Newchannel").map((e) => e.payload as PbxEvents["Newchannel"]);
  assert.equal(chans.length, 2);
  assert.notEqual(chans[0]?.Uniqueid, chans[1]?.Uniqueid);
  assert.deepEqual(chans.map((c) => c.Linkedid), [caller.Uniqueid, caller.Uniqueid]);
  assert.equal(caller.CallerIDNum, "1001");
  assert.equal(caller.Exten, "2000");
  const bridgeIds = new Set(t.events.filter((e) => e.name === "BridgeEnter" || e.name === "BridgeLeave").map((e) => (e.payload as PbxEvents["BridgeEnter"]).BridgeUniqueid));
  assert.equal(bridgeIds.size, 1);
  assert.match([...bridgeIds][0] ?? "", /^[0-9a-f-]{36}$/);
  // Our hangup of both: BridgeLeave comes before either Hangup.
  const order = t.names();
  assert.ok(order.lastIndexOf("BridgeLeave") < order.indexOf("Hangup"), order.join(","));
});

test("call events: a busy callee gives DialEnd BUSY, Hangup 17 on both channels and no bridge", async () => {
  const t = callSetup();
  await t.manager.onInvite(t.rc);
  await settle();
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 486, { toTag: "bob-1" }));
  await settle();
  assert.deepEqual(lines(t), [
    "Newchannel caller Ring",
    "DeviceStateChange PJSIP/1001 INUSE",
    "Newexten caller Dial(PJSIP/2000,30)",
    "Newchannel callee Down",
    "DialBegin caller -> callee 2000",
    "Hangup callee 17 User busy",
    "DialEnd caller -> callee BUSY",
    "VarSet caller DIALSTATUS=BUSY",
    "Hangup caller 17 User busy",
    "DeviceStateChange PJSIP/1001 NOT_INUSE",
  ]);
  assert.equal(t.toCaller.at(-1)?.status, 486);
});

test("call events: the caller cancelling while the callee rings gives DialEnd CANCEL before the callee's Hangup", async () => {
  const t = callSetup();
  await t.manager.onInvite(t.rc);
  await settle();
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 180, { toTag: "bob-1" }));
  await settle();
  t.events.length = 0;
  assert.ok(t.manager.onCancelled(t.tx), "the CANCEL found the call");
  await settle();
  assert.deepEqual(lines(t), [
    "HangupRequest caller 16",
    "VarSet caller DIALSTATUS=CANCEL",
    "DialEnd caller -> callee CANCEL",
    "Hangup callee 16 Normal Clearing",
    "DeviceStateChange PJSIP/2000 NOT_INUSE",
    "Hangup caller 16 Normal Clearing",
    "DeviceStateChange PJSIP/1001 NOT_INUSE",
  ]);
  assert.equal(t.port.last("CANCEL").req.method, "CANCEL");
});

test("call events: a Dial timeout gives DialEnd NOANSWER and the caller's Hangup 19", async () => {
  const t = callSetup("[default]\nexten => 2000,1,Dial(PJSIP/2000,5)\n");
  await t.manager.onInvite(t.rc);
  await settle();
  t.events.length = 0;
  t.clock.advance(5000);
  await settle();
  const l = lines(t);
  assert.deepEqual(l.filter((x) => x.startsWith("DialEnd") || x.startsWith("Hangup")), ["DialEnd caller -> callee NOANSWER", "Hangup callee 16 Normal Clearing", "Hangup caller 19 User alerting, no answer"]);
});

test("call events: our INVITE and the caller's 200 advertise the loaded modules' Allow (REGISTER too) and Supported", async () => {
  const t = callSetup();
  await ringAndAnswer(t);
  const want = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO, PRACK";
  assert.equal(t.calleeInvite().req.headers.get("Allow"), want);
  assert.equal(t.calleeInvite().req.headers.get("Supported"), "100rel, timer");
  const ok = t.toCaller.find((r) => r.status === 200);
  assert.equal(ok?.headers.get("Allow"), want);
  assert.equal(ok?.headers.get("Supported"), "100rel, timer");
  await t.manager.hangupByName("all");
});
