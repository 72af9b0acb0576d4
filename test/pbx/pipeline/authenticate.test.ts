import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAuth } from "../../../src/sip/parser/index.js";
import type { SipResponse } from "../../../src/sip/message/message.js";
import { BASE_CONF, Phone, SERVER_AGENT, buildPbx, challengeOf } from "../harness.js";

const WWW_AUTH_SHAPE = /^Digest realm="asterisk",nonce="[A-Za-z0-9_-]+",opaque="[0-9a-f]+",algorithm=MD5,qop="auth"$/;

function headerNames(res: SipResponse): string[] {
  return res.headers.fields.map((f) => f.name);
}

/** WWW-Authenticate parameters without the per-challenge values (nonce, opaque). */
function challengeShape(res: SipResponse): Array<[string, string]> {
  const v = parseAuth(res.headers.get("WWW-Authenticate") ?? "");
  assert.ok(v);
  return [...v.params].filter(([k]) => k !== "nonce" && k !== "opaque").map(([k, val]) => [k, val]);
}

test("authenticate: REGISTER without credentials → 401 with WWW-Authenticate realm, nonce, opaque, algorithm=MD5, qop=\"auth\"", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  const res = phone.register();
  assert.equal(res.status, 401);
  assert.match(res.headers.get("WWW-Authenticate") ?? "", WWW_AUTH_SHAPE);
  assert.equal(res.headers.get("Server"), SERVER_AGENT);
  assert.match(res.headers.get("To") ?? "", /;tag=/);
  assert.deepEqual(pbx.securityEvents.map((e) => e.type), ["ChallengeSent"]);
  assert.equal(pbx.store.count(), 0);
});

test("authenticate: good credentials (real MD5 digest) → 200 and a SuccessfulAuth event", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  const res = phone.registerWithAuth();
  assert.equal(res.status, 200);
  assert.deepEqual(pbx.securityEvents.map((e) => e.type), ["ChallengeSent", "SuccessfulAuth"]);
  const ok = pbx.securityEvents[1];
  assert.equal(ok?.accountId, "6001");
  assert.equal(ok?.remote.address, phone.ip);
  assert.equal(ok?.remote.transport, "UDP");
  assert.equal(ok?.time, pbx.clock.now(), "event time comes from the injected clock");
});

test("authenticate: wrong password → 401 + NOTICE 'Failed to authenticate' + ChallengeResponseFailed", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "6001", password: "wrong" });
  const first = phone.register();
  const authorization = phone.answer(first, "REGISTER");
  const res = phone.register({ authorization });
  assert.equal(res.status, 401);
  assert.match(res.headers.get("WWW-Authenticate") ?? "", WWW_AUTH_SHAPE);
  const line = pbx.log.find("Failed to authenticate");
  assert.ok(line, "a NOTICE line was logged");
  assert.equal(line.level, "notice");
  // Asterisk prints the From as a name-addr without its tag (recorded in test/fixtures/asterisk).
  assert.match(line.msg, /^Request 'REGISTER' from '<sip:6001@192\.0\.2\.1>' failed for '198\.51\.100\.20:5060' \(callid: reg-6001-\d+@198\.51\.100\.20\) - Failed to authenticate$/);
  assert.equal(line.ctx.asteriskSource, "res_pjsip/pjsip_distributor.c");
  // As in Asterisk, the new challenge in the 401 raises no second ChallengeSent.
  assert.deepEqual(pbx.securityEvents.map((e) => e.type), ["ChallengeSent", "ChallengeResponseFailed"]);
  const failed = pbx.securityEvents[1];
  assert.ok(failed);
  assert.equal(failed.accountId, "6001");
  assert.equal(failed.username, "6001");
  assert.equal(failed.reason, "wrong password");
  const sent = parseAuth(authorization);
  assert.equal(failed.challenge, sent?.params.get("nonce"), "Challenge is the nonce the phone answered");
  assert.equal(failed.response, sent?.params.get("response"));
  assert.equal(failed.expectedResponse, undefined, "the right answer is never put in an event");
  assert.equal(failed.artificial, undefined);
  assert.equal(pbx.store.count(), 0);
});

test("authenticate: unknown user → InvalidAccountID + ChallengeSent <unknown>, then InvalidAccountID + ChallengeResponseFailed <unknown> (Asterisk's sequence)", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "9999", password: "whatever" });
  const first = phone.register();
  const authorization = phone.answer(first, "REGISTER");
  assert.equal(phone.register({ authorization }).status, 401);
  assert.deepEqual(
    pbx.securityEvents.map((e) => [e.type, e.accountId]),
    [["InvalidAccountID", "9999"], ["ChallengeSent", "<unknown>"], ["InvalidAccountID", "9999"], ["ChallengeResponseFailed", "<unknown>"]],
  );
  const failed = pbx.securityEvents[3];
  assert.equal(failed?.artificial, true, "marked so the guard counts the InvalidAccountID only");
  assert.equal(failed?.username, "9999");
  assert.equal(failed?.challenge, parseAuth(authorization)?.params.get("nonce"));
  const notices = pbx.log.records.filter((r) => r.level === "notice").map((r) => r.msg.replace(/^.* - /, ""));
  assert.deepEqual(notices, ["No matching endpoint found", "No matching endpoint found", "Failed to authenticate"]);
});

test("authenticate: unknown user → 401 indistinguishable from a known user's (header set, challenge params) + InvalidAccountID", () => {
  const pbx = buildPbx();
  const known = new Phone(pbx, { user: "6001", password: "wrong" });
  const unknown = new Phone(pbx, { user: "9999", password: "whatever" });
  const knownFirst = known.register();
  const unknownFirst = unknown.register();
  assert.deepEqual(headerNames(unknownFirst), headerNames(knownFirst));
  assert.deepEqual(challengeShape(unknownFirst), challengeShape(knownFirst));
  const knownSecond = known.register({ authorization: known.answer(knownFirst, "REGISTER") });
  const unknownSecond = unknown.register({ authorization: unknown.answer(unknownFirst, "REGISTER") });
  assert.equal(unknownSecond.status, 401);
  assert.equal(unknownSecond.reason, knownSecond.reason);
  assert.deepEqual(headerNames(unknownSecond), headerNames(knownSecond));
  assert.deepEqual(challengeShape(unknownSecond), challengeShape(knownSecond));
  const invalid = pbx.securityEvents.find((e) => e.type === "InvalidAccountID");
  assert.ok(invalid);
  assert.equal(invalid.username, "9999");
  assert.ok(pbx.log.records.some((r) => r.level === "notice" && r.msg.includes("No matching endpoint found")));
});

test("authenticate: a nonce older than nonce_lifetime (32 s) with a correct digest → 401 stale=true, then success", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  const first = phone.register();
  const authorization = phone.answer(first, "REGISTER");
  pbx.clock.advance(33_000);
  const res = phone.register({ authorization });
  assert.equal(res.status, 401);
  assert.match(res.headers.get("WWW-Authenticate") ?? "", /,stale=true,/);
  assert.equal(challengeOf(res).stale, true);
  assert.ok(!pbx.securityEvents.some((e) => e.type === "ChallengeResponseFailed"), "a stale nonce is not a failed login");
  const retry = phone.register({ authorization: phone.answer(res, "REGISTER") });
  assert.equal(retry.status, 200);
});

test("authenticate: a replayed Authorization (same nonce count) is re-challenged with stale=true, not counted as a failure", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  const first = phone.register();
  const authorization = phone.answer(first, "REGISTER");
  assert.equal(phone.register({ authorization }).status, 200);
  const failuresBefore = pbx.securityEvents.filter((e) => e.type === "ChallengeResponseFailed").length;
  const replay = phone.register({ authorization });
  assert.equal(replay.status, 401);
  assert.match(replay.headers.get("WWW-Authenticate") ?? "", /stale=true/);
  assert.equal(pbx.securityEvents.filter((e) => e.type === "ChallengeResponseFailed").length, failuresBefore);
});

test("authenticate: SHA-256 offered and verified when the auth has supported_algorithms_uas=SHA-256", () => {
  const conf = BASE_CONF.replace("password=secret6001", "password=secret6001\nsupported_algorithms_uas=SHA-256");
  const pbx = buildPbx({ conf });
  assert.deepEqual(pbx.directory.auths.get("6001")?.supportedAlgorithmsUas, ["SHA-256"]);
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  const first = phone.register();
  assert.match(first.headers.get("WWW-Authenticate") ?? "", /,algorithm=SHA-256,qop="auth"$/);
  assert.equal(challengeOf(first).algorithm, "SHA-256");
  const second = phone.register({ authorization: phone.answer(first, "REGISTER") });
  assert.equal(second.status, 200);
  // An MD5 answer to a SHA-256-only account is refused.
  const third = phone.register();
  const md5 = phone.answer(third, "REGISTER").replace("algorithm=SHA-256", "algorithm=MD5");
  assert.equal(phone.register({ authorization: md5 }).status, 401);
});

test("authenticate: malformed Authorization → 401 + ChallengeResponseFailed", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  const res = phone.register({ authorization: "Digest garbage" });
  assert.equal(res.status, 401);
  assert.ok(pbx.securityEvents.some((e) => e.type === "ChallengeResponseFailed"));
});

test("authenticate: OPTIONS is answered 200 with Allow and no challenge", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "9999" });
  const res = phone.options();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("Allow"), "OPTIONS, REGISTER");
  assert.equal(res.headers.get("WWW-Authenticate"), undefined);
  assert.equal(res.headers.get("Server"), SERVER_AGENT);
  assert.deepEqual(pbx.securityEvents, []);
});
