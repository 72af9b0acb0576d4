/**
 * Redirect (AMI Redirect, `channel redirect`) over the call harness: the caller (1001 dialling
 * 2000) is moved while it waits, plays a prompt, rings a callee or talks to one; what it did ends
 * at once (a bridged callee is hung up unless it is moved too, a ringing one cancelled), an
 * unanswered caller stays unanswered, and the dialplan goes on at the target with a Newexten for
 * it. A bridged callee can be moved as well, and then runs the dialplan itself.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandRegistry } from "../../../src/cli/registry.js";
import type { TransactionLayer } from "../../../src/sip/transaction/transaction-layer.js";
import { registerChannelCommands } from "../../../src/pbx/channel/channel-commands.js";
import type { PbxEvents } from "../../../src/pbx/events.js";
import { backgroundApp } from "../../../src/pbx/ivr/background.js";
import { waitExtenApp } from "../../../src/pbx/ivr/wait-exten.js";
import { responseTo, SDP } from "../../sip/session/harness.js";
import { callSetup, settle, type CallEnv } from "./call-harness.js";

const sdp2000 = SDP.replace(/192\.0\.2\.10/g, "192.0.2.20").replace("m=audio 4000", "m=audio 6000");

/** 600 is where the redirects send the caller: it marks its arrival, then waits. */
const TARGET = "[moved]\nexten => 600,1,NoOp(first)\n same => n(arrive),Set(REACHED=${CONTEXT}/${EXTEN}/${PRIORITY})\n same => n,Wait(60)\n";

async function startCall(t: CallEnv) {
  await t.manager.onInvite(t.rc);
  await settle();
  const call = [...t.manager.calls][0];
  assert.ok(call, "the call exists");
  return call;
}

function newextens(t: CallEnv): string[] {
  return t.events.filter((e) => e.name === "Newexten").map((e) => {
    const p = e.payload as PbxEvents["Newexten"];
    return `${p.Context},${p.Extension},${p.Priority} ${p.Application}`;
  });
}

test("redirect: a caller in Wait(30) goes on at the target at once; Newexten names the new place; it stays unanswered", async () => {
  const t = callSetup(`[default]\nexten => 2000,1,Wait(30)\n same => n,Set(AFTER_WAIT=yes)\n${TARGET}`);
  const call = await startCall(t);
  assert.equal(call.channel.application, "Wait");
  const r = t.manager.redirect(call.name, { context: "moved", exten: "600", priority: "2" });
  assert.deepEqual(r, { ok: true, channel: call.name, target: { context: "moved", exten: "600", priority: 2 } });
  await settle();
  assert.equal(call.vars.get("REACHED"), "moved/600/2", "the dialplan went on at the target");
  assert.equal(call.vars.get("AFTER_WAIT"), undefined, "the priority after the interrupted Wait did not run");
  assert.deepEqual(newextens(t).slice(-2), ["moved,600,2 Set", "moved,600,3 Wait"]);
  assert.equal(call.hungUp(), false);
  assert.equal(call.answered, false, "an unanswered channel stays unanswered");
  assert.equal(t.toCaller.filter((x) => x.status === 200).length, 0, "no 200 OK went to the caller");
  await t.manager.hangupByName("all");
});

test("redirect: a Playback in progress is stopped and the priority may be a label; the prompt's cut is no failure", async () => {
  const t = callSetup(`[default]\nexten => 2000,1,Answer()\n same => n,Playback(tone:ring)\n same => n,Set(AFTER_PLAY=yes)\n${TARGET}`);
  const call = await startCall(t);
  assert.equal(call.channel.application, "Playback");
  assert.equal(t.media.plays.length, 1, "the prompt is playing");
  assert.equal(t.manager.redirect(call.name, { context: "moved", exten: "600", priority: "arrive" }).ok, true);
  await settle();
  assert.equal(call.vars.get("REACHED"), "moved/600/2");
  assert.equal(call.vars.get("AFTER_PLAY"), undefined);
  assert.equal(call.vars.get("PLAYBACKSTATUS"), "SUCCESS");
  assert.equal(t.log.records.filter((e) => /Playback failed/.test(e.msg)).length, 0, "no warning for the prompt cut short");
  await t.manager.hangupByName("all");
});

test("redirect: a Background menu and a WaitExten are cut short; neither the menu's t nor i extension runs", async () => {
  for (const app of ["Background(tone:ring)", "WaitExten(30)"]) {
    const t = callSetup(`[default]\nexten => 2000,1,Answer()\n same => n,${app}\nexten => t,1,Set(TIMEOUT_RAN=yes)\nexten => i,1,Set(INVALID_RAN=yes)\n${TARGET}`, { apps: [backgroundApp, waitExtenApp] });
    const call = await startCall(t);
    assert.equal(call.channel.application.toLowerCase(), app.slice(0, app.indexOf("(")).toLowerCase(), "the menu is running");
    assert.equal(t.manager.redirect(call.name, { context: "moved", exten: "600", priority: "1" }).ok, true);
    await settle();
    assert.equal(call.vars.get("REACHED"), "moved/600/2", app);
    assert.equal(call.vars.get("TIMEOUT_RAN"), undefined, app);
    assert.equal(call.vars.get("INVALID_RAN"), undefined, app);
    await t.manager.hangupByName("all");
  }
});

test("redirect: a bridged caller leaves the bridge, its callee is hung up with BYE, and the caller goes on at the target", async () => {
  const t = callSetup(`[default]\nexten => 2000,1,Dial(PJSIP/2000,30)\n same => n,Set(AFTER_DIAL=yes)\n${TARGET}`);
  const call = await startCall(t);
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 200, { toTag: "c-1", body: sdp2000 }));
  await settle();
  const peer = call.peer;
  assert.ok(peer, "bridged");
  assert.equal(t.manager.redirect(call.name, { context: "moved", exten: "600", priority: "1" }).ok, true);
  await settle();
  const byes = t.port.requests.filter((x) => x.req.method === "BYE");
  assert.deepEqual(byes.map((b) => b.req.headers.get("Call-ID")), [inv.req.headers.get("Call-ID")], "only the callee got BYE");
  assert.equal(call.hungUp(), false);
  assert.equal(call.peer, undefined, "no peer any more");
  assert.ok(t.media.calls.includes("unbridge m1"), t.media.calls.join(", "));
  assert.ok(t.names().includes("BridgeLeave"));
  assert.equal(call.vars.get("DIALSTATUS"), "ANSWER");
  assert.equal(call.vars.get("REACHED"), "moved/600/2");
  assert.equal(call.vars.get("AFTER_DIAL"), undefined);
  assert.equal(call.channel.application, "Wait");
  await t.manager.hangupByName("all");
});

test("redirect: both sides of a bridged call (a dual redirect): neither is hung up; the callee becomes a channel the dialplan drives", async () => {
  const t = callSetup(`[default]\nexten => 2000,1,Dial(PJSIP/2000,30)\n${TARGET}`);
  const call = await startCall(t);
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 200, { toTag: "c-1", body: sdp2000 }));
  await settle();
  const peer = call.peer;
  assert.ok(peer);
  assert.equal(t.manager.redirect(call.name, { context: "moved", exten: "600", priority: "1" }).ok, true);
  assert.deepEqual(t.manager.redirect(peer.name, { context: "moved", exten: "600", priority: "arrive" }), { ok: true, channel: peer.name, target: { context: "moved", exten: "600", priority: 2 } });
  await settle();
  assert.equal(t.port.requests.filter((x) => x.req.method === "BYE").length, 0, "nobody was hung up");
  assert.equal(call.vars.get("REACHED"), "moved/600/2");
  const moved = t.manager.dialplanChannel(peer.name);
  assert.ok(moved, "the callee is now a channel the dialplan drives");
  assert.equal(moved.vars.get("REACHED"), "moved/600/2");
  assert.equal(moved.channel.application, "Wait");
  assert.ok(newextens(t).some((n) => n === "moved,600,2 Set") && t.events.some((e) => e.name === "Newexten" && (e.payload as PbxEvents["Newexten"]).Channel === peer.name));
  assert.ok(!t.media.calls.includes(`release ${peer.mediaLegId}`), "the callee keeps its RTP port");
  await t.manager.hangupByName("all");
  await settle();
  assert.equal(call.hungUp(), true);
  assert.equal(moved.hungUp(), true);
  assert.deepEqual(t.port.requests.filter((x) => x.req.method === "BYE").map((b) => b.req.headers.get("Call-ID")), [inv.req.headers.get("Call-ID")], "the callee got its BYE at the end");
  assert.ok(t.media.calls.includes(`release ${peer.mediaLegId}`), "and its port went back then");
});

test("redirect: the callee alone is taken into the dialplan; its caller's Dial returns and the caller's dialplan ends", async () => {
  const t = callSetup(`[default]\nexten => 2000,1,Dial(PJSIP/2000,30)\n${TARGET}`);
  const call = await startCall(t);
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 200, { toTag: "c-1", body: sdp2000 }));
  await settle();
  const peer = call.peer;
  assert.ok(peer);
  assert.equal(t.manager.redirect(peer.name, { context: "moved", exten: "600", priority: "1" }).ok, true);
  await settle();
  assert.equal(call.hungUp(), true, "the caller, left alone after Dial, is hung up");
  assert.equal(t.port.requests.filter((x) => x.req.method === "BYE").length, 0, "the callee was not hung up");
  const moved = t.manager.dialplanChannel(peer.name);
  assert.equal(moved?.vars.get("REACHED"), "moved/600/2");
  await t.manager.hangupByName("all");
});

test("redirect: a caller whose Dial rings is taken away: the callee gets CANCEL, DIALSTATUS is CANCEL, the caller stays unanswered", async () => {
  const t = callSetup(`[default]\nexten => 2000,1,Dial(PJSIP/2000,30)\n${TARGET}`);
  const call = await startCall(t);
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 180, { toTag: "c-1" }));
  await settle();
  assert.equal(t.manager.redirect(call.name, { context: "moved", exten: "600", priority: "1" }).ok, true);
  await settle();
  assert.equal(t.port.requests.filter((x) => x.req.method === "CANCEL").length, 1, "the ringing callee is cancelled");
  assert.equal(call.vars.get("DIALSTATUS"), "CANCEL");
  assert.equal(call.vars.get("REACHED"), "moved/600/2");
  assert.equal(call.answered, false);
  assert.equal(call.ringing_.size, 0);
  await t.manager.hangupByName("all");
});

test("redirect: an empty context and exten keep the channel's own; an unknown channel, a bad label and a Dial's outgoing leg are refused", async () => {
  const t = callSetup(`[default]\nexten => 2000,1,Dial(PJSIP/2000,30)\n same => n(back),Set(BACK=yes)\n same => n,Wait(60)\n`);
  const call = await startCall(t);
  assert.deepEqual(t.manager.redirect("PJSIP/9999-00000099", { priority: "1" }), { ok: false, reason: "no-channel" });
  assert.deepEqual(t.manager.redirect(call.name, { priority: "nosuchlabel" }), { ok: false, reason: "invalid-priority" });
  assert.deepEqual(t.manager.redirect(call.name, { priority: "0" }), { ok: false, reason: "invalid-priority" });
  const ringing = [...call.ringing_][0];
  assert.ok(ringing);
  assert.deepEqual(t.manager.redirect(ringing.name, { priority: "1" }), { ok: false, reason: "failed" }, "a callee that has not answered cannot be moved");
  const r = t.manager.redirect(call.uniqueId, { context: "", exten: "", priority: "back" });
  assert.deepEqual(r, { ok: true, channel: call.name, target: { context: "default", exten: "2000", priority: 2 } });
  await settle();
  assert.equal(call.vars.get("BACK"), "yes");
  await t.manager.hangupByName("all");
  await settle();
  assert.deepEqual(t.manager.redirect(call.name, { priority: "1" }), { ok: false, reason: "no-channel" }, "a hung-up channel is gone");
});

test("channel redirect: the console moves a channel and says so; an unknown one is not found; a bad destination shows the usage", async () => {
  const t = callSetup(`[default]\nexten => 2000,1,Wait(30)\n${TARGET}`);
  const registry = new CommandRegistry();
  registerChannelCommands(registry, t.manager, { counts: () => ({ server: 0, client: 0 }) } as unknown as TransactionLayer);
  const call = await startCall(t);
  assert.equal((await registry.execute(`channel redirect ${call.name} moved,600,arrive`)).output, `Channel '${call.name}' successfully redirected to moved,600,arrive\n`);
  await settle();
  assert.equal(call.vars.get("REACHED"), "moved/600/2");
  assert.equal((await registry.execute("channel redirect PJSIP/nobody-00000000 default,600,1")).output, "Channel 'PJSIP/nobody-00000000' not found\n");
  assert.equal((await registry.execute(`channel redirect ${call.name} moved,600,nolabel`)).output, `Channel '${call.name}' failed to be redirected to moved,600,nolabel\n`);
  const usage = await registry.execute(`channel redirect ${call.name}`);
  assert.match(usage.output, /^Usage: channel redirect <channel> <\[\[context,\]exten,\]priority>\n/);
  await t.manager.hangupByName("all");
});

test("redirect: an originated call running one application (Wait) goes on in the dialplan at the target", async () => {
  const t = callSetup(TARGET);
  void t.manager.originate({ channel: "PJSIP/2000", timeoutMs: 30000, then: { kind: "app", app: "Wait", data: "60" } });
  await settle();
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 200, { toTag: "c-1", body: sdp2000 }));
  await settle();
  const call = [...t.manager.originated][0];
  assert.ok(call);
  assert.equal(call.channel.application, "Wait");
  assert.equal(t.manager.redirect(call.name, { context: "moved", exten: "600", priority: "1" }).ok, true);
  await settle();
  assert.equal(call.vars.get("REACHED"), "moved/600/2");
  assert.equal(call.hungUp(), false);
  await t.manager.hangupByName("all");
});
