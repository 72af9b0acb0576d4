import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureLogger } from "../../../src/core/logger.js";
import { createCoreAppRegistry, CORE_APPS } from "../../../src/pbx/apps/index.js";
import { parseDialOptions } from "../../../src/pbx/apps/dial-options.js";
import { createCoreFuncRegistry } from "../../../src/pbx/funcs/index.js";
import { parseCallerIdAll } from "../../../src/pbx/funcs/callerid.js";
import { DialplanExecutor } from "../../../src/pbx/dialplan/executor.js";
import { splitArgs } from "../../../src/pbx/dialplan/split-args.js";
import { FakeChannel, dialplanFrom } from "./fake-channel.js";

/** Runs `lines` as extension 1 in context c and returns the channel and log. */
async function run(lines: string[], setup: (ch: FakeChannel) => void = () => {}) {
  const text = ["[c]", ...lines.map((l, i) => (i === 0 ? `exten => 1,1,${l}` : ` same => n,${l}`))].join("\n");
  const dp = dialplanFrom(text);
  const log = new CaptureLogger();
  const exec = new DialplanExecutor({ dialplan: () => dp, log, apps: createCoreAppRegistry(), funcs: createCoreFuncRegistry() });
  const ch = new FakeChannel();
  setup(ch);
  const outcome = await exec.run(ch, "c", "1");
  return { ch, log, outcome };
}

test("apps: the core registry has the fifteen basic applications, case-insensitively", () => {
  const apps = createCoreAppRegistry();
  assert.equal(CORE_APPS.length, 15);
  for (const n of ["answer", "HANGUP", "Dial", "echo", "Playback", "Wait", "NoOp", "Set", "Goto", "GotoIf", "Busy", "Congestion", "Progress", "Ringing", "senddtmf"]) {
    assert.ok(apps.has(n), n);
  }
  assert.throws(() => apps.register(CORE_APPS[0]!), /already registered/);
});

test("Answer: answers once; a second Answer does nothing", async () => {
  const { ch } = await run(["Answer()", "Answer()", "Hangup()"]);
  assert.deepEqual(ch.calls, ["answer()", "hangup(16)"]);
});

test("Hangup: numeric cause and cause names; an invalid cause warns and uses 16", async () => {
  assert.deepEqual((await run(["Hangup(17)"])).ch.calls, ["hangup(17)"]);
  assert.deepEqual((await run(["Hangup(NORMAL_CIRCUIT_CONGESTION)"])).ch.calls, ["hangup(34)"]);
  const bad = await run(["Hangup(banana)"]);
  assert.deepEqual(bad.ch.calls, ["hangup(16)"]);
  assert.ok(bad.log.find('Invalid cause given to Hangup(): "banana"'));
  assert.equal(bad.ch.vars.get("HANGUPCAUSE"), "16");
});

test("Dial: without targets sets INVALIDARGS and hangs up", async () => {
  const { ch, log } = await run(["Dial()", "NoOp(never)"]);
  assert.equal(ch.vars.get("DIALSTATUS"), "INVALIDARGS");
  assert.ok(log.find("Dial requires an argument"));
  assert.deepEqual(ch.calls, ["hangup(16)"]);
});

test("Dial: a target without technology sets INVALIDARGS and continues", async () => {
  const { ch } = await run(["Dial(1002)", "Set(NEXT=${DIALSTATUS})", "Hangup()"]);
  assert.equal(ch.vars.get("NEXT"), "INVALIDARGS");
});

test("Dial: a bad timeout warns and dials without one; unknown options warn and pass through", async () => {
  const { ch, log } = await run(["Dial(PJSIP/1002,soon,tq)", "Hangup()"], (c) => (c.dialResult = { status: "CHANUNAVAIL" }));
  assert.equal(ch.calls[0], "dial(PJSIP/1002,,tq)");
  assert.ok(log.find("Dial timeout 'soon' is not a positive number"));
  assert.ok(log.find("Dial options 'q' are not known"));
  assert.equal(ch.vars.get("DIALSTATUS"), "CHANUNAVAIL");
});

test("Dial: options with arguments are parsed", () => {
  const o = parseDialOptions("tTL(60000:30000)U(sub^arg)g");
  assert.deepEqual([...o.flags], [["t", ""], ["T", ""], ["L", "60000:30000"], ["U", "sub^arg"], ["g", ""]]);
  assert.deepEqual(o.unknown, []);
});

test("Playback: answers, plays each file, SUCCESS", async () => {
  const { ch } = await run(["Playback(hello&tone:ring)", "Hangup()"]);
  assert.deepEqual(ch.calls, ["answer()", "playback(hello)", "playback(tone:ring)", "hangup(16)"]);
  assert.equal(ch.vars.get("PLAYBACKSTATUS"), "SUCCESS");
});

test("Playback: a missing file warns, sets FAILED and goes on with the next file", async () => {
  const { ch, log } = await run(["Playback(missing&hello)", "Hangup()"], (c) => c.failingFiles.add("missing"));
  assert.deepEqual(ch.calls, ["answer()", "playback(missing)", "playback(hello)", "hangup(16)"]);
  assert.equal(ch.vars.get("PLAYBACKSTATUS"), "FAILED");
  assert.ok(log.find("Playback failed on PJSIP/1001-00000001 for missing"));
});

test("Playback: 'noanswer' plays as early media; 'skip' plays nothing on an unanswered call", async () => {
  assert.deepEqual((await run(["Playback(hello,noanswer)", "Hangup()"])).ch.calls, ["playback(hello)", "hangup(16)"]);
  const skip = await run(["Playback(hello,skip)", "Hangup()"]);
  assert.deepEqual(skip.ch.calls, ["hangup(16)"]);
  assert.equal(skip.ch.vars.get("PLAYBACKSTATUS"), "SUCCESS");
});

test("Wait: passes fractional seconds; junk warns and does not wait", async () => {
  assert.deepEqual((await run(["Wait(1.5)", "Hangup()"])).ch.calls, ["wait(1.5)", "hangup(16)"]);
  const bad = await run(["Wait(abc)", "Hangup()"]);
  assert.deepEqual(bad.ch.calls, ["hangup(16)"]);
  assert.ok(bad.log.find("Wait() needs a number of seconds"));
});

test("Set: the value keeps commas and '='; an empty value unsets", async () => {
  const { ch } = await run(["Set(A=x,y=z)", "Set(B=1)", "Set(B=)", "Hangup()"]);
  assert.equal(ch.vars.get("A"), "x,y=z");
  assert.equal(ch.vars.has("B"), false);
});

test("Set: inheritance underscores are dropped from the name", async () => {
  const { ch } = await run(["Set(__ACCOUNT=42)", "Hangup()"]);
  assert.equal(ch.vars.get("ACCOUNT"), "42");
});

test("Set: CALLERID(num) and CALLERID(name) are written; CALLERID(all) reads both", async () => {
  const { ch } = await run(["Set(CALLERID(name)=Reception)", "Set(CALLERID(num)=200)", "Set(ALL=${CALLERID(all)})", "Hangup()"]);
  assert.deepEqual(ch.callerId, { num: "200", name: "Reception" });
  assert.equal(ch.vars.get("ALL"), '"Reception" <200>');
});

test("Set: CALLERID(all) is parsed into name and number", async () => {
  const { ch } = await run(['Set(CALLERID(all)="Front Desk" <300>)', "Hangup()"]);
  assert.deepEqual(ch.callerId, { name: "Front Desk", num: "300" });
  assert.deepEqual(parseCallerIdAll("5551234"), { name: "", num: "5551234" });
  assert.deepEqual(parseCallerIdAll("Bob <12>"), { name: "Bob", num: "12" });
});

test("Set: an unknown function warns and changes nothing", async () => {
  const { ch, log } = await run(["Set(NOPE(x)=1)", "Hangup()"]);
  assert.ok(log.find("Function NOPE not registered"));
  assert.equal(ch.vars.size, 2); // UNIQUEID and HANGUPCAUSE only
});

test("Set: without '=' warns", async () => {
  const { log } = await run(["Set(oops)", "Hangup()"]);
  assert.ok(log.find("Set requires a variable name and value"));
});

test("IF and LEN functions", async () => {
  const { ch } = await run(["Set(A=${IF($[${LEN(${CALLERID(num)})} = 4]?four:other)})", "Set(B=${IF(0?yes:no)})", "Hangup()"]);
  assert.equal(ch.vars.get("A"), "four");
  assert.equal(ch.vars.get("B"), "no");
});

test("Busy and Congestion signal, record the cause and end the dialplan", async () => {
  const busy = await run(["Busy(5)", "NoOp(never)"]);
  assert.deepEqual(busy.ch.calls, ["busy(5)", "hangup(17)"]);
  const cong = await run(["Congestion()", "NoOp(never)"]);
  assert.deepEqual(cong.ch.calls, ["congestion()", "hangup(34)"]);
  assert.equal(cong.ch.vars.get("HANGUPCAUSE"), "34");
});

test("Progress, Ringing and NoOp", async () => {
  const { ch, log } = await run(["Progress()", "Ringing()", "NoOp(caller ${CALLERID(num)})", "Hangup()"]);
  assert.deepEqual(ch.calls, ["progress()", "ringing()", "hangup(16)"]);
  assert.ok(log.find('NoOp("PJSIP/1001-00000001", "caller 1001") in new stack'));
});

test("splitArgs: commas split only at the top level; quotes and \\, escapes", () => {
  assert.deepEqual(splitArgs("PJSIP/${EXTEN},30,tT"), ["PJSIP/${EXTEN}", "30", "tT"]);
  assert.deepEqual(splitArgs("a,${IF($[1]?x,y:z)},b"), ["a", "${IF($[1]?x,y:z)}", "b"]);
  assert.deepEqual(splitArgs('"a,b",c'), ["a,b", "c"]);
  assert.deepEqual(splitArgs("a\\,b,c"), ["a,b", "c"]);
  assert.deepEqual(splitArgs("a,,c"), ["a", "", "c"]);
  assert.deepEqual(splitArgs(""), []);
  assert.deepEqual(splitArgs('x,$["a,b" = c]'), ["x", '$["a,b" = c]']);
});

test("args are split before substitution, so a caller name with commas stays one argument", async () => {
  const { ch } = await run(["Dial(PJSIP/${CALLERID(name)},5)", "Hangup()"], (c) => (c.callerId = { num: "1", name: "a,b" }));
  assert.equal(ch.calls[0], "dial(PJSIP/a,b,5,)");
});
