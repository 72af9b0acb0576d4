/**
 * Our answers to a provider's Digest challenges (src/pbx/outbound/outbound-credentials.ts):
 * 401 → Authorization, 407 → Proxy-Authorization; which auth of outbound_auth= answers (the first
 * whose realm matches, empty or `*` = any); MD5 and SHA-256 with qop=auth and without qop, checked
 * by an independent hash here (RFC 7616 §3.4.1 / RFC 2617 §3.2.2); the digest-uri is the
 * Request-URI; what is said when no auth can answer; several challenges in one response; and the
 * session-layer responder's once-per-challenge rule (stale=true answered again).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildPjsipConfig, parseConfigText } from "../../../src/config/index.js";
import { challengeResponder, challengesOf, credentialsFor, type CredentialsHeader } from "../../../src/pbx/outbound/outbound-credentials.js";
import type { DigestChallenge } from "../../../src/sip/auth/index.js";
import { Headers } from "../../../src/sip/message/headers.js";
import { SipRequest, SipResponse } from "../../../src/sip/message/message.js";

const PROVIDER_URI = "sip:4930555123@198.51.100.10:5060";

/** The auth sections of a pjsip.conf, as the PBX loads them. */
function auths(text: string) {
  const cfg = buildPjsipConfig(parseConfigText(text, "pjsip.conf"));
  assert.deepEqual(cfg.diagnostics.filter((d) => d.severity === "error"), []);
  return { cfg, auth: (id: string) => cfg.auths.get(id) };
}

const TWO_AUTHS = auths(
  "[for-a]\ntype=auth\nusername=alice\npassword=pw-a\nrealm=realm-a\n" +
    "[for-b]\ntype=auth\nusername=bob\npassword=pw-b\nrealm=realm-b\n" +
    "[any-empty]\ntype=auth\nusername=empty\npassword=pw-empty\n" +
    "[any-star]\ntype=auth\nusername=star\npassword=pw-star\nrealm=*\n" +
    "[nopass]\ntype=auth\nusername=nopass\nrealm=realm-a\n" +
    "[hashed]\ntype=auth\nauth_type=md5\nusername=hashed\nrealm=realm-a\nmd5_cred=" +
    createHash("md5").update("hashed:realm-a:pw-h").digest("hex") +
    "\n",
);

function response(status: number, reason: string, name: string, values: string[]): SipResponse {
  const h = new Headers();
  for (const v of values) h.append(name, v);
  return new SipResponse(status, reason, h);
}

/** The auth-params of an Authorization value, quoted values unquoted. */
function params(value: string): Record<string, string> {
  assert.match(value, /^Digest /);
  const p: Record<string, string> = {};
  for (const m of value.slice("Digest ".length).matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,]*))/g)) p[m[1] ?? ""] = m[2] ?? m[3] ?? "";
  return p;
}

/** RFC 7616 §3.4.1 (RFC 2617 §3.2.2 for MD5), computed here without the code under test. */
function expectedResponse(alg: "md5" | "sha256", p: Record<string, string>, password: string, method: string, uri: string): string {
  const h = (s: string) => createHash(alg).update(s, "utf8").digest("hex");
  const ha1 = h(`${p["username"]}:${p["realm"]}:${password}`);
  const ha2 = h(`${method}:${uri}`);
  return p["qop"] !== undefined ? h(`${ha1}:${p["nonce"]}:${p["nc"]}:${p["cnonce"]}:${p["qop"]}:${ha2}`) : h(`${ha1}:${p["nonce"]}:${ha2}`);
}

function challenge(text: string, status = 401): { challenge: DigestChallenge; header: CredentialsHeader } {
  const { challenge: c, header } = challengesOf(response(status, status === 407 ? "Proxy Authentication Required" : "Unauthorized", status === 407 ? "Proxy-Authenticate" : "WWW-Authenticate", [text]));
  assert.ok(c, `no challenge read from ${text}`);
  return { challenge: c, header };
}

function answer(authIds: string[], text: string, opts: { status?: number; method?: string; uri?: string } = {}) {
  const { challenge: c, header } = challenge(text, opts.status ?? 401);
  return credentialsFor({
    challenge: c,
    header,
    authIds,
    auth: TWO_AUTHS.auth,
    method: opts.method ?? "INVITE",
    uri: opts.uri ?? PROVIDER_URI,
    owner: "endpoint 'carrier'",
    peer: "endpoint 'carrier'",
  });
}

function answered(r: ReturnType<typeof answer>): { header: CredentialsHeader; value: string } {
  assert.notEqual(typeof r, "string", `refused: ${JSON.stringify(r)}`);
  return r as { header: CredentialsHeader; value: string };
}

test("challengesOf: a 401 is read from WWW-Authenticate and answered with Authorization", () => {
  const res = response(401, "Unauthorized", "WWW-Authenticate", ['Digest realm="realm-a", nonce="n401", qop="auth"']);
  res.headers.append("Proxy-Authenticate", 'Digest realm="proxy", nonce="other"');
  const { challenge: c, header } = challengesOf(res);
  assert.equal(header, "Authorization");
  assert.equal(c?.realm, "realm-a");
  assert.equal(c?.nonce, "n401");
  assert.equal(c?.algorithm, "MD5", "no algorithm= is MD5 (RFC 7616 §3.3)");
  assert.deepEqual(c?.qop, ["auth"]);
  assert.equal(c?.stale, false);
});

test("challengesOf: a 407 is read from Proxy-Authenticate and answered with Proxy-Authorization", () => {
  const res = response(407, "Proxy Authentication Required", "Proxy-Authenticate", ['Digest realm="proxy", nonce="n407", algorithm=SHA-256, stale=TRUE, opaque="op"']);
  res.headers.append("WWW-Authenticate", 'Digest realm="realm-a", nonce="ignored"');
  const { challenge: c, header } = challengesOf(res);
  assert.equal(header, "Proxy-Authorization");
  assert.equal(c?.realm, "proxy");
  assert.equal(c?.nonce, "n407");
  assert.equal(c?.algorithm, "SHA-256");
  assert.equal(c?.opaque, "op");
  assert.equal(c?.stale, true, "stale is compared case-insensitively");
});

test("challengesOf: a 407 with only WWW-Authenticate (wrong header for the status) has no challenge", () => {
  const { challenge: c, header } = challengesOf(response(407, "Proxy Authentication Required", "WWW-Authenticate", ['Digest realm="x", nonce="n"']));
  assert.equal(c, undefined);
  assert.equal(header, "Proxy-Authorization");
});

test("challengesOf: of several challenges the first one we can compute is picked, in the server's order", () => {
  const res = response(401, "Unauthorized", "WWW-Authenticate", [
    'Basic realm="realm-a"',
    'Digest realm="realm-a", nonce="n-intonly", qop="auth-int"',
    'Digest realm="realm-a", nonce="n-unknown", algorithm=SHA-1',
    'Digest realm="realm-a", nonce="n-sha256", algorithm=SHA-256, qop="auth"',
    'Digest realm="realm-a", nonce="n-md5", algorithm=MD5, qop="auth"',
  ]);
  const { challenge: c } = challengesOf(res);
  assert.equal(c?.nonce, "n-sha256");
  assert.equal(c?.algorithm, "SHA-256");
});

test("challengesOf: qop=\"auth-int,auth\" is answerable with auth; only unsupported challenges give none", () => {
  const mixed = challengesOf(response(401, "Unauthorized", "WWW-Authenticate", ['Digest realm="r", nonce="n", qop="auth-int,auth"']));
  assert.deepEqual(mixed.challenge?.qop, ["auth-int", "auth"]);
  const none = challengesOf(response(401, "Unauthorized", "WWW-Authenticate", ['Digest realm="r", nonce="n1", algorithm=SHA-1', 'Digest realm="r", nonce="n2", qop="auth-int"', 'Digest realm="r"', "garbage"]));
  assert.equal(none.challenge, undefined);
  assert.equal(challengesOf(new SipResponse(401, "Unauthorized")).challenge, undefined, "no WWW-Authenticate at all");
});

test("credentialsFor: MD5 with qop=auth: response = MD5(HA1:nonce:nc:cnonce:auth:HA2) with HA1 = MD5(user:realm:pass), HA2 = MD5(INVITE:uri)", () => {
  const r = answered(answer(["for-a"], 'Digest realm="realm-a", nonce="abc123", qop="auth", algorithm=MD5, opaque="xyz"'));
  assert.equal(r.header, "Authorization");
  const p = params(r.value);
  assert.equal(p["username"], "alice");
  assert.equal(p["realm"], "realm-a");
  assert.equal(p["nonce"], "abc123");
  assert.equal(p["uri"], PROVIDER_URI, "the digest-uri is the Request-URI");
  assert.equal(p["algorithm"], "MD5");
  assert.equal(p["qop"], "auth");
  assert.equal(p["nc"], "00000001");
  assert.equal(p["opaque"], "xyz", "opaque is returned unchanged (RFC 7616 §3.4)");
  assert.ok((p["cnonce"] ?? "").length > 0, "a cnonce with qop");
  assert.match(p["response"] ?? "", /^[0-9a-f]{32}$/);
  assert.equal(p["response"], expectedResponse("md5", p, "pw-a", "INVITE", PROVIDER_URI));
  assert.notEqual(p["response"], expectedResponse("md5", p, "wrong", "INVITE", PROVIDER_URI), "the check can fail");
  assert.match(r.value, /,qop=auth,nc=00000001/, "qop and nc are tokens, not quoted");
  assert.match(r.value, /algorithm=MD5(,|$)/, "algorithm is a token");
});

test("credentialsFor: SHA-256 with qop=auth to a 407: Proxy-Authorization with a 64-hex SHA-256 response", () => {
  const uri = "sip:+4930555123@proxy.example.com;transport=tcp";
  const r = answered(answer(["for-b"], 'Digest realm="realm-b", nonce="n-256", algorithm=SHA-256, qop="auth"', { status: 407, method: "INVITE", uri }));
  assert.equal(r.header, "Proxy-Authorization");
  const p = params(r.value);
  assert.equal(p["username"], "bob");
  assert.equal(p["algorithm"], "SHA-256");
  assert.equal(p["uri"], uri);
  assert.match(p["response"] ?? "", /^[0-9a-f]{64}$/);
  assert.equal(p["response"], expectedResponse("sha256", p, "pw-b", "INVITE", uri));
});

test("credentialsFor: the method of the answered request goes into HA2 (BYE, REGISTER)", () => {
  for (const method of ["BYE", "REGISTER"]) {
    const uri = method === "REGISTER" ? "sip:198.51.100.10" : PROVIDER_URI;
    const p = params(answered(answer(["for-a"], 'Digest realm="realm-a", nonce="nm", qop="auth"', { method, uri })).value);
    assert.equal(p["uri"], uri);
    assert.equal(p["response"], expectedResponse("md5", p, "pw-a", method, uri), method);
    assert.notEqual(p["response"], expectedResponse("md5", p, "pw-a", "INVITE", uri), `${method} is not INVITE`);
  }
});

test("credentialsFor: a challenge without qop is answered in the RFC 2069 form (no qop, nc or cnonce)", () => {
  const p = params(answered(answer(["for-a"], 'Digest realm="realm-a", nonce="old-style"')).value);
  assert.equal(p["qop"], undefined);
  assert.equal(p["nc"], undefined);
  assert.equal(p["cnonce"], undefined);
  assert.equal(p["response"], expectedResponse("md5", p, "pw-a", "INVITE", PROVIDER_URI));
});

test("credentialsFor: the first auth whose realm matches the challenge answers it, in outbound_auth order", () => {
  const p = params(answered(answer(["for-a", "for-b"], 'Digest realm="realm-b", nonce="n", qop="auth"')).value);
  assert.equal(p["username"], "bob", "for-a is for another realm");
  assert.equal(p["response"], expectedResponse("md5", p, "pw-b", "INVITE", PROVIDER_URI));
  const exactFirst = params(answered(answer(["for-a", "any-star"], 'Digest realm="realm-a", nonce="n", qop="auth"')).value);
  assert.equal(exactFirst["username"], "alice");
});

test("credentialsFor: an auth with realm empty or * answers any realm, but an exact realm wins wherever it is listed", () => {
  const empty = params(answered(answer(["any-empty"], 'Digest realm="whatever.example", nonce="n", qop="auth"')).value);
  assert.equal(empty["username"], "empty");
  assert.equal(empty["realm"], "whatever.example", "the challenge's realm is echoed, not the auth's");
  assert.equal(empty["response"], expectedResponse("md5", empty, "pw-empty", "INVITE", PROVIDER_URI));
  const star = params(answered(answer(["any-star"], 'Digest realm="realm-b", nonce="n", qop="auth"')).value);
  assert.equal(star["username"], "star");
  assert.equal(star["realm"], "realm-b");
  assert.equal(star["response"], expectedResponse("md5", star, "pw-star", "INVITE", PROVIDER_URI));
  const exact = params(answered(answer(["any-star", "for-b"], 'Digest realm="realm-b", nonce="n", qop="auth"')).value);
  assert.equal(exact["username"], "bob", "the auth for realm-b, though the wildcard is listed first");
  const other = params(answered(answer(["any-star", "for-b"], 'Digest realm="realm-c", nonce="n", qop="auth"')).value);
  assert.equal(other["username"], "star", "another realm falls to the wildcard");
});

test("credentialsFor: realms are compared exactly (case-sensitive)", () => {
  const r = answer(["for-a"], 'Digest realm="REALM-A", nonce="n", qop="auth"');
  assert.equal(typeof r, "string");
});

test("credentialsFor: no auth for the challenged realm says which outbound_auth and realm", () => {
  const r = answer(["for-a", "for-b"], 'Digest realm="elsewhere", nonce="n", qop="auth"');
  assert.equal(r, 'no auth of outbound_auth=for-a,for-b is for the realm "elsewhere" endpoint \'carrier\' challenged with (set realm= to it, or leave realm empty)');
});

test("credentialsFor: an empty outbound_auth says to add one", () => {
  const r = answer([], 'Digest realm="realm-a", nonce="n"');
  assert.equal(typeof r, "string");
  assert.match(r as string, /^endpoint 'carrier' asks for credentials \(realm "realm-a"\) but endpoint 'carrier' has no outbound_auth=/);
});

test("credentialsFor: an outbound_auth naming no auth section is skipped; the next one answers", () => {
  const p = params(answered(answer(["missing", "for-a"], 'Digest realm="realm-a", nonce="n", qop="auth"')).value);
  assert.equal(p["username"], "alice");
  assert.equal(typeof answer(["missing"], 'Digest realm="realm-a", nonce="n"'), "string");
});

test("credentialsFor: the matching auth without password= is refused, without trying the next auth", () => {
  const r = answer(["nopass", "any-star"], 'Digest realm="realm-a", nonce="n", qop="auth"');
  assert.equal(r, "auth 'nopass' has no password= to answer the challenge of endpoint 'carrier' with");
});

test("credentialsFor: md5_cred (no password=) answers an MD5 challenge with the stored hash, and says why it cannot answer SHA-256", () => {
  const hashed = TWO_AUTHS.cfg.auths.get("hashed");
  assert.equal(hashed?.authType, "digest", "auth_type=md5 is read as digest");
  assert.equal(hashed?.passwordDigest[0]?.algorithm, "MD5");
  assert.ok(TWO_AUTHS.cfg.diagnostics.some((d) => d.severity === "warning" && /md5_cred is deprecated/.test(d.message)));
  const p = params(answered(answer(["hashed"], 'Digest realm="realm-a", nonce="n", qop="auth"')).value);
  assert.equal(p["username"], "hashed");
  assert.equal(p["response"], expectedResponse("md5", p, "pw-h", "INVITE", PROVIDER_URI), "the same response as from the password itself");
  const r = answer(["hashed"], 'Digest realm="realm-a", nonce="n", qop="auth", algorithm=SHA-256');
  assert.equal(r, "auth 'hashed' has no password= and its password_digest is MD5, but endpoint 'carrier' challenged with SHA-256; add password=");
});

test("credentialsFor: each answer has its own cnonce", () => {
  const text = 'Digest realm="realm-a", nonce="same", qop="auth"';
  const a = params(answered(answer(["for-a"], text)).value);
  const b = params(answered(answer(["for-a"], text)).value);
  assert.notEqual(a["cnonce"], b["cnonce"]);
});

function invite(headers: Array<[string, string]> = []): SipRequest {
  const h = new Headers();
  for (const [n, v] of headers) h.append(n, v);
  return new SipRequest("INVITE", PROVIDER_URI, h);
}

function responder(authIds: string[]) {
  const refusals: string[] = [];
  const respond = challengeResponder({
    authIds,
    auth: TWO_AUTHS.auth,
    owner: "endpoint 'carrier'",
    peer: "endpoint 'carrier'",
    refused: (why) => refusals.push(why),
  });
  return { respond, refusals };
}

test("challengeResponder: the first 407 to an INVITE is answered with Proxy-Authorization for its Request-URI", () => {
  const { respond, refusals } = responder(["for-a"]);
  const res = response(407, "Proxy Authentication Required", "Proxy-Authenticate", ['Digest realm="realm-a", nonce="first", qop="auth"']);
  const got = respond(invite(), res, 1);
  assert.ok(got);
  assert.equal(got[0], "Proxy-Authorization");
  const p = params(got[1]);
  assert.equal(p["uri"], PROVIDER_URI);
  assert.equal(p["nonce"], "first");
  assert.equal(p["response"], expectedResponse("md5", p, "pw-a", "INVITE", PROVIDER_URI));
  assert.deepEqual(refusals, []);
});

test("challengeResponder: the request's method and Request-URI go into the digest (a BYE in the dialog)", () => {
  const { respond } = responder(["for-b"]);
  const bye = new SipRequest("BYE", "sip:far@203.0.113.5:5080;transport=udp");
  const got = respond(bye, response(401, "Unauthorized", "WWW-Authenticate", ['Digest realm="realm-b", nonce="b", algorithm=SHA-256, qop="auth"']), 1);
  assert.ok(got);
  assert.equal(got[0], "Authorization");
  const p = params(got[1]);
  assert.equal(p["uri"], bye.uri);
  assert.equal(p["response"], expectedResponse("sha256", p, "pw-b", "BYE", bye.uri));
});

test("challengeResponder: a second challenge after our credentials (not stale) is a refusal, said once", () => {
  const { respond, refusals } = responder(["for-a"]);
  const res = response(401, "Unauthorized", "WWW-Authenticate", ['Digest realm="realm-a", nonce="again", qop="auth"']);
  const got = respond(invite([["Authorization", 'Digest username="alice"']]), res, 2);
  assert.equal(got, undefined);
  assert.deepEqual(refusals, ["endpoint 'carrier' refused our credentials (401 Unauthorized again to our INVITE after auth 'for-a' answered its challenge): check username and password in auth 'for-a'"]);
});

test("challengeResponder: a stale=true challenge after our credentials is answered with the new nonce", () => {
  const { respond, refusals } = responder(["for-a"]);
  const res = response(401, "Unauthorized", "WWW-Authenticate", ['Digest realm="realm-a", nonce="fresh", qop="auth", stale=true']);
  const got = respond(invite([["Authorization", 'Digest username="alice"']]), res, 2);
  assert.ok(got);
  assert.equal(params(got[1])["nonce"], "fresh");
  assert.deepEqual(refusals, []);
});

test("challengeResponder: a 407 after our Authorization (a proxy in front of the callee) is still answered", () => {
  const { respond, refusals } = responder(["any-star"]);
  const res = response(407, "Proxy Authentication Required", "Proxy-Authenticate", ['Digest realm="proxy", nonce="p", qop="auth"']);
  const got = respond(invite([["Authorization", 'Digest username="star"']]), res, 2);
  assert.ok(got);
  assert.equal(got[0], "Proxy-Authorization");
  assert.deepEqual(refusals, []);
});

test("challengeResponder: no answerable challenge and no matching auth are refusals with their reason", () => {
  const { respond, refusals } = responder(["for-a"]);
  assert.equal(respond(invite(), response(401, "Unauthorized", "WWW-Authenticate", ['Digest realm="realm-a", nonce="n", algorithm=SHA-1']), 1), undefined);
  assert.equal(respond(invite(), response(407, "Proxy Authentication Required", "Proxy-Authenticate", ['Digest realm="realm-b", nonce="n"']), 1), undefined);
  assert.equal(refusals.length, 2);
  assert.equal(refusals[0], "401 Unauthorized to our INVITE without a Digest challenge we can answer (MD5, SHA-256 or SHA-512-256 with qop=auth or none)");
  assert.match(refusals[1] ?? "", /^no auth of outbound_auth=for-a is for the realm "realm-b"/);
});

test("challengeResponder: with two realms challenged, only the first answerable challenge is considered", () => {
  // Two Proxy-Authenticate values (e.g. two proxies, RFC 3261 §22.3): the first supported
  // challenge is chosen before looking at the auths, so an auth for the second realm is not used.
  const { respond, refusals } = responder(["for-b"]);
  const res = response(407, "Proxy Authentication Required", "Proxy-Authenticate", ['Digest realm="realm-a", nonce="na", qop="auth"', 'Digest realm="realm-b", nonce="nb", qop="auth"']);
  assert.equal(respond(invite(), res, 1), undefined);
  assert.match(refusals[0] ?? "", /realm "realm-a"/);
});
