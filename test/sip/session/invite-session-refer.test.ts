/**
 * REFER inside an INVITE session (RFC 3515): without a delegate it is answered 405 with our
 * Allow; with one, the delegate's status goes out; `request()` sends a NOTIFY in the dialog.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeServerTx, inDialogFrom, inviteFrom, responder, sdp, setup } from "./harness.js";

function uas() {
  const env = setup();
  const tx = new FakeServerTx();
  const session = env.layer.createServer({ allow: "INVITE, ACK, CANCEL, BYE, REFER", supported: "", contactUser: "2000", invite: inviteFrom(), tx, flow: env.flow, reliable: false });
  const ack = () => env.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: session.localTag, cseq: 10, branch: "z9hG4bK-ack-10" }));
  return { ...env, tx, session, ack };
}

test("invite-session: REFER without a delegate is answered 405 with Allow", async () => {
  const t = uas();
  await t.session.accept(sdp());
  t.ack();
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "REFER", toTag: t.session.localTag, cseq: 11, extra: ["Refer-To: <sip:2003@pbx>"] }), r.respond);
  assert.deepEqual(r.statuses(), [405]);
  assert.equal(r.responses[0]?.headers.get("Allow"), "INVITE, ACK, CANCEL, BYE, REFER");
});

test("invite-session: a REFER delegate's status is the answer, and request() sends the NOTIFY in the dialog", async () => {
  const t = uas();
  await t.session.accept(sdp());
  t.ack();
  const seen: string[] = [];
  t.session.delegate = {
    onRefer: (req) => {
      seen.push(req.headers.get("Refer-To") ?? "");
      return { status: 202, reason: "Accepted" };
    },
  };
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "REFER", toTag: t.session.localTag, cseq: 11, extra: ["Refer-To: <sip:2003@pbx>"] }), r.respond);
  assert.deepEqual(r.statuses(), [202]);
  assert.equal(r.responses[0]?.reason, "Accepted");
  assert.deepEqual(seen, ["<sip:2003@pbx>"]);
  assert.equal(t.session.request("NOTIFY", { headers: [["Event", "refer"], ["Subscription-State", "terminated;reason=noresource"]], body: { body: "SIP/2.0 200 OK\r\n", contentType: "message/sipfrag;version=2.0" } }), true);
  assert.deepEqual(t.port.methods(), ["NOTIFY"]);
});

test("invite-session: request() is refused before the dialog is confirmed", () => {
  const t = uas();
  assert.equal(t.session.request("NOTIFY", {}), false);
});
