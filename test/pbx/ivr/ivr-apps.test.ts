/**
 * The IVR applications on a scripted channel: keys pressed during a prompt interrupt it, keys
 * queued after are read by Read and by the extension collection that follows Background, and a
 * readDigit with nothing queued is a timeout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureLogger } from "../../../src/core/logger.js";
import { createCoreAppRegistry } from "../../../src/pbx/apps/index.js";
import { createCoreFuncRegistry } from "../../../src/pbx/funcs/index.js";
import { DialplanExecutor } from "../../../src/pbx/dialplan/executor.js";
import type { PlayOutcome } from "../../../src/pbx/dialplan/channel.js";
import { backgroundApp } from "../../../src/pbx/ivr/background.js";
import { channelFunction } from "../../../src/pbx/ivr/channel-func.js";
import { readApp } from "../../../src/pbx/ivr/read.js";
import { alphaFiles, digitFiles, numberFiles, sayAlphaApp, sayDigitsApp, sayNumberApp } from "../../../src/pbx/ivr/say.js";
import { timeoutFunction } from "../../../src/pbx/ivr/timeouts.js";
import { waitExtenApp } from "../../../src/pbx/ivr/wait-exten.js";
import { FakeChannel, dialplanFrom } from "../dialplan/fake-channel.js";

/** A channel whose caller presses `during[file]` while that prompt plays, and then the keys of `typed`. */
class KeyChannel extends FakeChannel {
  readonly during = new Map<string, string>();
  readonly typed: string[] = [];
  readonly waits: number[] = [];
  language = "en";
  play(what: string, keys: string): Promise<PlayOutcome> {
    this.calls.push(`play(${what})`);
    const d = this.during.get(what);
    if (d !== undefined && keys.includes(d)) return Promise.resolve({ status: "interrupted", digit: d });
    return Promise.resolve({ status: "ok" });
  }
  readDigit(timeoutMs: number): Promise<string | undefined> {
    this.waits.push(timeoutMs);
    return Promise.resolve(this.typed.shift());
  }
}

const logText = (log: CaptureLogger): string => log.records.map((r) => r.msg).join("\n");

async function run(text: string, setup: (ch: KeyChannel) => void = () => {}, exten = "s") {
  const apps = createCoreAppRegistry();
  for (const a of [backgroundApp, waitExtenApp, readApp, sayDigitsApp, sayNumberApp, sayAlphaApp]) apps.register(a);
  const funcs = createCoreFuncRegistry();
  funcs.register(timeoutFunction);
  funcs.register(channelFunction);
  const log = new CaptureLogger();
  const exec = new DialplanExecutor({ dialplan: () => dialplanFrom(text), log, apps, funcs });
  const ch = new KeyChannel();
  setup(ch);
  const outcome = await exec.run(ch, "menu", exten);
  return { ch, log, outcome };
}

const MENU = `[menu]
exten => s,1,Background(welcome&options)
 same => n,WaitExten(4)
exten => 1,1,Playback(one)
exten => 12,1,Playback(twelve)
exten => 123,1,Playback(one-two-three)
exten => 2,1,Playback(two)
exten => i,1,Playback(invalid)
exten => t,1,Playback(timeout)
`;

test("Background: a key during the prompt stops it and runs that extension", async () => {
  const { ch } = await run(MENU, (c) => c.during.set("welcome", "2"));
  assert.deepEqual(ch.calls, ["answer()", "play(welcome)", "playback(two)", "hangup(16)"]);
});

test("Background: keys after the first are collected while a longer extension could match (TIMEOUT(digit) each)", async () => {
  const { ch } = await run(MENU, (c) => {
    c.during.set("options", "1");
    c.typed.push("2");
  });
  assert.deepEqual(ch.calls, ["answer()", "play(welcome)", "play(options)", "playback(twelve)", "hangup(16)"]);
  assert.deepEqual(ch.waits, [5000, 5000], "12 could still become 123: a second wait, then the timeout decides 12");
});

test("Background then WaitExten: an extension that does not exist goes to i with INVALID_EXTEN; nothing pressed goes to t", async () => {
  const bad = await run(MENU, (c) => c.typed.push("9"));
  assert.deepEqual(bad.ch.calls.slice(-2), ["playback(invalid)", "hangup(16)"]);
  assert.equal(bad.ch.vars.get("INVALID_EXTEN"), "9");
  assert.deepEqual(bad.ch.waits, [4000], "WaitExten(4) waits 4 s for the first key");
  const none = await run(MENU);
  assert.deepEqual(none.ch.calls.slice(-2), ["playback(timeout)", "hangup(16)"]);
  assert.match(logText(none.log), /Timeout on PJSIP\/1001-00000001, continuing/);
});

test("WaitExten without a t extension hangs up with Asterisk's warning; its default wait is TIMEOUT(response)", async () => {
  const { ch, log, outcome } = await run("[menu]\nexten => s,1,Set(TIMEOUT(response)=7)\n same => n,WaitExten()\n same => n,Playback(never)\n");
  assert.deepEqual(ch.waits, [7000]);
  assert.ok(!ch.calls.includes("playback(never)"));
  assert.match(logText(log), /Timeout on .*, but no rule 't' or 'e' in context 'menu'/);
  assert.equal(outcome.kind, "ended");
});

test("Read: digits up to maxdigits, or up to #; READSTATUS OK; with a timeout each key may take it", async () => {
  const max = await run("[menu]\nexten => s,1,Read(NUM,enter,4)\n", (c) => c.typed.push("1", "2", "3", "4", "5"));
  assert.equal(max.ch.vars.get("NUM"), "1234");
  assert.equal(max.ch.vars.get("READSTATUS"), "OK");
  assert.deepEqual(max.ch.waits, [10000, 5000, 5000, 5000], "the first key TIMEOUT(response), the others TIMEOUT(digit)");
  const pound = await run("[menu]\nexten => s,1,Read(NUM,enter,,,,3)\n", (c) => c.typed.push("4", "2", "#", "9"));
  assert.equal(pound.ch.vars.get("NUM"), "42");
  assert.deepEqual(pound.ch.waits, [3000, 3000, 3000]);
  const interrupted = await run("[menu]\nexten => s,1,Read(NUM,enter&more,2)\n", (c) => {
    c.during.set("enter", "7");
    c.typed.push("8");
  });
  assert.equal(interrupted.ch.vars.get("NUM"), "78", "the key that cut the prompt is the first digit");
  assert.ok(!interrupted.ch.calls.includes("play(more)"));
});

test("Read: nothing entered is TIMEOUT after every attempt; s skips an unanswered call; a hangup is HANGUP", async () => {
  const t = await run("[menu]\nexten => s,1,Read(NUM,enter,4,,2)\n");
  assert.equal(t.ch.vars.get("READSTATUS"), "TIMEOUT");
  assert.equal(t.ch.calls.filter((c) => c === "play(enter)").length, 2, "the prompt is played once per attempt");
  const s = await run("[menu]\nexten => s,1,Read(NUM,enter,4,s)\n");
  assert.equal(s.ch.vars.get("READSTATUS"), "SKIPPED");
  assert.ok(!s.ch.calls.includes("answer()"));
  const h = await run("[menu]\nexten => s,1,Read(NUM,enter)\n", (c) => c.hangUpAfter.add("answer"));
  assert.equal(h.ch.vars.get("READSTATUS"), "HANGUP");
});

test("SayNumber, SayDigits, SayAlpha: the prompts, in English number rules", async () => {
  assert.deepEqual(numberFiles(0), ["digits/0"]);
  assert.deepEqual(numberFiles(15), ["digits/15"]);
  assert.deepEqual(numberFiles(42), ["digits/40", "digits/2"]);
  assert.deepEqual(numberFiles(105), ["digits/1", "digits/hundred", "digits/5"]);
  assert.deepEqual(numberFiles(2_000_030), ["digits/2", "digits/million", "digits/30"]);
  assert.deepEqual(numberFiles(-7), ["digits/minus", "digits/7"]);
  assert.deepEqual(digitFiles("1*#x"), ["digits/1", "digits/star", "digits/pound"]);
  assert.deepEqual(alphaFiles("Ab-1@."), ["letters/a", "letters/b", "letters/dash", "digits/1", "letters/at", "letters/dot"]);
  const { ch } = await run("[menu]\nexten => s,1,SayNumber(1234)\n same => n,SayDigits(07)\n");
  assert.deepEqual(ch.calls, ["answer()", ...["digits/1", "digits/thousand", "digits/2", "digits/hundred", "digits/30", "digits/4", "digits/0", "digits/7"].map((f) => `play(${f})`), "hangup(16)"]);
});

test("TIMEOUT() reads and writes digit and response; absolute says it is not implemented; CHANNEL(language) sets the prompts' language", async () => {
  const { ch, log } = await run("[menu]\nexten => s,1,Set(TIMEOUT(digit)=2)\n same => n,Set(D=${TIMEOUT(digit)}/${TIMEOUT(response)})\n same => n,Set(TIMEOUT(absolute)=60)\n same => n,Set(CHANNEL(language)=fr)\n same => n,Set(L=${CHANNEL(language)})\n");
  assert.equal(ch.vars.get("D"), "2/10");
  assert.match(logText(log), /TIMEOUT\(absolute\)=60 .*not implemented/);
  assert.equal(ch.language, "fr");
  assert.equal(ch.vars.get("L"), "fr");
});
