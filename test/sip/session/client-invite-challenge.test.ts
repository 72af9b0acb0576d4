/**
 * Digest challenges (RFC 3261 §22.2) to the requests of a UAC INVITE session: a 401/407 to our
 * INVITE is answered with a new INVITE transaction (CSeq one higher, same Call-ID, From tag and
 * offer, a new branch) carrying what the session's ChallengeResponder returns; so are a challenged
 * BYE and a challenged re-INVITE or UPDATE. Without credentials, or after MAX_CHALLENGES, the
 * challenge is final. The responder here is a fake: building the digest is outbound-credentials.ts's
 * business, tested elsewhere.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import type { SipRequest, SipResponse } from "../../../src/sip/message/message.js";
import { parseMessage, serializeMessage } from "../../../src/sip/parser/index.js";
import { MessageFactory, SessionLayer, type ChallengeResponder } from "../../../src/sip/session/index.js";
import { MAX_CHALLENGES } from "../../../src/sip/session/invite-session.js";
import { TransactionLayer } from "../../../src/sip/transaction/transaction-layer.js";
import { DEFAULT_TIMERS } from "../../../src/sip/transaction/timers.js";
import { FakeTransport } from "../../helpers/fake-transport.js";
import { responseTo, sdp, setup, SDP, tagOf, type SentRequest } from "./harness.js";

const BASE = { allow: "INVITE, ACK, CANCEL, BYE, UPDATE, PRACK", supported: "100rel, timer", contactUser: "1001" };

interface Challenge {
  method: string;
  cseq: string | undefined;
  status: number;
  attempt: number;
  /** The credentials the challenged request already carried. */
  carried: string[];
}

/**
 * A fake ChallengeResponder: Proxy-Authorization for a 407, Authorization for a 401, its realm
 * and nonce naming the status and attempt so that every answer is recognisable. `refuse` makes it
 * return undefined (no outbound_auth, or credentials refused).
 */
function fakeResponder(o: { refuse?: boolean } = {}) {
  const calls: Challenge[] = [];
  const respond: ChallengeResponder = (req, res, attempt) => {
    const name = res.status === 407 ? "Proxy-Authorization" : "Authorization";
    calls.push({ method: req.method, cseq: req.headers.get("CSeq"), status: res.status, attempt, carried: req.headers.getAll(name) });
    if (o.refuse) return undefined;
    return [name, credentialsValue(res.status, attempt, req.method)];
  };
  return { respond, calls };
}

function credentialsValue(status: number, attempt: number, method: string): string {
  return `Digest username="1001", realm="${status === 407 ? "proxy" : "callee"}", nonce="n${attempt}-${method}", uri="sip:1002@192.0.2.10:5060", response="0123456789abcdef0123456789abcdef"`;
}

function uac(o: { challenge?: ChallengeResponder } = {}) {
  const env = setup();
  const session = env.layer.createClient({
    ...BASE,
    flow: env.flow,
    requestUri: "sip:1002@192.0.2.10:5060",
    from: { user: "1001", display: "Alice" },
    body: sdp(),
    ...(o.challenge ? { challenge: o.challenge } : {}),
  });
  const events: string[] = [];
  session.on("provisional", (res) => events.push(`provisional:${res.status}`));
  session.on("accepted", (res) => events.push(`accepted:${tagOf(res.headers.get("To"))}`));
  session.on("failed", (status) => events.push(`failed:${status}`));
  session.on("terminated", (r) => events.push(`terminated:${r}`));
  session.start();
  const first = env.port.last("INVITE");
  /** The callee's (or proxy's) response to the last request of this method we sent. */
  const answer = (method: string, status: number, o2: { toTag?: string; extra?: string[]; body?: string } = {}): SentRequest => {
    const sent = env.port.last(method);
    sent.delegate.onResponse(responseTo(sent.req, status, o2));
    return sent;
  };
  return { ...env, session, first, answer, events };
}

/** A uac whose INVITE was answered 200 (the session is Confirmed, the responder has not been used). */
function confirmed(o: { challenge?: ChallengeResponder } = {}) {
  const t = uac(o);
  t.answer("INVITE", 200, { toTag: "b1", body: SDP });
  assert.equal(t.session.state, "Confirmed");
  return t;
}

const seqOf = (req: SipRequest): number => Number((req.headers.get("CSeq") ?? "").split(" ")[0]);
const branchOf = (req: SipRequest): string => /;branch=([^;\s]+)/.exec(req.headers.get("Via") ?? "")?.[1] ?? "";
const count = (methods: string[], method: string): number => methods.filter((m) => m === method).length;

test("uac: §22.2 a 407 to the INVITE brings a new INVITE with CSeq+1, the same Call-ID, From tag, To and offer, a new branch and the responder's Proxy-Authorization; the session is not failed and the 200 to it is accepted", () => {
  const r = fakeResponder();
  const t = uac({ challenge: r.respond });
  const first = t.first.req;
  t.answer("INVITE", 100);
  t.answer("INVITE", 407, { toTag: "proxy-1", extra: ['Proxy-Authenticate: Digest realm="proxy", nonce="n1"'] });

  assert.deepEqual(t.port.methods(), ["INVITE", "INVITE"], "one new INVITE, nothing else");
  assert.equal(t.port.stateless.length, 0, "the session sends no ACK of its own for a 407: the INVITE client transaction ACKs non-2xx finals (§17.1.1.3)");
  assert.deepEqual(t.events, [], "neither failed nor terminated");
  assert.notEqual(t.session.state, "Terminated");
  assert.deepEqual(r.calls, [{ method: "INVITE", cseq: first.headers.get("CSeq"), status: 407, attempt: 1, carried: [] }], "the responder got the challenged INVITE and the 407, attempt 1");

  const second = t.port.last("INVITE").req;
  assert.equal(second.headers.get("CSeq"), `${seqOf(first) + 1} INVITE`);
  assert.equal(second.headers.get("Call-ID"), first.headers.get("Call-ID"));
  assert.equal(second.headers.get("From"), first.headers.get("From"));
  assert.equal(tagOf(second.headers.get("From")), t.session.localTag);
  assert.equal(second.headers.get("To"), first.headers.get("To"), "the To of the INVITE, without the 407's tag");
  assert.equal(second.uri, first.uri);
  assert.equal(second.body.toString(), sdp().body, "the same offer");
  assert.notEqual(branchOf(second), "");
  assert.notEqual(branchOf(second), branchOf(first), "a new transaction");
  assert.deepEqual(second.headers.getAll("Proxy-Authorization"), [credentialsValue(407, 1, "INVITE")]);
  assert.equal(second.headers.get("Authorization"), undefined);
  assert.equal(first.headers.get("Proxy-Authorization"), undefined, "the first INVITE had none");
  assert.equal(t.session.invite.headers.get("CSeq"), second.headers.get("CSeq"), "the session now stands for the resubmitted INVITE");
  assert.equal(t.session.callId, first.headers.get("Call-ID"));

  t.answer("INVITE", 180, { toTag: "b1" });
  t.answer("INVITE", 200, { toTag: "b1", body: SDP });
  assert.deepEqual(t.events, ["provisional:180", "accepted:b1"]);
  assert.equal(t.session.state, "Confirmed");
  const [ack] = t.port.acks();
  assert.ok(ack, "the 2xx was ACKed");
  assert.equal(ack.headers.get("CSeq"), `${seqOf(second)} ACK`, "the ACK names the resubmitted INVITE");
  assert.equal(r.calls.length, 1, "no further challenge answered");
  // The offer moved to the resubmitted INVITE, so its 200 answered it: a re-INVITE may follow.
  void t.session.modify({ method: "INVITE", body: sdp() });
  assert.equal(count(t.port.methods(), "INVITE"), 3, "the offer/answer state is stable after the 200 to the resubmission");
});

test("uac: §17.1.1.3 over the real transaction layer the 407 is ACKed on the wire with the first INVITE's branch and CSeq, and the resubmitted INVITE follows with CSeq+1", () => {
  const clock = new FakeClock();
  const transport = new FakeTransport({ reliable: false });
  const flow = transport.flow("192.0.2.10", 5060);
  const transactions = new TransactionLayer({ clock, log: new CaptureLogger(), timers: DEFAULT_TIMERS });
  const layer = new SessionLayer({ env: { clock, transactions }, factory: new MessageFactory({ userAgent: () => "Switchboard-test" }) });
  const r = fakeResponder();
  const session = layer.createClient({ ...BASE, flow, requestUri: "sip:1002@192.0.2.10:5060", from: { user: "1001" }, body: sdp(), challenge: r.respond });
  const failed: number[] = [];
  session.on("failed", (status) => failed.push(status));
  session.start();
  const wire = () => transport.sent.map((p) => wireParse(p.data));
  const [invite] = wire();
  assert.ok(invite?.kind === "request" && invite.method === "INVITE");

  transactions.receive(serializeMessage(responseTo(invite, 407, { toTag: "proxy-1", extra: ['Proxy-Authenticate: Digest realm="proxy", nonce="n1"'] })), flow);

  const sent = wire();
  assert.deepEqual(
    sent.map((m) => (m.kind === "request" ? m.method : String(m.status))),
    ["INVITE", "ACK", "INVITE"],
    "the transaction ACKs the 407, then the session resubmits",
  );
  const ack = sent[1] as SipRequest;
  assert.equal(branchOf(ack), branchOf(invite), "the ACK of a non-2xx belongs to the first INVITE's transaction");
  assert.equal(ack.headers.get("CSeq"), `${seqOf(invite)} ACK`);
  assert.equal(tagOf(ack.headers.get("To")), "proxy-1", "the ACK has the To of the 407");
  const again = sent[2] as SipRequest;
  assert.equal(again.headers.get("CSeq"), `${seqOf(invite) + 1} INVITE`);
  assert.notEqual(branchOf(again), branchOf(invite));
  assert.equal(again.headers.get("Call-ID"), invite.headers.get("Call-ID"));
  assert.equal(tagOf(again.headers.get("From")), tagOf(invite.headers.get("From")));
  assert.equal(again.headers.get("Proxy-Authorization"), credentialsValue(407, 1, "INVITE"));
  assert.deepEqual(failed, []);
  session.close();
  layer.close();
});

test("uac: §22.2 a 401 to the INVITE brings a new INVITE with CSeq+1 and the responder's Authorization; the 200 to it is accepted", () => {
  const r = fakeResponder();
  const t = uac({ challenge: r.respond });
  const first = t.first.req;
  t.answer("INVITE", 401, { toTag: "callee-1", extra: ['WWW-Authenticate: Digest realm="callee", nonce="n1"'] });

  assert.deepEqual(t.events, []);
  assert.deepEqual(r.calls.map((c) => [c.status, c.attempt]), [[401, 1]]);
  const second = t.port.last("INVITE").req;
  assert.equal(t.port.methods().length, 2);
  assert.equal(second.headers.get("CSeq"), `${seqOf(first) + 1} INVITE`);
  assert.equal(second.headers.get("Call-ID"), first.headers.get("Call-ID"));
  assert.equal(tagOf(second.headers.get("From")), tagOf(first.headers.get("From")));
  assert.notEqual(branchOf(second), branchOf(first));
  assert.deepEqual(second.headers.getAll("Authorization"), [credentialsValue(401, 1, "INVITE")]);
  assert.equal(second.headers.get("Proxy-Authorization"), undefined, "a 401 is answered with Authorization only");

  t.answer("INVITE", 200, { toTag: "b1", body: SDP });
  assert.deepEqual(t.events, ["accepted:b1"]);
  assert.equal(t.port.acks()[0]?.headers.get("CSeq"), `${seqOf(second)} ACK`);
});

test("uac: §22.2 a 407 from the proxy, then a 401 from the callee: the third INVITE carries both credentials, CSeq+2, and the responder sees attempt 2 with the proxy's credentials on the request", () => {
  const r = fakeResponder();
  const t = uac({ challenge: r.respond });
  const first = t.first.req;
  t.answer("INVITE", 407, { toTag: "proxy-1" });
  t.answer("INVITE", 401, { toTag: "callee-1" });
  const third = t.port.last("INVITE").req;
  assert.equal(count(t.port.methods(), "INVITE"), 3);
  assert.equal(third.headers.get("CSeq"), `${seqOf(first) + 2} INVITE`);
  assert.deepEqual(third.headers.getAll("Proxy-Authorization"), [credentialsValue(407, 1, "INVITE")], "the proxy's credentials stay");
  assert.deepEqual(third.headers.getAll("Authorization"), [credentialsValue(401, 2, "INVITE")]);
  assert.deepEqual(
    r.calls.map((c) => [c.status, c.attempt, c.cseq]),
    [
      [407, 1, `${seqOf(first)} INVITE`],
      [401, 2, `${seqOf(first) + 1} INVITE`],
    ],
    "each challenge is answered for the INVITE it challenged",
  );
  t.answer("INVITE", 200, { toTag: "b1", body: SDP });
  assert.deepEqual(t.events, ["accepted:b1"]);
});

test("uac: without a challenge responder a 407 or a 401 to the INVITE fails the session with that status, and nothing is resent", () => {
  for (const status of [407, 401]) {
    const t = uac();
    t.answer("INVITE", status, { toTag: "x1" });
    assert.deepEqual(t.events, [`failed:${status}`, "terminated:failed"], `status ${status}`);
    assert.deepEqual(t.port.methods(), ["INVITE"], `no new INVITE after a ${status}`);
    assert.equal(t.session.state, "Terminated");
  }
});

test("uac: a responder that returns undefined (no credentials for the challenge) leaves the 407 or 401 final: the session fails with it", () => {
  for (const status of [407, 401]) {
    const r = fakeResponder({ refuse: true });
    const t = uac({ challenge: r.respond });
    t.answer("INVITE", status, { toTag: "x1" });
    assert.deepEqual(r.calls.map((c) => [c.status, c.attempt]), [[status, 1]], "the responder was asked");
    assert.deepEqual(t.events, [`failed:${status}`, "terminated:failed"]);
    assert.deepEqual(t.port.methods(), ["INVITE"]);
  }
});

test("uac: the INVITE is resubmitted for MAX_CHALLENGES (3) challenges; the next 407 or 401 fails the session with that status", () => {
  assert.equal(MAX_CHALLENGES, 3);
  for (const status of [407, 401]) {
    const r = fakeResponder();
    const t = uac({ challenge: r.respond });
    const firstSeq = seqOf(t.first.req);
    for (let i = 1; i <= MAX_CHALLENGES; i++) {
      t.answer("INVITE", status, { toTag: `x${i}` });
      assert.deepEqual(t.events, [], `challenge ${i} answered`);
    }
    const invites = t.port.requests.filter((x) => x.req.method === "INVITE").map((x) => x.req);
    assert.equal(invites.length, MAX_CHALLENGES + 1);
    assert.deepEqual(
      invites.map(seqOf),
      invites.map((_, i) => firstSeq + i),
      "each resubmission one CSeq higher",
    );
    assert.equal(new Set(invites.map(branchOf)).size, invites.length, "each one a new transaction");
    assert.equal(new Set(invites.map((i) => i.headers.get("Call-ID"))).size, 1);
    t.answer("INVITE", status, { toTag: "x4" });
    assert.deepEqual(t.events, [`failed:${status}`, "terminated:failed"], `the challenge after ${MAX_CHALLENGES} is final (${status})`);
    assert.equal(count(t.port.methods(), "INVITE"), MAX_CHALLENGES + 1, "no fifth INVITE");
    assert.deepEqual(
      r.calls.map((c) => c.attempt),
      [1, 2, 3],
      "the responder is not asked for a fourth attempt",
    );
  }
});

test("uac: a 407 after cancel() is not answered: no new INVITE", () => {
  const r = fakeResponder();
  const t = uac({ challenge: r.respond });
  t.session.cancel();
  t.answer("INVITE", 407, { toTag: "proxy-1" });
  assert.deepEqual(t.port.methods(), ["INVITE"]);
  assert.equal(r.calls.length, 0);
  assert.deepEqual(t.events, ["terminated:cancelled"]);
});

test("uac: §22.2 our BYE challenged with 407 after the call is up is resent with Proxy-Authorization, CSeq+1, the same Call-ID and tags, a new branch", () => {
  const r = fakeResponder();
  const t = confirmed({ challenge: r.respond });
  t.session.bye();
  assert.equal(t.session.state, "Terminated");
  const bye = t.answer("BYE", 407, { extra: ['Proxy-Authenticate: Digest realm="proxy", nonce="n1"'] }).req;

  assert.equal(count(t.port.methods(), "BYE"), 2, "the BYE went out again");
  assert.deepEqual(r.calls, [{ method: "BYE", cseq: bye.headers.get("CSeq"), status: 407, attempt: 1, carried: [] }]);
  const again = t.port.last("BYE").req;
  assert.equal(again.headers.get("CSeq"), `${seqOf(bye) + 1} BYE`);
  assert.equal(again.headers.get("Call-ID"), bye.headers.get("Call-ID"));
  assert.equal(again.headers.get("From"), bye.headers.get("From"));
  assert.equal(again.headers.get("To"), bye.headers.get("To"));
  assert.equal(tagOf(again.headers.get("To")), "b1");
  assert.equal(again.uri, bye.uri);
  assert.notEqual(branchOf(again), branchOf(bye));
  assert.deepEqual(again.headers.getAll("Proxy-Authorization"), [credentialsValue(407, 1, "BYE")]);
  assert.equal(bye.headers.get("Proxy-Authorization"), undefined);

  t.answer("BYE", 200);
  assert.equal(count(t.port.methods(), "BYE"), 2, "a 200 ends it");
  assert.deepEqual(t.events, ["accepted:b1", "terminated:bye-sent"], "one termination");
});

test("uac: a challenged BYE is resent for MAX_CHALLENGES challenges at most, and not at all without credentials", () => {
  const r = fakeResponder();
  const t = confirmed({ challenge: r.respond });
  t.session.bye();
  for (let i = 0; i <= MAX_CHALLENGES; i++) t.answer("BYE", i % 2 === 0 ? 407 : 401);
  const byes = t.port.requests.filter((x) => x.req.method === "BYE").map((x) => x.req);
  assert.equal(byes.length, MAX_CHALLENGES + 1, "three resubmissions, none for the fourth challenge");
  assert.deepEqual(byes.map(seqOf), byes.map((_, i) => seqOf(byes[0] as SipRequest) + i));
  assert.deepEqual(r.calls.map((c) => c.attempt), [1, 2, 3]);
  assert.deepEqual(byes[2]?.headers.getAll("Authorization"), [credentialsValue(401, 2, "BYE")]);

  const refused = fakeResponder({ refuse: true });
  const u = confirmed({ challenge: refused.respond });
  u.session.bye();
  u.answer("BYE", 407);
  assert.equal(count(u.port.methods(), "BYE"), 1);
  assert.equal(refused.calls.length, 1);
  const none = confirmed();
  none.session.bye();
  none.answer("BYE", 401);
  assert.equal(count(none.port.methods(), "BYE"), 1);
});

test("uac: §22.2 a re-INVITE challenged with 401 is resent with Authorization, CSeq+1 and the same offer; modify() resolves with the 200 to the resubmission and its answer is taken", async () => {
  const r = fakeResponder();
  const t = confirmed({ challenge: r.respond });
  const answers: string[] = [];
  t.session.on("answer", (b) => answers.push(b.body));
  const outcome: { settled: boolean; res?: SipResponse | undefined } = { settled: false };
  const result = t.session.modify({ method: "INVITE", body: sdp(), headers: [["X-Reason", "hold"]] }).then((res) => {
    outcome.settled = true;
    outcome.res = res;
  });
  const reinvite = t.answer("INVITE", 401, { toTag: "b1", extra: ['WWW-Authenticate: Digest realm="callee", nonce="n1"'] }).req;
  await Promise.resolve();
  assert.equal(outcome.settled, false, "the 401 does not end modify()");
  assert.equal(t.port.acks().length, 1, "only the initial 2xx was ACKed by the session (the 401's ACK is the transaction's)");
  assert.equal(t.session.state, "Confirmed");
  assert.deepEqual(r.calls, [{ method: "INVITE", cseq: reinvite.headers.get("CSeq"), status: 401, attempt: 1, carried: [] }]);

  const again = t.port.last("INVITE").req;
  assert.notEqual(again, reinvite);
  assert.equal(count(t.port.methods(), "INVITE"), 3, "initial INVITE, re-INVITE, its resubmission");
  assert.equal(again.headers.get("CSeq"), `${seqOf(reinvite) + 1} INVITE`);
  assert.equal(again.headers.get("Call-ID"), reinvite.headers.get("Call-ID"));
  assert.equal(again.headers.get("From"), reinvite.headers.get("From"));
  assert.equal(again.headers.get("To"), reinvite.headers.get("To"));
  assert.notEqual(branchOf(again), branchOf(reinvite));
  assert.equal(again.body.toString(), sdp().body, "the same offer");
  assert.equal(again.headers.get("X-Reason"), "hold", "the caller's headers stay");
  assert.deepEqual(again.headers.getAll("Authorization"), [credentialsValue(401, 1, "INVITE")]);

  t.answer("INVITE", 200, { toTag: "b1", body: SDP });
  await result;
  assert.equal(outcome.settled, true);
  assert.equal(outcome.res?.status, 200);
  assert.equal(t.port.acks().at(-1)?.headers.get("CSeq"), `${seqOf(again)} ACK`, "the 2xx to the resubmission is ACKed");
  assert.deepEqual(answers, [SDP]);
  assert.equal(t.session.state, "Confirmed");
});

test("uac: §22.2 an UPDATE challenged with 407 is resent with Proxy-Authorization and CSeq+1; a second challenge replaces the credentials and passes attempt 2", async () => {
  const r = fakeResponder();
  const t = confirmed({ challenge: r.respond });
  const result = t.session.modify({ method: "UPDATE", body: sdp() });
  const update = t.answer("UPDATE", 407).req;
  const again = t.port.last("UPDATE").req;
  assert.equal(count(t.port.methods(), "UPDATE"), 2);
  assert.equal(again.headers.get("CSeq"), `${seqOf(update) + 1} UPDATE`);
  assert.notEqual(branchOf(again), branchOf(update));
  assert.deepEqual(again.headers.getAll("Proxy-Authorization"), [credentialsValue(407, 1, "UPDATE")]);
  assert.equal(again.body.toString(), sdp().body);

  t.answer("UPDATE", 407);
  const third = t.port.last("UPDATE").req;
  assert.equal(third.headers.get("CSeq"), `${seqOf(update) + 2} UPDATE`);
  assert.deepEqual(third.headers.getAll("Proxy-Authorization"), [credentialsValue(407, 2, "UPDATE")], "the stale credentials are replaced, not repeated");
  assert.deepEqual(
    r.calls.map((c) => [c.attempt, c.carried]),
    [
      [1, []],
      [2, [credentialsValue(407, 1, "UPDATE")]],
    ],
  );
  t.answer("UPDATE", 200, { body: SDP });
  assert.equal((await result)?.status, 200);
});

test("uac: a re-INVITE challenged beyond MAX_CHALLENGES, or without credentials, resolves with the challenge and leaves the call up", async () => {
  const r = fakeResponder();
  const t = confirmed({ challenge: r.respond });
  const result = t.session.modify({ method: "INVITE", body: sdp() });
  for (let i = 0; i <= MAX_CHALLENGES; i++) t.answer("INVITE", 401, { toTag: "b1" });
  const res = await result;
  assert.equal(res?.status, 401);
  assert.equal(count(t.port.methods(), "INVITE"), 1 + MAX_CHALLENGES + 1, "the initial INVITE, the re-INVITE and three resubmissions");
  assert.deepEqual(r.calls.map((c) => c.attempt), [1, 2, 3]);
  assert.equal(t.session.state, "Confirmed", "a refused re-INVITE leaves the session as it was");

  const u = confirmed();
  const plain = u.session.modify({ method: "INVITE", body: sdp() });
  u.answer("INVITE", 407, { toTag: "b1" });
  assert.equal((await plain)?.status, 407);
  assert.equal(count(u.port.methods(), "INVITE"), 2);
  assert.equal(u.session.state, "Confirmed");
  const next = u.session.modify({ method: "INVITE", body: sdp() });
  assert.equal(count(u.port.methods(), "INVITE"), 3, "the failed offer was rolled back: a new re-INVITE may go out");
  u.answer("INVITE", 200, { toTag: "b1", body: SDP });
  assert.equal((await next)?.status, 200);
});

function wireParse(data: Buffer) {
  const r = parseMessage(data);
  assert.ok(r.ok, `sent message parses: ${r.ok ? "" : r.reason}`);
  return r.message;
}

test("uac: a re-INVITE challenged by two proxies (realms A, then B) carries both credentials, as the initial INVITE does", async () => {
  let n = 0;
  const respond: ChallengeResponder = () => ["Proxy-Authorization", `Digest username="1001", realm="${++n === 1 ? "A" : "B"}", nonce="x", uri="sip:1002@192.0.2.10:5060", response="00"`];
  const t = confirmed({ challenge: respond });
  const result = t.session.modify({ method: "INVITE", body: sdp() });
  t.answer("INVITE", 407);
  t.answer("INVITE", 407);
  const third = t.port.last("INVITE").req;
  assert.deepEqual(
    third.headers.getAll("Proxy-Authorization").map((v) => /realm="(\w)"/.exec(v)?.[1]),
    ["A", "B"],
    "proxy A's credentials stay beside proxy B's",
  );
  t.answer("INVITE", 200, { body: SDP });
  assert.equal((await result)?.status, 200);
});

test("uac: §9.1 after a 180 then a 407, cancel() waits for a provisional to the resubmitted INVITE before sending CANCEL", () => {
  const r = fakeResponder();
  const t = uac({ challenge: r.respond });
  t.answer("INVITE", 180, { toTag: "early-1" });
  t.answer("INVITE", 407, { toTag: "proxy-1" });
  t.session.cancel();
  assert.equal(count(t.port.methods(), "CANCEL"), 0, "no provisional to the new INVITE yet");
  t.answer("INVITE", 180, { toTag: "b1" });
  assert.equal(count(t.port.methods(), "CANCEL"), 1, "the CANCEL follows the new INVITE's 180");
  const cancel = t.port.last("CANCEL").req;
  assert.equal(cancel.headers.get("CSeq"), `${seqOf(t.port.last("INVITE").req)} CANCEL`, "it cancels the resubmitted INVITE");
});
