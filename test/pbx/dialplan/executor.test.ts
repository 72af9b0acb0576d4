import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureLogger } from "../../../src/core/logger.js";
import { FakeClock } from "../../../src/core/clock.js";
import { createCoreAppRegistry } from "../../../src/pbx/apps/index.js";
import { createCoreFuncRegistry } from "../../../src/pbx/funcs/index.js";
import { DialplanExecutor } from "../../../src/pbx/dialplan/executor.js";
import type { Dialplan } from "../../../src/pbx/dialplan/types.js";
import { FakeChannel, dialplanFrom } from "./fake-channel.js";

function executor(dp: Dialplan, maxSteps?: number) {
  const log = new CaptureLogger();
  const exec = new DialplanExecutor({
    dialplan: () => dp,
    log,
    apps: createCoreAppRegistry(),
    funcs: createCoreFuncRegistry(),
    clock: new FakeClock(1_700_000_000_000),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
  });
  return { exec, log };
}

function executing(log: CaptureLogger): string[] {
  // pbx.c's verbose level 3 line (the console shows it as `    -- Executing …`).
  return log.records.filter((r) => r.verbose === 3 && r.msg.startsWith("Executing")).map((r) => `-- ${r.msg}`);
}

test("executor: echo test answers, echoes, and stops when the caller hangs up", async () => {
  const { exec, log } = executor(dialplanFrom("[internal]\nexten => 600,1,Answer()\n same => n,Echo()\n same => n,NoOp(never)\n"));
  const ch = new FakeChannel();
  ch.hangUpAfter.add("echo");
  const out = await exec.run(ch, "internal", "600");
  assert.deepEqual(ch.calls, ["answer()", "echo()"]);
  assert.deepEqual(out, { kind: "ended", reason: "app", context: "internal", exten: "600", priority: 2, steps: 2 });
  assert.deepEqual(executing(log), [
    '-- Executing [600@internal:1] Answer("PJSIP/1001-00000001", "") in new stack',
    '-- Executing [600@internal:2] Echo("PJSIP/1001-00000001", "") in new stack',
  ]);
  const line = log.records.find((r) => r.msg.startsWith("Executing"));
  assert.equal(line?.verbose, 3);
  assert.equal(line?.ctx.asteriskSource, "pbx.c", "the line names Asterisk's source file, as Asterisk's does");
});

test("executor: unknown extension returns no-extension and runs nothing", async () => {
  const { exec } = executor(dialplanFrom("[internal]\nexten => 600,1,Answer()\n"));
  const ch = new FakeChannel();
  assert.deepEqual(await exec.run(ch, "internal", "999"), { kind: "no-extension", context: "internal", exten: "999" });
  assert.deepEqual(await exec.run(ch, "nowhere", "600"), { kind: "no-extension", context: "nowhere", exten: "600" });
  assert.deepEqual(ch.calls, []);
});

test("executor: falling off the end hangs up with cause 16 (autofallthrough)", async () => {
  const { exec, log } = executor(dialplanFrom("[c]\nexten => 1,1,NoOp(a)\n"));
  const ch = new FakeChannel();
  const out = await exec.run(ch, "c", "1");
  assert.equal(out.kind === "ended" && out.reason, "fallthrough");
  assert.deepEqual(ch.calls, ["hangup(16)"]);
  assert.ok(log.find("Auto fallthrough, channel 'PJSIP/1001-00000001' status is 'UNKNOWN'"));
});

test("executor: falling off the end after a busy Dial signals busy, then hangs up with 17", async () => {
  const { exec } = executor(dialplanFrom("[c]\nexten => 1,1,Dial(PJSIP/1002,20)\n"));
  const ch = new FakeChannel();
  ch.dialResult = { status: "BUSY" };
  await exec.run(ch, "c", "1");
  assert.deepEqual(ch.calls, ["dial(PJSIP/1002,20,)", "busy(10)", "hangup(17)"]);
  assert.equal(ch.vars.get("DIALSTATUS"), "BUSY");
});

test("executor: Dial to ${EXTEN} sets DIALSTATUS, and the h extension sees it", async () => {
  const { exec } = executor(
    dialplanFrom(["[internal]", "exten => _10XX,1,Dial(PJSIP/${EXTEN},30)", " same => n,Hangup()", "exten => h,1,Set(SEEN=${DIALSTATUS}/${HANGUPCAUSE})"].join("\n")),
  );
  const ch = new FakeChannel();
  ch.dialResult = { status: "NOANSWER" };
  const out = await exec.run(ch, "internal", "1002");
  assert.deepEqual(ch.calls, ["dial(PJSIP/1002,30,)", "hangup(16)"]);
  assert.equal(ch.vars.get("SEEN"), "NOANSWER/16");
  assert.equal(out.kind === "ended" && out.steps, 3);
});

test("executor: an answered Dial ends the dialplan when the bridge ends (no 'g')", async () => {
  const { exec } = executor(dialplanFrom("[c]\nexten => 1,1,Dial(PJSIP/1002&PJSIP/1003,,tT)\n same => n,NoOp(after)\n"));
  const ch = new FakeChannel();
  ch.dialResult = { status: "ANSWER", answeredBy: "PJSIP/1003-00000002" };
  const out = await exec.run(ch, "c", "1");
  assert.deepEqual(ch.calls, ["dial(PJSIP/1002&PJSIP/1003,,tT)", "hangup(16)"]);
  assert.equal(ch.vars.get("DIALEDPEERNAME"), "PJSIP/1003-00000002");
  assert.equal(out.kind === "ended" && out.reason, "app");
});

test("executor: with 'g' an answered Dial continues the dialplan", async () => {
  const { exec } = executor(dialplanFrom("[c]\nexten => 1,1,Dial(PJSIP/1002,,g)\n same => n,Playback(tone:ring)\n"));
  const ch = new FakeChannel();
  ch.dialResult = { status: "ANSWER" };
  await exec.run(ch, "c", "1");
  assert.deepEqual(ch.calls.slice(0, 3), ["dial(PJSIP/1002,,g)", "answer()", "playback(tone:ring)"]);
});

test("executor: Goto to a label in another extension and context", async () => {
  const dp = dialplanFrom(
    ["[a]", "exten => 1,1,Goto(b,2,target)", "[b]", "exten => 2,1,NoOp(skipped)", " same => n(target),Set(HERE=${CONTEXT}/${EXTEN}/${PRIORITY})", " same => n,Hangup(17)"].join("\n"),
  );
  const { exec } = executor(dp);
  const ch = new FakeChannel();
  const out = await exec.run(ch, "a", "1");
  assert.equal(ch.vars.get("HERE"), "b/2/2");
  assert.deepEqual(ch.calls, ["hangup(17)"]);
  assert.deepEqual(out, { kind: "ended", reason: "app", context: "b", exten: "2", priority: 3, steps: 3 });
});

test("executor: GotoIf picks the branch by an expression", async () => {
  const dp = dialplanFrom(
    [
      "[c]",
      "exten => _X.,1,GotoIf($[${EXTEN:0:1} = 5]?five:other)",
      " same => n(five),Set(R=five)",
      " same => n,Hangup()",
      " same => n(other),Set(R=other)",
      " same => n,Hangup()",
    ].join("\n"),
  );
  const { exec } = executor(dp);
  const a = new FakeChannel();
  await exec.run(a, "c", "55");
  assert.equal(a.vars.get("R"), "five");
  const b = new FakeChannel();
  await exec.run(b, "c", "66");
  assert.equal(b.vars.get("R"), "other");
});

test("executor: GotoIf with an empty branch continues with the next priority", async () => {
  const { exec } = executor(dialplanFrom("[c]\nexten => 1,1,GotoIf($[1 = 2]?end)\n same => n,Set(R=next)\n same => n(end),Hangup()\n"));
  const ch = new FakeChannel();
  await exec.run(ch, "c", "1");
  assert.equal(ch.vars.get("R"), "next");
});

test("executor: Goto to a missing label warns and hangs up", async () => {
  const { exec, log } = executor(dialplanFrom("[c]\nexten => 1,1,Goto(nowhere)\n"));
  const ch = new FakeChannel();
  const out = await exec.run(ch, "c", "1");
  assert.equal(out.kind === "ended" && out.reason, "app");
  assert.ok(log.find("Priority 'nowhere' must be a number > 0, or valid label"));
  assert.deepEqual(ch.calls, ["hangup(16)"]);
});

test("executor: Goto to an extension that does not exist runs 'i' when present", async () => {
  const { exec } = executor(dialplanFrom("[c]\nexten => 1,1,Goto(77,1)\nexten => i,1,Set(BAD=${INVALID_EXTEN})\n same => n,Hangup()\n"));
  const ch = new FakeChannel();
  await exec.run(ch, "c", "1");
  assert.equal(ch.vars.get("BAD"), "77");
});

test("executor: Goto to an extension that does not exist and no 'i' hangs up with a warning", async () => {
  const { exec, log } = executor(dialplanFrom("[c]\nexten => 1,1,Goto(77,1)\n"));
  const ch = new FakeChannel();
  const out = await exec.run(ch, "c", "1");
  assert.equal(out.kind === "ended" && out.reason, "invalid-extension");
  assert.ok(log.find("sent to invalid extension but no invalid handler: context,exten,priority=c,77,1"));
  assert.deepEqual(ch.calls, ["hangup(16)"]);
});

test("executor: included contexts are searched at the start and after Goto", async () => {
  const { exec } = executor(dialplanFrom(["[a]", "include => b", "[b]", "exten => _X,1,Set(WHERE=${CONTEXT})", " same => n,Hangup()"].join("\n")));
  const ch = new FakeChannel();
  const out = await exec.run(ch, "a", "5");
  // ${CONTEXT} stays the context the call is in, as in Asterisk.
  assert.equal(ch.vars.get("WHERE"), "a");
  assert.equal(out.kind, "ended");
});

test("executor: a Goto loop is stopped by the step guard and hung up with a warning", async () => {
  const { exec, log } = executor(dialplanFrom("[c]\nexten => 1,1(top),NoOp()\n same => n,Goto(top)\n"), 50);
  const ch = new FakeChannel();
  const out = await exec.run(ch, "c", "1");
  assert.equal(out.kind === "ended" && out.reason, "loop-guard");
  assert.equal(out.kind === "ended" && out.steps, 50);
  assert.ok(log.find("ran 50 dialplan steps without ending"));
  assert.deepEqual(ch.calls, ["hangup(16)"]);
});

test("executor: a loop in the h extension is also bounded", async () => {
  const { exec } = executor(dialplanFrom("[c]\nexten => 1,1,Hangup()\nexten => h,1(top),Goto(top)\n"), 20);
  const out = await exec.run(new FakeChannel(), "c", "1");
  assert.equal(out.kind === "ended" && out.steps, 21);
});

test("executor: the caller hanging up stops execution and runs h", async () => {
  const { exec } = executor(dialplanFrom("[c]\nexten => 1,1,Wait(5)\n same => n,NoOp(never)\nexten => h,1,Set(H=ran)\n"));
  const ch = new FakeChannel();
  ch.hangUpAfter.add("wait");
  const out = await exec.run(ch, "c", "1");
  assert.equal(out.kind === "ended" && out.reason, "app");
  assert.deepEqual(ch.calls, ["wait(5)"]); // no hangup() from us: the caller is gone
  assert.equal(ch.vars.get("H"), "ran");
});

test("executor: an unknown application warns at run time and hangs up", async () => {
  const { exec, log } = executor(dialplanFrom("[c]\nexten => 1,1,Frobnicate(x)\n"));
  const ch = new FakeChannel();
  const out = await exec.run(ch, "c", "1");
  assert.equal(out.kind === "ended" && out.reason, "no-application");
  assert.ok(log.find("No application 'Frobnicate' for extension (c, 1, 1)"));
  assert.deepEqual(ch.calls, ["hangup(16)"]);
});

test("executor: an application that throws is logged as an error and the call hung up", async () => {
  const dp = dialplanFrom("[c]\nexten => 1,1,Boom()\n");
  const apps = createCoreAppRegistry();
  apps.register({ name: "Boom", synopsis: "", syntax: "Boom()", execute: () => Promise.reject(new Error("bug")) });
  const log = new CaptureLogger();
  const exec = new DialplanExecutor({ dialplan: () => dp, log, apps, funcs: createCoreFuncRegistry() });
  const ch = new FakeChannel();
  const out = await exec.run(ch, "c", "1");
  assert.equal(out.kind === "ended" && out.reason, "app-error");
  assert.equal(log.records.find((r) => r.level === "error")?.msg, "Application Boom failed at 1@c:1; hanging up");
  assert.deepEqual(ch.calls, ["hangup(16)"]);
});

test("executor: globals from [globals] and GLOBAL() are shared between calls", async () => {
  const { exec } = executor(dialplanFrom("[globals]\nTRUNK=PJSIP/trunk\n[c]\nexten => 1,1,Set(GLOBAL(COUNT)=$[0${COUNT} + 1])\n same => n,Set(T=${TRUNK}/${GLOBAL(COUNT)})\n same => n,Hangup()\n"));
  const a = new FakeChannel();
  await exec.run(a, "c", "1");
  const b = new FakeChannel();
  await exec.run(b, "c", "1");
  assert.equal(a.vars.get("T"), "PJSIP/trunk/1");
  assert.equal(b.vars.get("T"), "PJSIP/trunk/2");
});

test("executor: built-in variables CHANNEL, UNIQUEID and EPOCH", async () => {
  const { exec } = executor(dialplanFrom("[c]\nexten => s,1,Set(V=${CHANNEL}|${EPOCH}|${LEN(${UNIQUEID})})\n same => n,Hangup()\n"));
  const ch = new FakeChannel();
  await exec.run(ch, "c", "s");
  assert.match(ch.vars.get("V") ?? "", /^PJSIP\/1001-00000001\|1700000000\|\d+$/);
  assert.match(ch.vars.get("UNIQUEID") ?? "", /^1700000000\.\d+$/);
});

test("executor: starting priority other than 1 must exist", async () => {
  const { exec } = executor(dialplanFrom("[c]\nexten => 1,1,Hangup()\n"));
  assert.equal((await exec.run(new FakeChannel(), "c", "1", 5)).kind, "no-extension");
});
