/**
 * Re-INVITE and UPDATE from the peer (invite-session.ts receiveModify): a delegate that throws
 * leaves the offer/answer state as it was, and an UPDATE in an early dialog is no session
 * refresh (RFC 4028 §9).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeServerTx, inDialogFrom, inviteFrom, responder, sdp, setup, SDP } from "./harness.js";

function uas() {
  const env = setup();
  const tx = new FakeServerTx();
  const session = env.layer.createServer({
    allow: "INVITE, ACK, CANCEL, BYE, UPDATE, PRACK",
    supported: "100rel, timer",
    contactUser: "2000",
    invite: inviteFrom(),
    tx,
    flow: env.flow,
    reliable: false,
    sessionTimers: { minSe: 90 },
  });
  const ack = () => env.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: session.localTag, cseq: 10, branch: "z9hG4bK-ack-10" }));
  return { ...env, tx, session, ack };
}

test("invite-session: an onModify delegate that throws gets the re-INVITE a 500 and leaves the next offer answerable", async () => {
  const t = uas();
  await t.session.accept(sdp());
  t.ack();
  t.session.delegate = {
    onModify: () => {
      throw new Error("media engine fell over");
    },
  };
  const r = responder();
  assert.throws(() => t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 11, body: SDP }), r.respond), /media engine fell over/);
  assert.deepEqual(r.statuses(), [500], "the failed re-INVITE was answered");
  t.session.delegate = { onModify: (m) => ({ status: 200, body: m.offer ? sdp() : undefined }) };
  t.layer.receiveRequest(inDialogFrom({ method: "UPDATE", toTag: t.session.localTag, cseq: 12, body: SDP }), r.respond);
  assert.deepEqual(r.statuses(), [500, 200], "a new offer is not refused 491: the failed one was rolled back");
  t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 13, body: SDP }), r.respond);
  assert.deepEqual(r.statuses(), [500, 200, 200], "a new re-INVITE is not refused 500: the failed one is no longer in progress");
});

test("invite-session: an UPDATE in the early dialog carrying Session-Expires does not start the session timer", () => {
  const t = uas();
  t.session.provisional(180);
  assert.equal(t.session.state, "Early");
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "UPDATE", toTag: t.session.localTag, cseq: 11, extra: ["Supported: timer", "Session-Expires: 90;refresher=uac"] }), r.respond);
  assert.deepEqual(r.statuses(), [200]);
  assert.equal(r.responses[0]?.headers.get("Session-Expires"), undefined, "the 2xx to an early UPDATE names no session interval");
  assert.equal(t.session.sessionTimerState(), undefined, "no session timer runs before the dialog is confirmed");
  t.clock.advance(120_000);
  assert.deepEqual(t.port.methods(), [], "no BYE for an early session");
});

test("invite-session: §12.2.2 a BYE retransmitted with the same CSeq after its transaction ended gets 200 again; a lower CSeq gets 500", async () => {
  const t = uas();
  await t.session.accept(sdp());
  t.ack();
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "INFO", toTag: t.session.localTag, cseq: 20 }), r.respond);
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: t.session.localTag, cseq: 21 }), r.respond);
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: t.session.localTag, cseq: 21 }), r.respond);
  assert.deepEqual(r.statuses(), [200, 200, 200], "only a lower CSeq is out of order");
  t.layer.receiveRequest(inDialogFrom({ method: "INFO", toTag: t.session.localTag, cseq: 19 }), r.respond);
  assert.equal(r.statuses().at(-1), 500, "a lower CSeq is still rejected");
  assert.equal(t.layer.stats.outOfOrder, 1);
});
