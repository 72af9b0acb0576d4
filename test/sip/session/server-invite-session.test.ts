import { test } from "node:test";
import assert from "node:assert/strict";
import type { SipRequest } from "../../../src/sip/message/message.js";
import { FakeServerTx, T1, T2, inDialogFrom, inviteFrom, responder, responseTo, sdp, setup, SDP } from "./harness.js";

const BASE = { allow: "INVITE, ACK, CANCEL, BYE, UPDATE, PRACK", supported: "100rel, timer", contactUser: "2000" };

function uas(o: { reliable?: boolean; protocol?: "udp" | "tcp"; recordRoute?: string[]; extra?: string[]; timer?: { interval: number; refresher: "uac" | "uas" }; body?: string } = {}) {
  const env = setup({ protocol: o.protocol ?? "udp" });
  const tx = new FakeServerTx();
  const invite = inviteFrom({ ...(o.recordRoute ? { recordRoute: o.recordRoute } : {}), ...(o.extra ? { extra: o.extra } : {}), ...(o.body !== undefined ? { body: o.body } : {}) });
  const session = env.layer.createServer({
    ...BASE,
    invite,
    tx,
    flow: env.flow,
    reliable: o.reliable ?? false,
    sessionTimer: o.timer,
    sessionTimers: { minSe: 90 },
  });
  const ack = (cseq = 10, body?: string) =>
    env.layer.receiveAck(inDialogFrom({ method: "ACK", toTag: session.localTag, cseq, ...(body ? { body } : {}), branch: `z9hG4bK-ack-${cseq}` }));
  return { ...env, tx, invite, session, ack };
}

/** Times (ms after the first 2xx) at which the 2xx went out again, sampled every 100 ms. */
function retransmitTimes(t: ReturnType<typeof uas>, untilMs: number): number[] {
  const t0 = t.clock.now();
  const times: number[] = [];
  let seen = t.tx.statuses().filter((s) => s === 200).length;
  for (let ms = 0; ms < untilMs; ms += 100) {
    t.clock.advance(100);
    const n = t.tx.statuses().filter((s) => s === 200).length;
    for (; seen < n; seen++) times.push(t.clock.now() - t0);
  }
  return times;
}

test("uas: §13.3.1.4 the 2xx is retransmitted over TCP too, at T1 doubling to T2, until the ACK", async () => {
  const t = uas({ protocol: "tcp" });
  assert.equal(t.flow.transport.reliable, true);
  assert.equal(await t.session.accept(sdp()), true);
  assert.deepEqual(retransmitTimes(t, 7600), [T1, 3 * T1, 7 * T1, 7 * T1 + T2], "resent at 0.5, 1.5, 3.5, 7.5 s");
  assert.equal(t.ack(), true, "the ACK found its session");
  assert.deepEqual(retransmitTimes(t, 20_000), [], "nothing after the ACK");
});

test("uas: a 2xx with no ACK for 64*T1 emits ackTimeout and ends the session with BYE", async () => {
  const t = uas();
  const events: string[] = [];
  t.session.on("ackTimeout", () => events.push("ackTimeout"));
  t.session.on("terminated", (r) => events.push(`terminated:${r}`));
  await t.session.accept(sdp());
  t.clock.advance(64 * T1 - 1);
  assert.deepEqual(events, []);
  assert.deepEqual(t.port.methods(), []);
  t.clock.advance(1);
  assert.deepEqual(events, ["ackTimeout", "terminated:ack-timeout"]);
  assert.deepEqual(t.port.methods(), ["BYE"]);
});

test("uas: §12.1.1 Record-Route is copied into 18x and 2xx in order; the BYE uses it as the route set", async () => {
  const rr = ["<sip:192.0.2.50;lr;ftag=x>", "<sip:192.0.2.51;lr>"];
  const t = uas({ recordRoute: rr });
  t.session.provisional(180);
  await t.session.accept(sdp());
  for (const res of t.tx.responses) assert.deepEqual(res.headers.getAll("Record-Route"), rr, `${res.status} carries the Record-Route`);
  t.ack();
  t.session.bye();
  const bye = t.port.last("BYE").req;
  assert.deepEqual(bye.headers.getAll("Route"), rr, "UAS route set = Record-Route in request order");
  assert.equal(bye.uri, "sip:1001@192.0.2.10:5060", "Request-URI is the remote target (loose routing)");
});

test("uas: a non-2xx final response carries no Record-Route and no Contact", () => {
  const t = uas({ recordRoute: ["<sip:192.0.2.50;lr>"] });
  t.session.reject(486);
  const res = t.tx.responses.at(-1);
  assert.equal(res?.status, 486);
  assert.equal(res?.headers.get("Record-Route"), undefined);
  assert.equal(res?.headers.get("Contact"), undefined);
  assert.equal(t.session.state, "Terminated");
});

test("uas: responses carry our tag, Contact, Allow, Supported and Server; the tag is the same on every response", async () => {
  const t = uas();
  t.session.provisional(180);
  await t.session.accept(sdp());
  const [ringing, ok] = t.tx.responses;
  assert.ok(ringing && ok);
  assert.match(ringing.headers.get("To") ?? "", new RegExp(`;tag=${t.session.localTag}$`));
  assert.equal(ringing.headers.get("To"), ok.headers.get("To"));
  assert.match(t.session.localTag, /^[0-9a-f]{12}$/, "48 random bits from the CSPRNG pool");
  assert.equal(ok.headers.get("Contact"), "<sip:2000@192.0.2.1:5060>");
  assert.equal(ok.headers.get("Allow"), BASE.allow);
  assert.equal(ok.headers.get("Supported"), BASE.supported);
  assert.equal(ok.headers.get("Server"), "Switchboard-test");
  assert.equal(ok.body.toString(), sdp().body);
});

test("uas: over TLS the Contact names transport=tls; it is sips: only for a sips: Request-URI (§12.1.1 secure dialog)", async () => {
  const env = setup({ protocol: "tls", reliable: true });
  const tx = new FakeServerTx();
  const s = env.layer.createServer({ ...BASE, invite: inviteFrom(), tx, flow: env.flow, reliable: false });
  await s.accept(sdp());
  assert.equal(tx.responses.at(-1)?.headers.get("Contact"), "<sip:2000@192.0.2.1:5060;transport=tls>");
  const invite = inviteFrom();
  invite.uri = invite.uri.replace(/^sip:/, "sips:");
  const tx2 = new FakeServerTx();
  const s2 = env.layer.createServer({ ...BASE, invite, tx: tx2, flow: env.flow, reliable: false });
  await s2.accept(sdp());
  assert.equal(tx2.responses.at(-1)?.headers.get("Contact"), "<sips:2000@192.0.2.1:5060;transport=tls>");
});

test("uas: §12.1.1 the other two cases: a sips: top Record-Route, or without Record-Route a sips: Contact of the caller, make our Contact sips:", async () => {
  const env = setup({ protocol: "tls", reliable: true });
  const contactOf = async (spec: Parameters<typeof inviteFrom>[0]) => {
    const tx = new FakeServerTx();
    const s = env.layer.createServer({ ...BASE, invite: inviteFrom(spec), tx, flow: env.flow, reliable: false });
    await s.accept(sdp());
    return tx.responses.at(-1)?.headers.get("Contact");
  };
  assert.equal(await contactOf({ callId: "c1", contact: "<sips:1001@192.0.2.10:5061>" }), "<sips:2000@192.0.2.1:5060;transport=tls>");
  assert.equal(await contactOf({ callId: "c2", recordRoute: ["<sips:proxy.example.com;lr>"] }), "<sips:2000@192.0.2.1:5060;transport=tls>");
  // The top Record-Route decides when there is one: a sip: proxy in front of a sips: caller.
  assert.equal(await contactOf({ callId: "c3", contact: "<sips:1001@192.0.2.10:5061>", recordRoute: ["<sip:proxy.example.com;lr;transport=tls>"] }), "<sip:2000@192.0.2.1:5060;transport=tls>");
  // Over UDP a sips: Contact is not honoured (there is no TLS hop to keep secure).
  const udp = setup();
  const tx = new FakeServerTx();
  const s = udp.layer.createServer({ ...BASE, invite: inviteFrom({ callId: "c4", contact: "<sips:1001@192.0.2.10:5061>" }), tx, flow: udp.flow, reliable: false });
  await s.accept(sdp());
  assert.equal(tx.responses.at(-1)?.headers.get("Contact"), "<sip:2000@192.0.2.1:5060>");
});

test("uas: RFC 3262 a reliable 183 with SDP is retransmitted until PRACK and holds the 2xx; PRACK 200, stray PRACK 481", async () => {
  const t = uas({ reliable: true, extra: ["Supported: 100rel"] });
  t.session.provisional(183, sdp());
  const first = t.tx.responses[0];
  assert.equal(first?.status, 183);
  assert.equal(first?.headers.get("Require"), "100rel");
  const rseq = Number(first?.headers.get("RSeq"));
  assert.ok(rseq >= 1 && rseq < 2 ** 31);
  let answered = false;
  void t.session.accept(sdp()).then((ok) => (answered = ok));
  t.clock.advance(T1);
  assert.deepEqual(t.tx.statuses(), [183, 183], "retransmitted at T1");
  await Promise.resolve();
  assert.equal(answered, false, "no 2xx while the SDP-carrying 183 is unacknowledged");
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "PRACK", toTag: t.session.localTag, cseq: 11, extra: [`RAck: ${rseq + 5} 10 INVITE`] }), r.respond);
  t.layer.receiveRequest(inDialogFrom({ method: "PRACK", toTag: t.session.localTag, cseq: 12, extra: [`RAck: ${rseq} 10 INVITE`] }), r.respond);
  assert.deepEqual(r.statuses(), [481, 200]);
  await new Promise((res) => setImmediate(res));
  assert.equal(answered, true);
  assert.deepEqual(t.tx.statuses(), [183, 183, 200]);
  t.clock.advance(10 * T1);
  assert.equal(t.tx.statuses().filter((s) => s === 183).length, 2, "the PRACK stopped the 183's retransmissions");
});

test("uas: RFC 3262 §5 to an offerless INVITE, our reliable 183 with SDP is the offer, the PRACK carries the answer (passed up), and the 2xx offers nothing new", async () => {
  const t = uas({ reliable: true, extra: ["Supported: 100rel"], body: "" });
  const answers: string[] = [];
  t.session.on("answer", (b) => answers.push(b.body));
  t.session.provisional(183, sdp());
  const rseq = Number(t.tx.responses[0]?.headers.get("RSeq"));
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "PRACK", toTag: t.session.localTag, cseq: 11, extra: [`RAck: ${rseq} 10 INVITE`], body: SDP }), r.respond);
  assert.deepEqual(r.statuses(), [200]);
  assert.deepEqual(answers, [SDP], "the answer in the PRACK reaches the call");
  assert.equal(await t.session.accept(sdp()), true);
  t.ack(10);
  assert.deepEqual(answers, [SDP], "the ACK is not awaited for an answer");
  assert.equal((t.session.dump() as { offerAnswer: { state: string } }).offerAnswer.state, "Stable");
});

test("uas: RFC 3262 §3 no PRACK within 64*T1 answers 500 and emits prackTimeout", () => {
  const t = uas({ reliable: true });
  const got: Array<[number, number]> = [];
  t.session.on("prackTimeout", (status, secs) => got.push([status, secs]));
  t.session.provisional(180);
  t.clock.advance(64 * T1);
  assert.deepEqual(got, [[180, 32]]);
  const last = t.tx.responses.at(-1);
  assert.equal(last?.status, 500);
  assert.match(last?.headers.get("Warning") ?? "", /no PRACK for reliable 180/);
  assert.equal(t.session.state, "Terminated");
});

test("uas: CANCEL before the final response: cancelled event; after the 2xx it has no effect", async () => {
  const t = uas();
  const events: string[] = [];
  t.session.on("cancelled", () => events.push("cancelled"));
  t.session.provisional(180);
  assert.deepEqual(t.layer.cancel(t.tx), { localTag: t.session.localTag, cancelled: true });
  assert.deepEqual(events, ["cancelled"]);
  assert.equal(await t.session.accept(sdp()), false, "no 2xx after CANCEL");
  assert.deepEqual(t.tx.statuses(), [180], "the 487 is the CANCEL handler's (dispatch stage), not sent twice");

  const u = uas();
  await u.session.accept(sdp());
  assert.equal(u.layer.cancel(u.tx)?.cancelled, false);
});

test("uas: RFC 4028 non-refresher: the 2xx names refresher=uac with Require: timer; no refresh → BYE at N - min(32, N/3)", async () => {
  const t = uas({ timer: { interval: 90, refresher: "uac" } });
  const expired: number[] = [];
  t.session.on("sessionExpired", (n) => expired.push(n));
  await t.session.accept(sdp());
  const ok = t.tx.responses.at(-1);
  assert.equal(ok?.headers.get("Session-Expires"), "90;refresher=uac");
  assert.equal(ok?.headers.get("Require"), "timer");
  t.ack();
  t.clock.advance(59_999);
  assert.deepEqual(t.port.methods(), []);
  t.clock.advance(1);
  assert.deepEqual(expired, [90]);
  assert.deepEqual(t.port.methods(), ["BYE"]);
});

test("uas: RFC 4028 a re-INVITE refresh is answered with Session-Expires and restarts the timer", async () => {
  const t = uas({ timer: { interval: 90, refresher: "uac" } });
  t.session.delegate = { onModify: (m) => ({ status: 200, body: m.offer ? sdp() : undefined }) };
  await t.session.accept(sdp());
  t.ack();
  t.clock.advance(40_000);
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 11, body: SDP, extra: ["Supported: timer", "Session-Expires: 90;refresher=uac"] }), r.respond);
  assert.deepEqual(r.statuses(), [200]);
  assert.equal(r.responses[0]?.headers.get("Session-Expires"), "90;refresher=uac");
  t.ack(11);
  t.clock.advance(59_000);
  assert.deepEqual(t.port.methods(), [], "no BYE 99 s into the call: the refresh at 40 s moved the deadline");
  t.clock.advance(1_000);
  assert.deepEqual(t.port.methods(), ["BYE"]);
});

test("uas: RFC 4028 a refresh below our Min-SE is answered 422 with Min-SE", async () => {
  const t = uas({ timer: { interval: 90, refresher: "uac" } });
  await t.session.accept(sdp());
  t.ack();
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "UPDATE", toTag: t.session.localTag, cseq: 11, extra: ["Supported: timer", "Session-Expires: 60"] }), r.respond);
  assert.deepEqual(r.statuses(), [422]);
  assert.equal(r.responses[0]?.headers.get("Min-SE"), "90");
});

test("uas: RFC 4028 refresher=uas makes us refresh with UPDATE at half the interval", async () => {
  const t = uas({ timer: { interval: 120, refresher: "uas" }, extra: ["Allow: INVITE, ACK, BYE, UPDATE"] });
  await t.session.accept(sdp());
  assert.equal(t.tx.responses.at(-1)?.headers.get("Session-Expires"), "120;refresher=uas");
  t.ack();
  t.clock.advance(59_999);
  assert.deepEqual(t.port.methods(), []);
  t.clock.advance(1);
  const update = t.port.last("UPDATE");
  assert.equal(update.req.headers.get("Session-Expires"), "120;refresher=uac", "in our refresh we are the UAC");
  assert.equal(update.req.body.length, 0, "an UPDATE refresh carries no offer");
  update.delegate.onResponse(responseOk(update.req, ["Session-Expires: 120;refresher=uac", "Require: timer"]));
  t.clock.advance(60_000);
  assert.equal(t.port.methods().filter((m) => m === "UPDATE").length, 2, "refreshed again 60 s later");
  assert.equal(t.session.state, "Confirmed");
});

test("uas: RFC 4028 as refresher toward a peer without UPDATE, the refresh is a re-INVITE repeating our SDP", async () => {
  const t = uas({ timer: { interval: 120, refresher: "uas" }, extra: ["Allow: INVITE, ACK, BYE"] });
  await t.session.accept(sdp());
  t.ack();
  t.clock.advance(60_000);
  const reinvite = t.port.last("INVITE");
  assert.equal(reinvite.req.body.toString(), sdp().body);
  reinvite.delegate.onResponse(responseOk(reinvite.req, ["Session-Expires: 120;refresher=uac"], SDP));
  assert.equal(t.port.acks().length, 1, "the re-INVITE's 2xx is ACKed");
  assert.equal(t.port.acks()[0]?.headers.get("CSeq"), reinvite.req.headers.get("CSeq")?.replace("INVITE", "ACK"));
});

test("uas: an offerless re-INVITE gets our offer in the 2xx (retransmitted until ACK); the ACK's answer is emitted (RFC 3264, RFC 6337)", async () => {
  const t = uas();
  const answers: string[] = [];
  t.session.on("answer", (b) => answers.push(b.body));
  const offers: Array<string | undefined> = [];
  t.session.delegate = { onModify: (m) => (offers.push(m.offer?.body), { status: 200, body: sdp() }) };
  await t.session.accept(sdp());
  t.ack();
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 11 }), r.respond);
  assert.deepEqual(offers, [undefined]);
  assert.deepEqual(r.statuses(), [200]);
  assert.equal(r.responses[0]?.body.toString(), sdp().body, "our offer in the 2xx");
  t.clock.advance(T1);
  assert.deepEqual(r.statuses(), [200, 200], "the re-INVITE's 2xx is retransmitted too");
  // While our offer in the 2xx is unanswered, another offer collides (491).
  t.layer.receiveRequest(inDialogFrom({ method: "UPDATE", toTag: t.session.localTag, cseq: 12, body: SDP }), r.respond);
  assert.equal(r.statuses().at(-1), 491);
  t.ack(11, SDP);
  assert.deepEqual(answers, [SDP]);
  t.clock.advance(10_000);
  assert.equal(r.statuses().filter((s) => s === 200).length, 2, "no retransmission after the ACK");
});

test("uas: §14.2 glare: a re-INVITE while ours is pending gets 491; an INVITE overlapping the peer's own gets 500 with Retry-After", async () => {
  const t = uas();
  const glare: Array<[string, number]> = [];
  t.session.on("glare", (m, s) => glare.push([m, s]));
  await t.session.accept(sdp());
  t.ack();
  void t.session.modify({ method: "INVITE", body: sdp() });
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 11, body: SDP }), r.respond);
  assert.deepEqual(r.statuses(), [491]);
  assert.deepEqual(glare, [["INVITE", 491]]);

  const u = uas();
  const release: () => void = () => {};
  u.session.delegate = {
    onModify: () => {
      // While the first re-INVITE is being answered, a second one arrives.
      u.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: u.session.localTag, cseq: 12, body: SDP }), r2.respond);
      release();
      return { status: 200, body: sdp() };
    },
  };
  const r2 = responder();
  await u.session.accept(sdp());
  u.ack();
  u.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: u.session.localTag, cseq: 11, body: SDP }), r2.respond);
  assert.deepEqual(r2.statuses(), [500, 200]);
  const retryAfter = Number(r2.responses[0]?.headers.get("Retry-After"));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 0 && retryAfter <= 10);
});

test("uas: §14.1 our re-INVITE answered 491 is retried once after 0-2 s (we do not own the Call-ID)", async () => {
  const t = uas();
  await t.session.accept(sdp());
  t.ack();
  const result = t.session.modify({ method: "INVITE", body: sdp() });
  const first = t.port.last("INVITE");
  first.delegate.onResponse(responseTo491(first.req));
  t.clock.advance(2000);
  const invites = t.port.requests.filter((r) => r.req.method === "INVITE");
  assert.equal(invites.length, 2, "retried within 2 s");
  const second = invites[1]!;
  assert.notEqual(second.req.headers.get("CSeq"), first.req.headers.get("CSeq"));
  second.delegate.onResponse(responseOk(second.req, [], SDP));
  assert.equal((await result)?.status, 200);
});

test("uas: the peer's BYE is answered 200 and ends the session; a late BYE still gets 200, other requests 481", async () => {
  const t = uas();
  const events: string[] = [];
  t.session.on("bye", () => events.push("bye"));
  t.session.on("terminated", (r) => events.push(r));
  await t.session.accept(sdp());
  t.ack();
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: t.session.localTag, cseq: 11 }), r.respond);
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: t.session.localTag, cseq: 12 }), r.respond);
  t.layer.receiveRequest(inDialogFrom({ method: "INFO", toTag: t.session.localTag, cseq: 13 }), r.respond);
  assert.deepEqual(r.statuses(), [200, 200, 481]);
  assert.deepEqual(events, ["bye", "bye-received"]);
});

test("uas: §15 a BYE from our side before the ACK waits for it", async () => {
  const t = uas();
  await t.session.accept(sdp());
  t.session.bye();
  assert.equal(t.session.state, "Terminated");
  assert.deepEqual(t.port.methods(), [], "no BYE before the ACK");
  t.clock.advance(T1);
  assert.deepEqual(t.tx.statuses(), [200, 200], "the 2xx is still retransmitted");
  t.ack();
  assert.deepEqual(t.port.methods(), ["BYE"]);
});

test("uas: close() stops every timer and is safe twice", async () => {
  const t = uas({ reliable: true, timer: { interval: 90, refresher: "uac" } });
  t.session.provisional(180);
  t.session.close();
  t.session.close();
  t.layer.close();
  assert.equal(t.clock.pending, 0);
});

function responseOk(req: SipRequest, extra: string[], body?: string) {
  return responseTo(req, 200, { extra, ...(body ? { body } : {}) });
}

function responseTo491(req: SipRequest) {
  return responseTo(req, 491);
}

test("uas: §14.2 an INVITE in the early dialog, before our final response to the first, gets 500 with Retry-After", () => {
  const t = uas();
  t.session.provisional(180);
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 11, body: SDP }), r.respond);
  assert.deepEqual(r.statuses(), [500]);
  assert.ok(r.responses[0]?.headers.get("Retry-After") !== undefined);
  assert.equal(t.session.state, "Early");
});

for (const status of [405, 501]) {
  test(`uas: a refresh UPDATE answered ${status} is sent again at once as a re-INVITE with our SDP, and later refreshes are re-INVITEs (RFC 4028, RFC 3311)`, async () => {
    const t = uas({ timer: { interval: 120, refresher: "uas" }, extra: ["Allow: INVITE, ACK, BYE, UPDATE"] });
    await t.session.accept(sdp());
    t.ack();
    t.clock.advance(60_000);
    const update = t.port.last("UPDATE");
    // A 501 carries no Allow: only the refusal itself tells us this peer takes no UPDATE.
    update.delegate.onResponse(responseTo(update.req, status, status === 405 ? { extra: ["Allow: INVITE, ACK, BYE"] } : {}));
    assert.deepEqual(t.port.methods(), ["UPDATE", "INVITE"], "the re-INVITE follows at once, not half an interval later");
    const reinvite = t.port.last("INVITE");
    assert.equal(reinvite.req.body.toString(), sdp().body, "it repeats our session description");
    assert.equal(reinvite.req.headers.get("Session-Expires"), "120;refresher=uac");
    reinvite.delegate.onResponse(responseOk(reinvite.req, ["Session-Expires: 120;refresher=uac", "Require: timer"], SDP));
    assert.equal(t.port.acks().length, 1, "the refresh re-INVITE's 2xx is ACKed");
    t.clock.advance(60_000);
    assert.deepEqual(t.port.methods(), ["UPDATE", "INVITE", "INVITE"], "the next refresh is a re-INVITE as well");
    assert.equal(t.session.state, "Confirmed");
  });
}

test("uas: §13.3.1.4 a BYE held for the ACKs of our 2xx goes out when the re-INVITE's 2xx gives up at 64*T1, though the initial ACK came", async () => {
  const t = uas();
  t.session.delegate = { onModify: () => ({ status: 200, body: sdp() }) };
  const events: string[] = [];
  t.session.on("terminated", (r) => events.push(r));
  await t.session.accept(sdp());
  // The peer's ACK for our first 2xx is lost; it sends a re-INVITE, which we answer 2xx as well.
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 11, body: SDP }), r.respond);
  assert.deepEqual(r.statuses(), [200]);
  t.session.bye();
  assert.deepEqual(events, ["bye-sent"]);
  assert.deepEqual(t.port.methods(), [], "held: our 2xx await their ACKs (§15)");
  t.clock.advance(T1);
  t.ack(10);
  assert.deepEqual(t.port.methods(), [], "still held: the re-INVITE's 2xx awaits its ACK");
  t.clock.advance(64 * T1 - T1 - 1);
  assert.deepEqual(t.port.methods(), []);
  t.clock.advance(1);
  assert.deepEqual(t.port.methods(), ["BYE"], "the give-up releases the BYE");
  const resent = r.statuses().length;
  t.clock.advance(64 * T1);
  assert.equal(r.statuses().length, resent, "the re-INVITE's 2xx is no longer retransmitted");
  assert.deepEqual(t.port.methods(), ["BYE"], "one BYE");
});

test("uas: §15 a BYE while our 2xx to a re-INVITE awaits its ACK waits for that ACK", async () => {
  const t = uas();
  t.session.delegate = { onModify: () => ({ status: 200, body: sdp() }) };
  await t.session.accept(sdp());
  t.ack();
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 11, body: SDP }), r.respond);
  t.session.bye();
  assert.deepEqual(t.port.methods(), []);
  t.clock.advance(T1);
  assert.deepEqual(r.statuses(), [200, 200], "the 2xx goes on until its ACK");
  t.ack(11);
  assert.deepEqual(t.port.methods(), ["BYE"]);
});

test("uas: §14.1 our re-INVITE waits while our 2xx to the peer's re-INVITE awaits its ACK; the peer's next INVITE meanwhile gets 491", async () => {
  const t = uas();
  t.session.delegate = { onModify: () => ({ status: 200, body: sdp() }) };
  const glare: Array<[string, number]> = [];
  t.session.on("glare", (m, s) => glare.push([m, s]));
  await t.session.accept(sdp());
  t.ack();
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 11, body: SDP }), r.respond);
  assert.deepEqual(r.statuses(), [200]);
  let settled = false;
  const result = t.session.modify({ method: "INVITE", body: sdp() }).then((res) => ((settled = true), res));
  assert.deepEqual(t.port.methods(), [], "no INVITE of ours while the peer's INVITE is unfinished on our side");
  t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 12, body: SDP }), r.respond);
  assert.deepEqual(r.statuses(), [200, 491], "§14.2: ours is pending");
  assert.deepEqual(glare, [["INVITE", 491]]);
  t.ack(11);
  assert.deepEqual(t.port.methods(), ["INVITE"], "the ACK lets our re-INVITE go");
  await Promise.resolve();
  assert.equal(settled, false);
  const ours = t.port.last("INVITE");
  ours.delegate.onResponse(responseOk(ours.req, [], SDP));
  assert.equal((await result)?.status, 200);
  assert.equal(t.port.acks().length, 1);
});

test("uas: §14.1 a queued re-INVITE goes out when the 2xx it waits for gives up; one queued when the session ends resolves undefined", async () => {
  const t = uas();
  t.session.delegate = { onModify: () => ({ status: 200, body: sdp() }) };
  await t.session.accept(sdp());
  t.ack();
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "INVITE", toTag: t.session.localTag, cseq: 11, body: SDP }), r.respond);
  void t.session.modify({ method: "INVITE", body: sdp() });
  t.clock.advance(64 * T1 - 1);
  assert.deepEqual(t.port.methods(), []);
  t.clock.advance(1);
  assert.deepEqual(t.port.methods(), ["INVITE"]);
  assert.equal(t.session.state, "Confirmed", "a re-INVITE's lost ACK does not end the session");

  const u = uas();
  await u.session.accept(sdp());
  const pending = u.session.modify({ method: "INVITE", body: sdp() });
  u.session.bye();
  assert.equal(await pending, undefined);
  u.ack();
  assert.deepEqual(u.port.methods(), ["BYE"], "the held BYE, and no re-INVITE");
});

test("uas: an ended session lets go of its listeners and delegate, so the call above it is freed while the session itself still absorbs retransmissions", async () => {
  const { setFlagsFromString } = await import("node:v8");
  const { runInNewContext } = await import("node:vm");
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const t = uas();
  // The PBX's side of a call, held only by the session's listeners and delegate (made in a
  // function of its own, so that no other closure's context keeps it).
  const attach = (session: typeof t.session): WeakRef<object> => {
    const call = { channel: new Uint8Array(1 << 20) };
    session.on("terminated", () => void call.channel.length);
    session.delegate = { onModify: () => ({ status: call.channel.length > 0 ? 488 : 500 }) };
    return new WeakRef(call);
  };
  const held = attach(t.session);
  await t.session.accept(sdp());
  t.ack();
  const r = responder();
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: t.session.localTag, cseq: 11 }), r.respond);
  assert.deepEqual(r.statuses(), [200]);
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  assert.equal(held.deref(), undefined, "the call's objects are collectable once the session ended");
  t.layer.receiveRequest(inDialogFrom({ method: "BYE", toTag: t.session.localTag, cseq: 11 }), r.respond);
  assert.deepEqual(r.statuses(), [200, 200], "the ended session still answers a retransmitted BYE");
});
