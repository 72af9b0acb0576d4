import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { computeHA1, type DigestAlgorithm } from "../../../src/sip/auth/digest-algorithm.js";
import { DigestAuthenticator, type DigestCredentials } from "../../../src/sip/auth/digest-authenticator.js";
import { buildAuthorization, parseChallenge } from "../../../src/sip/auth/digest-client.js";
import type { AuthValue } from "../../../src/sip/message/types.js";
import { authValue, withParams } from "./auth-value-helper.js";

const REALM = "asterisk";
const URI = "sip:asterisk@192.0.2.10";
const ALICE: DigestCredentials = { username: "6001", password: "s3cret" };

function setup(opts: { lifetime?: number; alg?: DigestAlgorithm; qop?: boolean } = {}) {
  const clock = new FakeClock();
  const auth = new DigestAuthenticator({ clock, ...(opts.lifetime !== undefined ? { nonceLifetimeSec: opts.lifetime } : {}) });
  const [header] = auth.challenge({ realm: REALM, algorithms: [opts.alg ?? "MD5"], qop: opts.qop ?? true });
  const challenge = parseChallenge(authValue(header ?? ""));
  assert.ok(challenge, "own challenge parses");
  const answer = (password = "s3cret", extra: { nc?: number; cnonce?: string; username?: string } = {}): AuthValue =>
    authValue(buildAuthorization({ challenge, username: extra.username ?? "6001", password, method: "REGISTER", uri: URI, ...(extra.nc !== undefined ? { nc: extra.nc } : {}), ...(extra.cnonce !== undefined ? { cnonce: extra.cnonce } : {}) }));
  // `null` stands for "no such account" (undefined would pick the default parameter).
  const verify = (a: AuthValue, credentials: DigestCredentials | null = ALICE) =>
    auth.verify({ auth: a, method: "REGISTER", realm: REALM, credentials: credentials ?? undefined });
  return { clock, auth, challenge, answer, verify };
}

test("authenticator: challenge has pjsip's shape realm, nonce, opaque, algorithm, qop", () => {
  const auth = new DigestAuthenticator({ clock: new FakeClock() });
  const values = auth.challenge({ realm: "asterisk", algorithms: ["SHA-256", "MD5"] });
  assert.equal(values.length, 2);
  assert.match(values[0] ?? "", /^Digest realm="asterisk",nonce="[A-Za-z0-9_-]{48}",opaque="[0-9a-f]{32}",algorithm=SHA-256,qop="auth"$/);
  assert.match(values[1] ?? "", /,algorithm=MD5,qop="auth"$/);
});

test("authenticator: stale challenge carries stale=true; qop can be left out", () => {
  const auth = new DigestAuthenticator({ clock: new FakeClock() });
  const [v] = auth.challenge({ realm: "r", algorithms: ["MD5"], stale: true, qop: false });
  assert.match(v ?? "", /,stale=true,algorithm=MD5$/);
});

test("authenticator: realm with a quote is escaped in the challenge and round-trips", () => {
  const auth = new DigestAuthenticator({ clock: new FakeClock() });
  const [v] = auth.challenge({ realm: 'my "pbx"', algorithms: ["MD5"] });
  assert.equal(parseChallenge(authValue(v ?? ""))?.realm, 'my "pbx"');
});

for (const alg of ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"] as const) {
  test(`authenticator: correct ${alg} answer to our own challenge is ok`, () => {
    const s = setup({ alg });
    assert.deepEqual(s.verify(s.answer()), { outcome: "ok" });
  });
}

test("authenticator: RFC 2069 answer (no qop) to a qop-less challenge is ok", () => {
  const s = setup({ qop: false });
  const a = s.answer();
  assert.equal(a.params.get("qop"), undefined);
  assert.deepEqual(s.verify(a), { outcome: "ok" });
});

test("authenticator: stored HA1 (password_digest) verifies without a password", () => {
  const s = setup({ alg: "SHA-256" });
  const creds: DigestCredentials = { username: "6001", ha1: { "SHA-256": computeHA1("SHA-256", "6001", REALM, "s3cret") } };
  assert.deepEqual(s.verify(s.answer(), creds), { outcome: "ok" });
});

test("authenticator: account with only an MD5 digest cannot check a SHA-256 answer", () => {
  const s = setup({ alg: "SHA-256" });
  const creds: DigestCredentials = { username: "6001", ha1: { MD5: computeHA1("MD5", "6001", REALM, "s3cret") } };
  assert.deepEqual(s.verify(s.answer(), creds), { outcome: "failed", reason: "unsupported algorithm" });
});

test("authenticator: wrong password fails and reports the expected response", () => {
  const s = setup();
  const r = s.verify(s.answer("guess"));
  assert.equal(r.outcome, "failed");
  assert.equal(r.outcome === "failed" && r.reason, "wrong password");
  assert.match((r.outcome === "failed" && r.expected) || "", /^[0-9a-f]{32}$/);
});

test("authenticator: unknown user fails as 'unknown user' after the same hashing work", () => {
  const s = setup();
  assert.deepEqual(s.verify(s.answer("whatever", { username: "9999" }), null), { outcome: "failed", reason: "unknown user" });
});

test("authenticator: nonce older than nonce_lifetime with the right password is stale", () => {
  const s = setup({ lifetime: 32 });
  const a = s.answer();
  s.clock.advance(32_001);
  assert.deepEqual(s.verify(a), { outcome: "stale" });
});

test("authenticator: nonce within nonce_lifetime is still accepted", () => {
  const s = setup({ lifetime: 32 });
  const a = s.answer();
  s.clock.advance(31_000);
  assert.deepEqual(s.verify(a), { outcome: "ok" });
});

test("authenticator: the account's own nonce_lifetime (per verify) overrides the authenticator's", () => {
  const s = setup({ lifetime: 32 });
  const a = s.answer();
  s.clock.advance(10_001);
  const lifetime = (sec: number) => s.auth.verify({ auth: a, method: "REGISTER", realm: REALM, credentials: ALICE, nonceLifetimeSec: sec });
  assert.deepEqual(lifetime(10), { outcome: "stale" }, "nonce_lifetime=10: a 10.001 s old nonce is stale");
  assert.deepEqual(lifetime(60), { outcome: "ok" }, "nonce_lifetime=60: still fresh");
});

test("authenticator: RFC 7616 §3.3 stale only with a valid digest; expired nonce with wrong password fails", () => {
  const s = setup({ lifetime: 32 });
  const a = s.answer("guess");
  s.clock.advance(60_000);
  const r = s.verify(a);
  assert.equal(r.outcome === "failed" && r.reason, "wrong password");
});

test("authenticator: tampered nonce is 'nonce not ours'", () => {
  const s = setup();
  const a = s.answer();
  const nonce = a.params.get("nonce") ?? "";
  const flipped = (nonce[0] === "A" ? "B" : "A") + nonce.slice(1);
  assert.deepEqual(s.verify(withParams(a, { nonce: flipped })), { outcome: "failed", reason: "nonce not ours" });
});

test("authenticator: nonce issued by another process (other secret) is 'nonce not ours'", () => {
  const s = setup();
  const other = new DigestAuthenticator({ clock: s.clock });
  assert.deepEqual(
    other.verify({ auth: s.answer(), method: "REGISTER", realm: REALM, credentials: ALICE }),
    { outcome: "failed", reason: "nonce not ours" },
  );
});

test("authenticator: a shared secret lets another instance accept the nonce", () => {
  const clock = new FakeClock();
  const secret = Buffer.alloc(32, 7);
  const a = new DigestAuthenticator({ clock, secret });
  const b = new DigestAuthenticator({ clock, secret });
  const c = parseChallenge(authValue(a.challenge({ realm: REALM, algorithms: ["MD5"] })[0] ?? ""));
  assert.ok(c);
  const answer = authValue(buildAuthorization({ challenge: c, username: "6001", password: "s3cret", method: "REGISTER", uri: URI }));
  assert.deepEqual(b.verify({ auth: answer, method: "REGISTER", realm: REALM, credentials: ALICE }), { outcome: "ok" });
});

test("authenticator: realm other than ours is 'realm mismatch'", () => {
  const s = setup();
  assert.deepEqual(s.verify(withParams(s.answer(), { realm: "elsewhere" })), { outcome: "failed", reason: "realm mismatch" });
});

test("authenticator: replayed nc on the same nonce is refused; a higher nc is accepted", () => {
  const s = setup();
  assert.deepEqual(s.verify(s.answer("s3cret", { nc: 1 })), { outcome: "ok" });
  assert.deepEqual(s.verify(s.answer("s3cret", { nc: 1 })), { outcome: "failed", reason: "replayed nonce count" });
  assert.deepEqual(s.verify(s.answer("s3cret", { nc: 2 })), { outcome: "ok" });
  assert.deepEqual(s.verify(s.answer("s3cret", { nc: 2 })), { outcome: "failed", reason: "replayed nonce count" });
});

test("authenticator: a failed attempt does not advance the nonce count", () => {
  const s = setup();
  assert.equal(s.verify(s.answer("guess", { nc: 5 })).outcome, "failed");
  assert.deepEqual(s.verify(s.answer("s3cret", { nc: 1 })), { outcome: "ok" });
});

test("authenticator: algorithm not offered is refused when the offered list is given", () => {
  const s = setup({ alg: "MD5" });
  const r = s.auth.verify({ auth: s.answer(), method: "REGISTER", realm: REALM, credentials: ALICE, algorithms: ["SHA-256"] });
  assert.deepEqual(r, { outcome: "failed", reason: "unsupported algorithm" });
});

// Table of hostile or broken Authorization values; none may throw.
const MALFORMED: Array<[string, (a: AuthValue) => AuthValue, string]> = [
  ["sipvicious svcrack: qop=auth without nc and cnonce", (a) => withParams(a, { nc: undefined, cnonce: undefined }), "malformed credentials"],
  ["qop=auth without cnonce", (a) => withParams(a, { cnonce: undefined }), "malformed credentials"],
  ["nc that is not hex", (a) => withParams(a, { nc: "zz" }), "malformed credentials"],
  ["missing response", (a) => withParams(a, { response: undefined }), "malformed credentials"],
  ["missing nonce", (a) => withParams(a, { nonce: undefined }), "malformed credentials"],
  ["missing uri", (a) => withParams(a, { uri: undefined }), "malformed credentials"],
  ["missing username", (a) => withParams(a, { username: undefined }), "malformed credentials"],
  ["empty username", (a) => withParams(a, { username: "" }), "malformed credentials"],
  ["response of the wrong length", (a) => withParams(a, { response: "abc" }), "malformed credentials"],
  ["response that is not hex", (a) => withParams(a, { response: "z".repeat(32) }), "malformed credentials"],
  ["unknown qop value", (a) => withParams(a, { qop: "bogus" }), "malformed credentials"],
  ["auth-int is not supported", (a) => withParams(a, { qop: "auth-int" }), "unsupported qop"],
  ["unknown algorithm", (a) => withParams(a, { algorithm: "SHA-1" }), "unsupported algorithm"],
  ["nonce of the right length but garbage", (a) => withParams(a, { nonce: "!".repeat(48) }), "nonce not ours"],
  ["very long nonce", (a) => withParams(a, { nonce: "A".repeat(100_000) }), "nonce not ours"],
  ["Basic scheme", (a) => ({ scheme: "Basic", params: a.params }), "unsupported scheme"],
];

for (const [name, mutate, reason] of MALFORMED) {
  test(`authenticator: ${name} → failed/${reason}, no throw`, () => {
    const s = setup();
    assert.deepEqual(s.verify(mutate(s.answer())), { outcome: "failed", reason });
  });
}

test("authenticator: empty Authorization params never throw", () => {
  const s = setup();
  assert.deepEqual(s.verify({ scheme: "Digest", params: new Map() }), { outcome: "failed", reason: "malformed credentials" });
});

test("authenticator: upper-case hex response is accepted", () => {
  const s = setup();
  const a = s.answer();
  assert.deepEqual(s.verify(withParams(a, { response: (a.params.get("response") ?? "").toUpperCase() })), { outcome: "ok" });
});
