import { test } from "node:test";
import assert from "node:assert/strict";
import { T1, responseTo, inDialogFrom, responder, sdp, setup, SDP, tagOf } from "./harness.js";

const BASE = { allow: "INVITE, ACK, CANCEL, BYE, UPDATE, PRACK", supported: "100rel, timer", contactUser: "1001" };

function uac(o: { protocol?: "udp" | "tcp" } = {}) {
  const env = setup({ protocol: o.protocol ?? "udp" });
  const session = env.layer.createClient({
    ...BASE,
    flow: env.flow,
    requestUri: "sip:1002@192.0.2.10:5060",
    from: { user: "1001", display: "Alice" },
    body: sdp(),
    sessionTimers: { minSe: 90 },
  });
  const events: string[] = [];
  session.on("provisional", (res, body) => events.push(`provisional:${res.status}${body ? "+sdp" : ""}`));
  session.on("accepted", (res) => events.push(`accepted:${tagOf(res.headers.get("To"))}`));
  session.on("failed", (status) => events.push(`failed:${status}`));
  session.on("terminated", (r) => events.push(`terminated:${r}`));
  session.start();
  const invite = env.port.last("INVITE");
  const deliver = (status: number, o2: { toTag?: string; extra?: string[]; body?: string; contact?: string } = {}) => invite.delegate.onResponse(responseTo(invite.req, status, o2));
  return { ...env, session, invite, deliver, events };
}

test("uac: the INVITE has a fresh z9hG4bK branch, CSPRNG From tag, Call-ID, CSeq below 2**31, Contact, Allow, Supported, User-Agent and our offer", () => {
  const t = uac();
  const h = t.invite.req.headers;
  assert.match(h.get("Via") ?? "", /^SIP\/2\.0\/UDP 192\.0\.2\.1:5060;rport;branch=z9hG4bK[A-Za-z0-9_-]{12}$/);
  assert.match(h.get("From") ?? "", /^"Alice" <sip:1001@192\.0\.2\.1:5060>;tag=[0-9a-f]{12}$/);
  assert.match(h.get("Call-ID") ?? "", /^[0-9a-f]{32}$/);
  const seq = Number((h.get("CSeq") ?? "").split(" ")[0]);
  assert.ok(seq >= 1 && seq < 2 ** 31);
  assert.equal(h.get("Contact"), "<sip:1001@192.0.2.1:5060>");
  assert.equal(h.get("Allow"), BASE.allow);
  assert.equal(h.get("Supported"), BASE.supported);
  assert.equal(h.get("User-Agent"), "Switchboard-test");
  assert.equal(h.get("Max-Forwards"), "70");
  assert.equal(t.invite.req.body.toString(), sdp().body);
  const other = uac();
  assert.notEqual(other.invite.req.headers.get("Call-ID"), h.get("Call-ID"));
  assert.notEqual(tagOf(other.invite.req.headers.get("From")), tagOf(h.get("From")));
});

test("uac: Contact names the transport over TCP", () => {
  const t = uac({ protocol: "tcp" });
  assert.equal(t.invite.req.headers.get("Contact"), "<sip:1001@192.0.2.1:5060;transport=tcp>");
  assert.match(t.invite.req.headers.get("Via") ?? "", /^SIP\/2\.0\/TCP /);
});

test("uac: the 2xx is ACKed (§13.2.2.4: INVITE's CSeq number, new branch, remote target) and a retransmitted 2xx gets the same ACK", () => {
  const t = uac();
  t.deliver(180, { toTag: "b1" });
  t.deliver(200, { toTag: "b1", body: SDP });
  assert.deepEqual(t.events, ["provisional:180", "accepted:b1"]);
  const [ack] = t.port.acks();
  assert.ok(ack);
  assert.equal(ack.uri, "sip:callee@192.0.2.20:5070");
  assert.equal(ack.headers.get("CSeq"), t.invite.req.headers.get("CSeq")?.replace("INVITE", "ACK"));
  assert.notEqual(ack.headers.get("Via"), t.invite.req.headers.get("Via"), "the 2xx ACK is a new transaction");
  t.deliver(200, { toTag: "b1", body: SDP });
  // After the INVITE transaction ended, the layer routes the stray 2xx by Call-ID and From tag.
  assert.equal(t.layer.receiveStrayResponse(responseTo(t.invite.req, 200, { toTag: "b1", body: SDP })), true);
  assert.equal(t.port.acks().length, 3);
  assert.equal(t.port.acks()[2]?.headers.get("Via"), ack.headers.get("Via"), "the same ACK again");
  assert.deepEqual(t.events, ["provisional:180", "accepted:b1"], "one call");
});

test("uac: §12.1.2 a 2xx without a To tag (an RFC 2543 callee) is ACKed and taken, its null tag kept: our BYE has no To tag, its BYE finds the dialog", () => {
  const t = uac();
  t.deliver(200, { body: SDP });
  assert.deepEqual(t.events, ["accepted:"]);
  assert.equal(t.port.acks().length, 1, "ACKed");
  assert.doesNotMatch(t.port.acks()[0]?.headers.get("To") ?? "", /;tag=/);
  t.deliver(200, { body: SDP });
  assert.equal(t.port.acks().length, 2, "a retransmission gets the ACK again");
  const ourTag = tagOf(t.invite.req.headers.get("From"));
  const r = responder();
  const bye = inDialogFrom({ method: "BYE", toTag: ourTag, fromTag: null, cseq: 1, callId: t.invite.req.headers.get("Call-ID") ?? "" });
  t.layer.receiveRequest(bye, r.respond);
  assert.deepEqual(r.statuses(), [200], "the callee's BYE, From without a tag, finds the dialog");
  assert.deepEqual(t.events, ["accepted:", "terminated:bye-received"]);
});

test("uac: §12.1.2 our BYE toward a tagless callee carries its To without a tag", () => {
  const t = uac();
  t.deliver(200, { body: SDP });
  t.session.bye();
  assert.doesNotMatch(t.port.last("BYE").req.headers.get("To") ?? "", /;tag=/);
});

test("uac: §12.1.2 the Record-Route of the 2xx, reversed, is the route set of ACK and BYE", () => {
  const t = uac();
  t.deliver(200, { toTag: "b1", body: SDP, extra: ["Record-Route: <sip:192.0.2.51;lr>", "Record-Route: <sip:192.0.2.50;lr;ftag=x>"] });
  const ack = t.port.acks()[0];
  assert.deepEqual(ack?.headers.getAll("Route"), ["<sip:192.0.2.50;lr;ftag=x>", "<sip:192.0.2.51;lr>"]);
  t.session.bye();
  const bye = t.port.last("BYE").req;
  assert.deepEqual(bye.headers.getAll("Route"), ["<sip:192.0.2.50;lr;ftag=x>", "<sip:192.0.2.51;lr>"]);
  assert.equal(bye.uri, "sip:callee@192.0.2.20:5070");
  assert.equal(t.session.state, "Terminated");
});

test("uac: §12.2.1.1 a strict router first in the route set becomes the Request-URI; the remote target the last Route", () => {
  const t = uac();
  t.deliver(200, { toTag: "b1", body: SDP, extra: ["Record-Route: <sip:192.0.2.51;lr>", "Record-Route: <sip:192.0.2.50>"] });
  t.session.bye();
  const bye = t.port.last("BYE").req;
  assert.equal(bye.uri, "sip:192.0.2.50");
  assert.deepEqual(bye.headers.getAll("Route"), ["<sip:192.0.2.51;lr>", "<sip:callee@192.0.2.20:5070>"]);
});

test("uac: §9.1 CANCEL waits for a provisional response, then goes out with the INVITE's Via, CSeq number and Request-URI", () => {
  const t = uac();
  t.session.cancel();
  assert.deepEqual(t.port.methods(), ["INVITE"], "no CANCEL before a provisional");
  assert.deepEqual(t.events, ["terminated:cancelled"]);
  t.deliver(100);
  assert.deepEqual(t.port.methods(), ["INVITE"], "100 Trying does not count");
  t.deliver(180, { toTag: "b1" });
  const cancel = t.port.last("CANCEL").req;
  assert.equal(cancel.uri, t.invite.req.uri);
  assert.equal(cancel.headers.get("Via"), t.invite.req.headers.get("Via"));
  assert.equal(cancel.headers.get("CSeq"), t.invite.req.headers.get("CSeq")?.replace("INVITE", "CANCEL"));
  assert.equal(cancel.headers.get("From"), t.invite.req.headers.get("From"));
  assert.equal(cancel.headers.get("To"), t.invite.req.headers.get("To"), "the To of the INVITE, without the response's tag");
  t.deliver(180, { toTag: "b1" });
  assert.equal(t.port.methods().filter((m) => m === "CANCEL").length, 1, "one CANCEL");
  t.deliver(487, { toTag: "b1" });
  assert.deepEqual(t.events, ["terminated:cancelled"], "no failed event after our own cancel");
});

test("uac: a 2xx that crosses our CANCEL is ACKed and then ended with BYE", () => {
  const t = uac();
  t.deliver(180, { toTag: "b1" });
  t.session.cancel();
  assert.deepEqual(t.port.methods(), ["INVITE", "CANCEL"]);
  t.deliver(200, { toTag: "b1", body: SDP });
  assert.equal(t.port.acks().length, 1);
  const bye = t.port.last("BYE").req;
  assert.equal(tagOf(bye.headers.get("To")), "b1");
  assert.ok(!t.events.some((e) => e.startsWith("accepted")), "the cancelled call is not reported answered");
});

test("uac: forking: the first 2xx wins; a 2xx from another fork is ACKed and BYEd in its own dialog", () => {
  const t = uac();
  t.deliver(180, { toTag: "fork-a" });
  t.deliver(180, { toTag: "fork-b", contact: "<sip:b@192.0.2.21:5080>" });
  t.deliver(200, { toTag: "fork-a", body: SDP });
  t.deliver(200, { toTag: "fork-b", body: SDP, contact: "<sip:b@192.0.2.21:5080>" });
  assert.deepEqual(t.events, ["provisional:180", "provisional:180", "accepted:fork-a"]);
  const acks = t.port.acks();
  assert.deepEqual(acks.map((a) => tagOf(a.headers.get("To"))), ["fork-a", "fork-b"]);
  const bye = t.port.last("BYE").req;
  assert.equal(tagOf(bye.headers.get("To")), "fork-b");
  assert.equal(bye.uri, "sip:b@192.0.2.21:5080");
  t.deliver(200, { toTag: "fork-b", body: SDP, contact: "<sip:b@192.0.2.21:5080>" });
  assert.equal(t.port.methods().filter((m) => m === "BYE").length, 1, "a retransmitted losing 2xx is re-ACKed, not BYEd again");
  assert.equal(t.port.acks().length, 3);
  assert.equal(t.session.state, "Confirmed");
});

test("uac: RFC 3262 a reliable 18x is PRACKed in its early dialog (RAck = RSeq + INVITE CSeq); a retransmission is not", () => {
  const t = uac();
  const inviteSeq = Number((t.invite.req.headers.get("CSeq") ?? "").split(" ")[0]);
  t.deliver(183, { toTag: "b1", body: SDP, extra: ["Require: 100rel", "RSeq: 7"] });
  const prack = t.port.last("PRACK").req;
  assert.equal(prack.headers.get("RAck"), `7 ${inviteSeq} INVITE`);
  assert.equal(tagOf(prack.headers.get("To")), "b1");
  assert.equal(prack.uri, "sip:callee@192.0.2.20:5070");
  assert.equal(Number((prack.headers.get("CSeq") ?? "").split(" ")[0]), inviteSeq + 1);
  t.deliver(183, { toTag: "b1", body: SDP, extra: ["Require: 100rel", "RSeq: 7"] });
  assert.equal(t.port.methods().filter((m) => m === "PRACK").length, 1, "no PRACK for the retransmission");
  assert.deepEqual(t.events, ["provisional:183+sdp"], "the retransmission is not passed up");
  t.deliver(200, { toTag: "b1", body: SDP });
  t.session.bye();
  const bye = t.port.last("BYE").req;
  assert.equal(Number((bye.headers.get("CSeq") ?? "").split(" ")[0]), inviteSeq + 2, "the confirmed dialog counts on from the PRACK");
});

test("uac: a final failure is reported once; Timer B is 408", () => {
  const t = uac();
  t.deliver(486, { toTag: "b1" });
  assert.deepEqual(t.events, ["failed:486", "terminated:failed"]);
  const u = uac();
  u.invite.delegate.onTimeout?.();
  assert.deepEqual(u.events, ["failed:408", "terminated:failed"]);
});

test("uac: RFC 4028 refresher=uac in the 2xx makes us refresh with UPDATE at N/2; 481 to it ends the dialog", () => {
  const t = uac();
  t.deliver(200, { toTag: "b1", body: SDP, extra: ["Session-Expires: 120;refresher=uac", "Require: timer", "Allow: INVITE, ACK, BYE, UPDATE"] });
  t.clock.advance(60_000);
  const update = t.port.last("UPDATE");
  assert.equal(update.req.headers.get("Session-Expires"), "120;refresher=uac");
  update.delegate.onResponse(responseTo(update.req, 481));
  assert.equal(t.session.state, "Terminated");
  assert.equal(t.events.at(-1), "terminated:dialog-gone");
});

test("uac: RFC 4028 refresher=uas in the 2xx: the callee refreshes; when it stops we BYE at expiry", () => {
  const t = uac();
  t.deliver(200, { toTag: "b1", body: SDP, extra: ["Session-Expires: 90;refresher=uas", "Require: timer"] });
  t.clock.advance(59_000);
  const r = responder();
  t.layer.receiveRequest(
    inDialogFrom({ method: "UPDATE", callId: t.session.callId, toTag: t.session.localTag, fromTag: "b1", cseq: 1, extra: ["Supported: timer", "Session-Expires: 90;refresher=uac"] }),
    r.respond,
  );
  assert.deepEqual(r.statuses(), [200]);
  assert.equal(r.responses[0]?.headers.get("Session-Expires"), "90;refresher=uac");
  t.clock.advance(59_000);
  assert.deepEqual(t.port.methods(), ["INVITE"], "refreshed 59 s in: no BYE at 60 s");
  t.clock.advance(1_000);
  assert.deepEqual(t.port.methods(), ["INVITE", "BYE"]);
});

test("uac: re-INVITE from the callee without an offer: our offer in the 2xx, the answer in the ACK", () => {
  const t = uac();
  t.deliver(200, { toTag: "b1", body: SDP });
  const answers: string[] = [];
  t.session.on("answer", (b) => answers.push(b.body));
  t.session.delegate = { onModify: (m) => ({ status: 200, body: m.offer ? undefined : sdp() }) };
  const r = responder();
  const reinvite = inDialogFrom({ method: "INVITE", callId: t.session.callId, toTag: t.session.localTag, fromTag: "b1", cseq: 5 });
  t.layer.receiveRequest(reinvite, r.respond);
  assert.deepEqual(r.statuses(), [200]);
  assert.equal(r.responses[0]?.body.toString(), sdp().body);
  t.clock.advance(T1);
  assert.deepEqual(r.statuses(), [200, 200]);
  assert.equal(t.layer.receiveAck(inDialogFrom({ method: "ACK", callId: t.session.callId, toTag: t.session.localTag, fromTag: "b1", cseq: 5, body: SDP })), true);
  assert.deepEqual(answers, [SDP]);
});

test("uac: RFC 3262 §4 a reliable 18x that arrives after our CANCEL is still PRACKed (once) in its early dialog, and not passed up", () => {
  const t = uac();
  const inviteSeq = Number((t.invite.req.headers.get("CSeq") ?? "").split(" ")[0]);
  t.deliver(180, { toTag: "b1" });
  t.session.cancel();
  assert.deepEqual(t.port.methods(), ["INVITE", "CANCEL"]);
  t.deliver(183, { toTag: "b1", body: SDP, extra: ["Require: 100rel", "RSeq: 3"] });
  const prack = t.port.last("PRACK").req;
  assert.equal(prack.headers.get("RAck"), `3 ${inviteSeq} INVITE`);
  assert.equal(tagOf(prack.headers.get("To")), "b1");
  t.deliver(183, { toTag: "b1", body: SDP, extra: ["Require: 100rel", "RSeq: 3"] });
  assert.deepEqual(t.port.methods(), ["INVITE", "CANCEL", "PRACK"], "one CANCEL, no PRACK for the retransmission");
  t.deliver(487, { toTag: "b1" });
  assert.deepEqual(t.events, ["provisional:180", "terminated:cancelled"], "nothing after cancel() is reported");
});

test("uac: cancel() before any provisional: the first reliable 18x brings both the CANCEL (§9.1) and its PRACK (RFC 3262 §4)", () => {
  const t = uac();
  t.session.cancel();
  t.deliver(180, { toTag: "b2", extra: ["Require: 100rel", "RSeq: 1"] });
  assert.deepEqual(t.port.methods(), ["INVITE", "CANCEL", "PRACK"]);
  assert.equal(t.port.last("PRACK").req.headers.get("RAck")?.split(" ")[0], "1");
});

test("uac: §13.2.2.4 a stray 2xx with a CSeq we never sent is not ACKed; our re-INVITE's 2xx retransmission gets the same ACK until 64*T1", async () => {
  const t = uac();
  t.deliver(200, { toTag: "b1", body: SDP });
  assert.equal(t.port.acks().length, 1);
  const inviteSeq = Number((t.invite.req.headers.get("CSeq") ?? "").split(" ")[0]);
  const bogus = responseTo(t.invite.req, 200, { toTag: "b1", body: SDP });
  bogus.headers.set("CSeq", `${inviteSeq + 7} INVITE`);
  assert.equal(t.layer.receiveStrayResponse(bogus), false, "no INVITE of ours has that CSeq");
  assert.equal(t.port.acks().length, 1, "and it gets no ACK");

  const result = t.session.modify({ method: "INVITE", body: sdp() });
  const reinvite = t.port.last("INVITE");
  reinvite.delegate.onResponse(responseTo(reinvite.req, 200, { toTag: "b1", body: SDP }));
  assert.equal((await result)?.status, 200);
  assert.equal(t.port.acks().length, 2);
  const again = responseTo(reinvite.req, 200, { toTag: "b1", body: SDP });
  assert.equal(t.layer.receiveStrayResponse(again), true);
  assert.equal(t.port.acks().length, 3);
  assert.equal(t.port.acks()[2]?.headers.get("Via"), t.port.acks()[1]?.headers.get("Via"), "the same ACK");
  const otherTag = responseTo(reinvite.req, 200, { body: SDP });
  otherTag.headers.set("To", "<sip:1002@192.0.2.10:5060>;tag=someone-else");
  assert.equal(t.layer.receiveStrayResponse(otherTag), false, "a 2xx from another dialog is not ours to ACK");
  t.clock.advance(64 * T1);
  assert.equal(t.layer.receiveStrayResponse(again), false, "after 64*T1 the ACK is forgotten (the UAS stopped retransmitting)");
  assert.equal(t.port.acks().length, 3);
  assert.equal(t.session.dump()["cachedAcks"], 0);
});

test("uac: §13.2.2.4 2xx from forks we do not keep are each ACKed and BYEd, while the ACKs and fork dialogs kept stay bounded", () => {
  const t = uac();
  t.deliver(200, { toTag: "winner", body: SDP });
  for (let i = 0; i < 100; i++) assert.equal(t.layer.receiveStrayResponse(responseTo(t.invite.req, 200, { toTag: `fork-${i}`, body: SDP })), true);
  assert.equal(t.port.acks().length, 101);
  assert.equal(t.port.methods().filter((m) => m === "BYE").length, 100);
  const dump = t.session.dump();
  assert.ok(Number(dump["cachedAcks"]) <= 32, `ACKs kept: ${String(dump["cachedAcks"])}`);
  assert.ok(Number(dump["losingForks"]) <= 16, `fork dialogs kept: ${String(dump["losingForks"])}`);
  assert.equal(t.session.state, "Confirmed");
  assert.equal(t.session.dialog?.state.remoteTag, "winner");
});
