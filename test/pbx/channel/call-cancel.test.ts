/**
 * A CANCEL that arrives before the call exists: the INVITE is still waiting for its RTP ports
 * when the caller gives up. The dispatch stage answers 200 and 487 (no session to find); the
 * call manager must then drop the INVITE, not build a call whose Dial rings the callee.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createResponse } from "../../../src/sip/transaction/create-response.js";
import { callSetup, settle } from "./call-harness.js";

test("call cancel: a CANCEL while the media allocation is pending leaves no call, rings nobody and releases the ports", async () => {
  const t = callSetup();
  let resolveAlloc!: () => void;
  const allocated = new Promise<void>((r) => (resolveAlloc = r));
  const realAllocate = t.media.allocate.bind(t.media);
  t.media.allocate = async () => {
    await allocated;
    return realAllocate();
  };
  const pending = t.manager.onInvite(t.rc);
  await settle();
  // What the dispatch stage does for a CANCEL that matched the transaction but found no session.
  assert.equal(t.manager.onCancelled(t.tx), undefined, "no session exists yet");
  t.tx.respond(createResponse(t.invite, 487));
  assert.equal(t.tx.state, "Completed");
  resolveAlloc();
  await pending;
  await settle();
  assert.equal(t.manager.calls.size, 0, "no call was created");
  assert.deepEqual(t.port.methods().filter((m) => m === "INVITE"), [], "the callee was not rung");
  assert.deepEqual(t.media.calls, ["release m1"], "the allocated ports went back");
  assert.deepEqual(t.toCaller.map((r) => r.status), [487], "the caller saw only the 487");
  assert.equal(t.names().includes("Newchannel"), false);
});
