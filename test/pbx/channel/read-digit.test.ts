/**
 * Digits reach the channel in the dialplan: what the caller pressed is queued for the next app
 * that reads one, a reader waits for the next, and gives up at its timeout or on hangup.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { callSetup, settle } from "./call-harness.js";

test("read digit: queued digits come out in order; a reader waits for the next one and times out with none", async () => {
  const t = callSetup("[default]\nexten => 2000,1,Answer()\n same => n,Wait(30)\n");
  await t.manager.onInvite(t.rc);
  await settle();
  const call = [...t.manager.calls][0];
  assert.ok(call);
  call.heardDigit("1");
  call.heardDigit("#");
  assert.equal(await call.readDigit(1000), "1");
  assert.equal(await call.readDigit(1000), "#");
  const next = call.readDigit(5000);
  call.heardDigit("7");
  assert.equal(await next, "7");
  const none = call.readDigit(2000);
  t.clock.advance(2000);
  assert.equal(await none, undefined);
  await call.hangup(16);
});
