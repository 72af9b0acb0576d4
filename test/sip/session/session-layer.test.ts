import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeServerTx, inDialogFrom, inviteFrom, responder, responseTo, sdp, setup, SDP } from "./harness.js";

const BASE = { allow: "INVITE, ACK, BYE", supported: "", contactUser: "2000" };

test("session-layer: §12.2.2 a request for an unknown dialog (or a wrong remote tag) gets 481", () => {
  const t = setup();
  const s = t.layer.createServer({ ...BASE, invite: inviteFrom(), tx: new FakeServerTx(), flow: t.flow, reliable: false });
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: "nobody", cseq: 11 }), r.respond);
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: s.localTag, fromTag: "someone-else", cseq: 11 }), r.respond);
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: s.localTag, callId: "other-call", cseq: 11 }), r.respond);
  assert.deepEqual(r.statuses(), [481, 481, 481]);
  assert.equal(t.layer.stats.unknownDialog, 3);
  assert.equal(s.state, "Initial");
});

test("session-layer: §12.2.2 a request with a CSeq lower than the last one gets 500", async () => {
  const t = setup();
  const s = t.layer.createServer({ ...BASE, invite: inviteFrom({ cseq: 10 }), tx: new FakeServerTx(), flow: t.flow, reliable: false });
  await s.accept(sdp());
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "INFO", toTag: s.localTag, cseq: 20 }), r.respond);
  t.layer.receiveRequest(inDialogFrom({ method: "INFO", toTag: s.localTag, cseq: 15 }), r.respond);
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: s.localTag, cseq: 9 }), r.respond);
  assert.deepEqual(r.statuses(), [200, 500, 500]);
  assert.equal(s.state, "Confirmed", "the out-of-order BYE did not end the call");
});

test("session-layer: the 2xx ACK is routed by Call-ID and tags; one for an unknown dialog is not claimed", async () => {
  const t = setup();
  const tx = new FakeServerTx();
  const s = t.layer.createServer({ ...BASE, invite: inviteFrom(), tx, flow: t.flow, reliable: false });
  let confirmed = 0;
  s.on("confirmed", () => confirmed++);
  await s.accept(sdp());
  assert.equal(t.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: "zzz", cseq: 10 })), false);
  assert.equal(t.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: s.localTag, cseq: 10 })), true);
  assert.equal(t.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: s.localTag, cseq: 10 })), true, "a retransmitted ACK is absorbed");
  assert.equal(confirmed, 1);
});

test("session-layer: a terminated session lingers 64*T1, answering late BYEs 200, then leaves the table", async () => {
  const t = setup();
  const s = t.layer.createServer({ ...BASE, invite: inviteFrom(), tx: new FakeServerTx(), flow: t.flow, reliable: false });
  await s.accept(sdp());
  t.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: s.localTag, cseq: 10 }));
  s.bye();
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: s.localTag, cseq: 11 }), r.respond);
  assert.deepEqual(r.statuses(), [200]);
  assert.equal(t.layer.size, 1);
  t.clock.advance(32_000);
  assert.equal(t.layer.size, 0);
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: s.localTag, cseq: 12 }), r.respond);
  assert.deepEqual(r.statuses(), [200, 481]);
});

test("session-layer: a stray 2xx is routed to the UAC session by Call-ID and our From tag", () => {
  const t = setup();
  const c = t.layer.createClient({ ...BASE, flow: t.flow, requestUri: "sip:1002@192.0.2.10", from: { user: "1001" }, body: sdp() });
  c.start();
  const invite = t.port.last("INVITE").req;
  assert.equal(t.layer.receiveStrayResponse(responseTo(invite, 200, { toTag: "b1", body: SDP })), true);
  assert.equal(c.state, "Confirmed");
  assert.equal(t.port.acks().length, 1);
  const other = responseTo(invite, 200, { toTag: "b1", body: SDP });
  other.headers.set("Call-ID", "unknown");
  assert.equal(t.layer.receiveStrayResponse(other), false);
});

test("session-layer: CANCEL for an INVITE transaction without a session is not claimed", () => {
  const t = setup();
  assert.equal(t.layer.cancel(new FakeServerTx()), undefined);
});

test("session-layer: close() closes every session and timer", async () => {
  const t = setup();
  const s = t.layer.createServer({ ...BASE, invite: inviteFrom(), tx: new FakeServerTx(), flow: t.flow, reliable: false });
  await s.accept(sdp());
  t.layer.close();
  assert.equal(s.state, "Terminated");
  assert.equal(t.clock.pending, 0);
  t.layer.close();
  assert.equal(t.layer.size, 0);
});

test("session-layer: §12.1.1 an RFC 2543 caller without a From tag: its ACK and BYE find the dialog (the missing tag is the empty one)", async () => {
  const t = setup();
  const s = t.layer.createServer({ ...BASE, invite: inviteFrom({ fromTag: null }), tx: new FakeServerTx(), flow: t.flow, reliable: false });
  const events: string[] = [];
  s.on("confirmed", () => events.push("confirmed"));
  s.on("terminated", (r) => events.push(r));
  await s.accept(sdp());
  assert.equal(t.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: s.localTag, fromTag: null, cseq: 10 })), true);
  assert.equal(t.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: s.localTag, fromTag: "invented", cseq: 10 })), false, "a tag the dialog never had is another dialog");
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: s.localTag, fromTag: "invented", cseq: 11 }), r.respond);
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: s.localTag, fromTag: null, cseq: 11 }), r.respond);
  assert.deepEqual(r.statuses(), [481, 200]);
  assert.deepEqual(events, ["confirmed", "bye-received"]);
});

test("session-layer: our BYE toward a tagless caller carries its From as our To, without a tag", async () => {
  const t = setup();
  const s = t.layer.createServer({ ...BASE, invite: inviteFrom({ fromTag: null }), tx: new FakeServerTx(), flow: t.flow, reliable: false });
  await s.accept(sdp());
  t.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: s.localTag, fromTag: null, cseq: 10 }));
  s.bye();
  const bye = t.port.last("BYE").req;
  assert.equal(bye.headers.get("To"), '"Alice" <sip:1001@192.0.2.1>');
  assert.match(bye.headers.get("From") ?? "", new RegExp(`;tag=${s.localTag}$`));
});

test("session-layer: §13.2.2.4 a stray 2xx that names a UAS session's tag but answers no INVITE of ours is not claimed, and not ACKed", async () => {
  const t = setup();
  const s = t.layer.createServer({ ...BASE, invite: inviteFrom(), tx: new FakeServerTx(), flow: t.flow, reliable: false });
  await s.accept(sdp());
  t.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: s.localTag, cseq: 10 }));
  const fake = responseTo(inDialogFrom({ method: "INVITE", toTag: "alice-1", fromTag: s.localTag, cseq: 4711 }), 200, { body: SDP });
  assert.equal(t.layer.receiveStrayResponse(fake), false);
  assert.equal(t.port.acks().length, 0, "no ACK for a 2xx to an INVITE we never sent");
  assert.equal(s.dump()["cachedAcks"], 0);
});
