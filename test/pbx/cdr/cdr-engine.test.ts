/**
 * Call detail records over the real call layer (fake SIP and media, call-harness.ts): the
 * engine hears the calls' events and writes one record per pair of parties, with Asterisk's
 * fields, dispositions and times; CDR(), NoCDR() and the h extension act on it. Parallel rings
 * and a second Dial are driven with the events themselves.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCdrConfig, type CdrConfig } from "../../../src/config/cdr/load-cdr.js";
import { parseConfigText } from "../../../src/config/index.js";
import { CdrEngine, CDR_INPUT_EVENTS, type FinishedCdr } from "../../../src/pbx/cdr/cdr-engine.js";
import { cdrFunction, cdrPropFunction, noCdrApp, resetCdrApp } from "../../../src/pbx/cdr/cdr-functions.js";
import { channelFields, destChannelFields, type ChannelView } from "../../../src/pbx/events.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import { FakeClock } from "../../../src/core/clock.js";
import { inDialogFrom, responder, responseTo, SDP, tagOf } from "../../sip/session/harness.js";
import { callSetup, settle, type CallEnv } from "../channel/call-harness.js";

const CALLEE_SDP = SDP.replace(/192\.0\.2\.10/g, "192.0.2.20").replace("m=audio 4000", "m=audio 6000");

function cdrConfig(text = ""): CdrConfig {
  const r = buildCdrConfig({ cdr: text === "" ? undefined : parseConfigText(text, "cdr.conf"), manager: undefined, sqlite: undefined });
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  return r.config;
}

/** A call harness with the CDR engine and its dialplan functions attached. */
function withCdr(dialplan: string, cdrConf = "") {
  const written: FinishedCdr[] = [];
  let engine: CdrEngine | undefined;
  let clock: { now(): number } = { now: () => 0 };
  const t = callSetup(dialplan, {
    extend: ({ apps, funcs, bus }) => {
      engine = new CdrEngine({ config: () => cdrConfig(cdrConf), now: () => clock.now(), log: new CaptureLogger(), write: (f) => written.push(f) });
      const e = engine;
      for (const name of CDR_INPUT_EVENTS) bus.on(name, (p) => e.handle(name, p));
      const deps = { engine: () => engine, now: () => clock.now(), initiatedSeconds: () => false };
      funcs.register(cdrFunction(deps));
      funcs.register(cdrPropFunction(deps));
      apps.register(noCdrApp(deps));
      apps.register(resetCdrApp(deps));
    },
  });
  clock = t.clock;
  return { t, written, engine: () => engine };
}

async function ring(t: CallEnv) {
  await t.manager.onInvite(t.rc);
  await settle();
  return t.calleeInvite();
}

async function answer(t: CallEnv): Promise<string> {
  const inv = await ring(t);
  inv.delegate.onResponse(responseTo(inv.req, 180, { toTag: "bob-1" }));
  await settle();
  t.clock.advance(3000);
  inv.delegate.onResponse(responseTo(inv.req, 200, { toTag: "bob-1", body: CALLEE_SDP }));
  await settle();
  const ok = t.toCaller.find((r) => r.status === 200);
  assert.ok(ok, "the caller got a 200");
  const toTag = tagOf(ok.headers.get("To"));
  t.manager.onAck(inDialogFrom({ method: "ACK", toTag, cseq: 10 }));
  return toTag;
}

async function callerHangsUp(t: CallEnv, toTag: string): Promise<void> {
  const bye = responder();
  t.manager.onInDialogRequest(inDialogFrom({ method: "BYE", toTag, cseq: 11 }), {} as never, bye.respond);
  await settle();
}

test("cdr: an answered call is one record, A to B, with Dial as lastapp, 3 s of ringing and 42 s billed", async () => {
  const { t, written } = withCdr("[default]\nexten => 2000,1,Dial(PJSIP/2000,30)\n");
  const start = t.clock.now();
  const toTag = await answer(t);
  t.clock.advance(42_000);
  await callerHangsUp(t, toTag);
  assert.equal(written.length, 1, "one record for the pair");
  const [f] = written;
  assert.ok(f);
  const r = f.record;
  assert.match(r.channel, /^PJSIP\/1001-/);
  assert.match(r.b?.channel ?? "", /^PJSIP\/2000-/);
  assert.equal(r.callerIdNum, "1001");
  assert.equal(r.dst, "2000");
  assert.equal(r.dcontext, "default");
  assert.equal(r.lastapp, "Dial");
  assert.equal(r.lastdata, "PJSIP/2000,30");
  assert.equal(f.disposition, "ANSWERED");
  assert.equal(r.start, start);
  assert.equal(r.answer, start + 3000);
  assert.equal(r.duration(0), 45);
  assert.equal(r.billsec(0), 42);
  assert.equal(r.amaflags, "DOCUMENTATION");
  assert.equal(r.linkedid, r.uniqueid, "party A's uniqueid is the call's linkedid");
});

test("cdr: a busy callee is one BUSY record without an answer time", async () => {
  const { t, written } = withCdr("[default]\nexten => 2000,1,Dial(PJSIP/2000,30)\n");
  const inv = await ring(t);
  inv.delegate.onResponse(responseTo(inv.req, 486, { toTag: "bob-1" }));
  await settle();
  assert.equal(written.length, 1);
  assert.equal(written[0]?.disposition, "BUSY");
  assert.equal(written[0]?.record.answer, undefined);
  assert.equal(written[0]?.record.billsec(0), 0);
  assert.match(written[0]?.record.b?.channel ?? "", /^PJSIP\/2000-/, "the callee that was busy is party B");
});

test("cdr: a call that only reaches party A and is never answered is left out unless unanswered=yes", async () => {
  const plan = "[default]\nexten => 2000,1,Hangup(17)\n";
  const off = withCdr(plan);
  await off.t.manager.onInvite(off.t.rc);
  await settle();
  assert.equal(off.written.length, 0, "unanswered=no: nothing written");
  const on = withCdr(plan, "[general]\nunanswered=yes\n");
  await on.t.manager.onInvite(on.t.rc);
  await settle();
  assert.equal(on.written.length, 1);
  assert.equal(on.written[0]?.disposition, "BUSY", "the hangup cause 17 decides");
  assert.equal(on.written[0]?.record.lastapp, "Hangup");
});

test("cdr: CDR(userfield) and CDR variables set in the dialplan and in the h extension are in the record; billsec is readable there", async () => {
  const { t, written } = withCdr("[default]\nexten => 2000,1,Set(CDR(userfield)=vip)\n same => n,Set(CDR(ticket)=T-9)\n same => n,Dial(PJSIP/2000,30)\nexten => h,1,Set(CDR(billed)=${CDR(billsec)})\n same => n,Set(CDR(src)=forged)\n");
  const toTag = await answer(t);
  t.clock.advance(10_000);
  await callerHangsUp(t, toTag);
  assert.equal(written.length, 1);
  const r = written[0]?.record;
  assert.equal(r?.userfield, "vip");
  assert.equal(r?.vars.get("ticket"), "T-9");
  assert.equal(r?.vars.get("billed"), "10", "the h extension ran before the record was written");
  assert.equal(r?.callerIdNum, "1001", "CDR(src) is read-only");
  assert.equal(r?.dst, "2000", "the h extension is not the destination");
  assert.ok(t.log.records.some((l) => /CDR\(src\) is read-only/.test(l.msg)), "the refused write is logged");
});

test("cdr: NoCDR() and CDR_PROP(disable)=1 leave the call out", async () => {
  for (const app of ["NoCDR()", "Set(CDR_PROP(disable)=1)"]) {
    const { t, written } = withCdr(`[default]\nexten => 2000,1,${app}\n same => n,Dial(PJSIP/2000,30)\n`);
    const toTag = await answer(t);
    await callerHangsUp(t, toTag);
    assert.equal(written.length, 0, app);
  }
});

test("cdr: an answered call without a party B (Answer, Hangup) is ANSWERED with an empty dstchannel", async () => {
  const { t, written } = withCdr("[default]\nexten => 2000,1,Answer()\n same => n,Hangup()\n");
  await t.manager.onInvite(t.rc);
  await settle();
  assert.equal(written.length, 1);
  assert.equal(written[0]?.disposition, "ANSWERED");
  assert.equal(written[0]?.record.b, undefined);
  assert.equal(written[0]?.record.lastapp, "Hangup");
});

/** Events for synthetic calls: a channel view per name. */
function view(name: string, uid: string, linked = uid): ChannelView {
  return { name, state: "Ring", callerIdNum: "1001", callerIdName: "Alice", context: "default", exten: "600", priority: 1, uniqueid: uid, linkedid: linked };
}

function synthetic(conf = "") {
  const clock = new FakeClock();
  const written: FinishedCdr[] = [];
  const e = new CdrEngine({ config: () => cdrConfig(conf), now: () => clock.now(), log: new CaptureLogger(), write: (f) => written.push(f) });
  const a = view("PJSIP/1001-00000001", "1.1");
  return { clock, written, e, a };
}

test("cdr: a parallel Dial keeps the answered target's record; unanswered=yes keeps every ring", () => {
  for (const conf of ["", "[general]\nunanswered=yes\n"]) {
    const { e, a, written, clock } = synthetic(conf);
    const b = view("PJSIP/2000-00000002", "1.2", "1.1");
    const c = view("PJSIP/2001-00000003", "1.3", "1.1");
    e.handle("Newchannel", channelFields(a));
    e.handle("Newexten", { ...channelFields(a), Extension: "600", Application: "Dial", AppData: "PJSIP/2000&PJSIP/2001" });
    for (const x of [b, c]) {
      e.handle("Newchannel", channelFields(x));
      e.handle("DialBegin", { ...channelFields(a), ...destChannelFields(x), DialString: x.name.slice(6, 10) });
    }
    clock.advance(2000);
    e.handle("Newstate", { ...channelFields({ ...c, state: "Up" }) });
    e.handle("DialEnd", { ...channelFields(a), ...destChannelFields(c), DialStatus: "ANSWER" });
    e.handle("DialEnd", { ...channelFields(a), ...destChannelFields(b), DialStatus: "CANCEL" });
    e.handle("Hangup", { ...channelFields(b), Cause: 16, "Cause-txt": "" });
    clock.advance(5000);
    e.handle("Hangup", { ...channelFields(c), Cause: 16, "Cause-txt": "" });
    e.handle("Hangup", { ...channelFields(a), Cause: 16, "Cause-txt": "" });
    e.handle("ChannelReleased", { Channel: a.name, Uniqueid: a.uniqueid });
    const got = written.map((f) => `${f.record.b?.channel ?? ""} ${f.disposition} ${f.record.billsec(0)}`);
    if (conf === "") assert.deepEqual(got, ["PJSIP/2001-00000003 ANSWERED 5"]);
    else assert.deepEqual(got.sort(), ["PJSIP/2000-00000002 NO ANSWER 0", "PJSIP/2001-00000003 ANSWERED 5"]);
  }
});

test("cdr: a second Dial after a busy one starts a new record (Asterisk's fork), with its own start", () => {
  const { e, a, written, clock } = synthetic();
  const b = view("PJSIP/2000-00000002", "1.2", "1.1");
  const c = view("PJSIP/2001-00000003", "1.3", "1.1");
  e.handle("Newchannel", channelFields(a));
  e.handle("Newexten", { ...channelFields(a), Extension: "600", Application: "Dial", AppData: "PJSIP/2000" });
  e.handle("Newchannel", channelFields(b));
  e.handle("DialBegin", { ...channelFields(a), ...destChannelFields(b), DialString: "2000" });
  e.handle("Hangup", { ...channelFields(b), Cause: 17, "Cause-txt": "" });
  e.handle("DialEnd", { ...channelFields(a), ...destChannelFields(b), DialStatus: "BUSY" });
  clock.advance(1000);
  e.handle("Newexten", { ...channelFields(a), Extension: "600", Application: "Dial", AppData: "PJSIP/2001" });
  e.handle("Newchannel", channelFields(c));
  e.handle("DialBegin", { ...channelFields(a), ...destChannelFields(c), DialString: "2001" });
  e.handle("Newstate", channelFields({ ...c, state: "Up" }));
  e.handle("DialEnd", { ...channelFields(a), ...destChannelFields(c), DialStatus: "ANSWER" });
  clock.advance(9000);
  e.handle("Hangup", { ...channelFields(a), Cause: 16, "Cause-txt": "" });
  e.handle("Hangup", { ...channelFields(c), Cause: 16, "Cause-txt": "" });
  e.handle("ChannelReleased", { Channel: a.name, Uniqueid: a.uniqueid });
  assert.deepEqual(
    written.map((f) => [f.record.b?.channel, f.disposition, f.record.lastdata, f.record.start - 1_700_000_000_000, f.record.duration(0)]),
    [
      ["PJSIP/2000-00000002", "BUSY", "PJSIP/2000", 0, 0],
      ["PJSIP/2001-00000003", "ANSWERED", "PJSIP/2001", 1000, 9],
    ],
  );
  const [first, second] = written.map((f) => f.record.sequence);
  assert.ok(first !== undefined && second !== undefined && second > first, "sequence grows from record to record");
  assert.equal(e.active, 0, "nothing is left behind");
});

test("cdr: congestion=yes keeps CONGESTION apart from FAILED; enable=no writes nothing", () => {
  for (const [conf, want] of [["", ["FAILED"]], ["[general]\ncongestion=yes\n", ["CONGESTION"]], ["[general]\nenable=no\n", []]] as const) {
    const { e, a, written } = synthetic(conf);
    const b = view("PJSIP/2000-00000002", "1.2", "1.1");
    e.handle("Newchannel", channelFields(a));
    e.handle("Newchannel", channelFields(b));
    e.handle("DialBegin", { ...channelFields(a), ...destChannelFields(b), DialString: "2000" });
    e.handle("DialEnd", { ...channelFields(a), ...destChannelFields(b), DialStatus: "CONGESTION" });
    e.handle("Hangup", { ...channelFields(b), Cause: 34, "Cause-txt": "" });
    e.handle("Hangup", { ...channelFields(a), Cause: 34, "Cause-txt": "" });
    assert.deepEqual(written.map((f) => f.disposition), [...want], conf);
  }
});

test("cdr: a callee redirected out of its bridge ends its part of the caller's record and gets one of its own", () => {
  const { e, a, written, clock } = synthetic();
  const b = view("PJSIP/2000-00000002", "1.2", "1.1");
  e.handle("Newchannel", channelFields(a));
  e.handle("Newexten", { ...channelFields(a), Extension: "600", Application: "Dial", AppData: "PJSIP/2000" });
  e.handle("Newchannel", channelFields(b));
  e.handle("DialBegin", { ...channelFields(a), ...destChannelFields(b), DialString: "2000" });
  e.handle("Newstate", channelFields({ ...b, state: "Up" }));
  e.handle("DialEnd", { ...channelFields(a), ...destChannelFields(b), DialStatus: "ANSWER" });
  clock.advance(5000);
  e.handle("Newexten", { ...channelFields({ ...b, context: "ivr", exten: "s" }), Extension: "s", Application: "Playback", AppData: "welcome" });
  clock.advance(3000);
  e.handle("Hangup", { ...channelFields(a), Cause: 16, "Cause-txt": "" });
  e.handle("ChannelReleased", { Channel: a.name, Uniqueid: a.uniqueid });
  e.handle("Hangup", { ...channelFields(b), Cause: 16, "Cause-txt": "" });
  e.handle("ChannelReleased", { Channel: b.name, Uniqueid: b.uniqueid });
  assert.deepEqual(
    written.map((f) => [f.record.channel, f.record.b?.channel ?? "", f.record.lastapp, f.disposition, f.record.billsec(0)]),
    [
      ["PJSIP/1001-00000001", "PJSIP/2000-00000002", "Dial", "ANSWERED", 5],
      ["PJSIP/2000-00000002", "", "Playback", "ANSWERED", 3],
    ],
  );
  assert.equal(e.active, 0);
});
