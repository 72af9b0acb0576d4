/**
 * RFC 3261 §8.1.1.8 for the INVITE that creates a dialog: "the Contact header field MUST be
 * present and contain exactly one SIP or SIPS URI". The pure check, and the UAS session that
 * refuses to be built without it (the pipeline answers the SipResponseError with 400).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SipResponseError } from "../../../src/core/errors.js";
import { dialogContactProblem } from "../../../src/sip/session/index.js";
import { FakeServerTx, inviteFrom, sdp, setup } from "./harness.js";

const ROWS: Array<[label: string, contact: string | null, reason: string | undefined]> = [
  // No Contact at all: nowhere to send the BYE.
  ["absent", null, "Missing Contact header"],
  // An empty field value is no Contact either.
  ["empty", "", "Missing Contact header"],
  // The wildcard belongs to REGISTER (§10.2.2).
  ["wildcard", "*", "Invalid Contact header"],
  // Two targets: "exactly one".
  ["two URIs", "<sip:1001@192.0.2.10>, <sip:1001@192.0.2.11>", "Invalid Contact header"],
  // A tel: URI cannot be a remote target for in-dialog requests.
  ["tel URI", "<tel:+15551234567>", "Invalid Contact header"],
  // Another scheme altogether.
  ["http URI", "<http://192.0.2.10/>", "Invalid Contact header"],
  // Unbalanced angle bracket.
  ["unparsable", "<sip:1001@192.0.2.10", "Invalid Contact header"],
  ["sip name-addr", "<sip:1001@192.0.2.10:5060>", undefined],
  ["sips with display name and params", '"Alice" <sips:1001@192.0.2.10;transport=tls>;expires=60', undefined],
  ["bare addr-spec", "sip:1001@192.0.2.10:5060", undefined],
  ["no user part", "<sip:192.0.2.10:5060>", undefined],
];

for (const [label, contact, reason] of ROWS) {
  test(`dialog-contact: §8.1.1.8 INVITE with Contact ${label} → ${reason ?? "accepted"}`, () => {
    const problem = dialogContactProblem(inviteFrom({ contact }));
    assert.equal(problem?.reason, reason);
    if (problem) {
      assert.equal(problem.status, 400);
      assert.match(problem.detail, /Contact/);
    }
  });
}

test("dialog-contact: a UAS session for an INVITE without Contact is refused with 400 naming the missing Contact; nothing enters the table", async () => {
  const t = setup();
  const tx = new FakeServerTx();
  assert.throws(
    () => t.layer.createServer({ allow: "INVITE, ACK, BYE", supported: "", contactUser: "2000", invite: inviteFrom({ contact: null }), tx, flow: t.flow, reliable: false }),
    (err: unknown) => err instanceof SipResponseError && err.status === 400 && err.reason === "Missing Contact header" && /§8\.1\.1\.8/.test(err.detail ?? ""),
  );
  assert.equal(t.layer.size, 0);
  assert.deepEqual(tx.statuses(), [], "the pipeline edge sends the 400, not the session");
  assert.equal(t.clock.pending, 0);
  const ok = t.layer.createServer({ allow: "INVITE, ACK, BYE", supported: "", contactUser: "2000", invite: inviteFrom(), tx, flow: t.flow, reliable: false });
  assert.equal(await ok.accept(sdp()), true, "an INVITE with a Contact is taken as before");
});
