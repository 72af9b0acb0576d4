/**
 * Dial's conversation phase starts while the caller's 2xx may still be held: with a reliable
 * 183 carrying SDP the 2xx waits for the caller's PRACK (RFC 3262 §3). A callee BYE in that wait
 * must end the call, not vanish.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { inDialogFrom, responder, responseTo, SDP, tagOf } from "../../sip/session/harness.js";
import { callSetup, settle } from "./call-harness.js";

const CALLEE_SDP = SDP.replace(/192\.0\.2\.10/g, "192.0.2.20").replace("m=audio 4000", "m=audio 6000");

test("dial: a callee BYE while the caller's 2xx waits for the PRACK of a reliable 183 ends the call", async () => {
  const t = callSetup();
  // The caller requires 100rel, so the early media 183 goes out reliably and holds the 2xx.
  t.invite.headers.append("Require", "100rel");
  await t.manager.onInvite(t.rc);
  await settle();
  const inv = t.calleeInvite();
  inv.delegate.onResponse(responseTo(inv.req, 183, { toTag: "bob-1", body: CALLEE_SDP }));
  await settle();
  const early = t.toCaller.find((r) => r.status === 183);
  assert.ok(early, `the caller got a 183 (got ${t.toCaller.map((r) => r.status).join(", ")})`);
  assert.ok(early.headers.get("RSeq"), "the 183 is reliable");
  inv.delegate.onResponse(responseTo(inv.req, 200, { toTag: "bob-1", body: CALLEE_SDP }));
  await settle();
  assert.equal(t.toCaller.some((r) => r.status === 200), false, "the 2xx waits for the PRACK");
  // The callee hangs up before the caller's PRACK arrives.
  const bye = responder();
  const ourTag = tagOf(inv.req.headers.get("From"));
  t.manager.onInDialogRequest(inDialogFrom({ method: "BYE", callId: inv.req.headers.get("Call-ID") ?? "", fromTag: "bob-1", toTag: ourTag, cseq: 2 }), {} as never, bye.respond);
  await settle();
  assert.deepEqual(bye.statuses(), [200], "the callee's BYE was answered");
  assert.equal(t.manager.calls.size, 0, "the call ended with the callee's BYE");
  assert.ok(t.names().filter((n) => n === "Hangup").length === 2, `both channels hung up (events: ${t.names().join(", ")})`);
  // A PRACK arriving now must not bring a 2xx for a call that is gone.
  const prack = responder();
  t.manager.onInDialogRequest(inDialogFrom({ method: "PRACK", toTag: tagOf(early.headers.get("To")), cseq: 11, extra: [`RAck: ${early.headers.get("RSeq")} 10 INVITE`] }), {} as never, prack.respond);
  await settle();
  assert.equal(t.toCaller.some((r) => r.status === 200), false, "the caller never got a 2xx");
  assert.ok((t.toCaller.at(-1)?.status ?? 0) >= 300, `the caller's INVITE got a final error (got ${t.toCaller.map((r) => r.status).join(", ")})`);
});
