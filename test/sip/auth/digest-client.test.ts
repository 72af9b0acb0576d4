import { test } from "node:test";
import assert from "node:assert/strict";
import { buildAuthorization, formatNonceCount, parseChallenge, selectChallenge } from "../../../src/sip/auth/digest-client.js";
import { authValue } from "./auth-value-helper.js";

const RFC7616_CHALLENGE = (alg: string) =>
  `Digest realm="http-auth@example.org",qop="auth, auth-int",algorithm=${alg},nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;

function rfcAnswer(alg: string): Map<string, string> {
  const challenge = parseChallenge(authValue(RFC7616_CHALLENGE(alg)));
  assert.ok(challenge);
  const header = buildAuthorization({
    challenge,
    username: "Mufasa",
    password: "Circle of Life",
    method: "GET",
    uri: "/dir/index.html",
    cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    nc: 1,
  });
  return authValue(header).params;
}

test("digest client: answers RFC 7616 §3.9.1 MD5 challenge with the RFC's Authorization", () => {
  const p = rfcAnswer("MD5");
  assert.equal(p.get("response"), "8ca523f5e9506fed4657c9700eebdbec");
  assert.equal(p.get("qop"), "auth");
  assert.equal(p.get("nc"), "00000001");
  assert.equal(p.get("opaque"), "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  assert.equal(p.get("algorithm"), "MD5");
});

test("digest client: answers RFC 7616 §3.9.1 SHA-256 challenge with the RFC's response", () => {
  assert.equal(rfcAnswer("SHA-256").get("response"), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
});

test("digest client: RFC 2069 challenge (no qop) gets no qop, nc or cnonce", () => {
  const c = parseChallenge(authValue('Digest realm="testrealm@host.com",nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"'));
  assert.ok(c);
  const p = authValue(buildAuthorization({ challenge: c, username: "Mufasa", password: "CircleOfLife", method: "GET", uri: "/dir/index.html" })).params;
  assert.equal(p.get("response"), "1949323746fe6a43ef61f9606e7febea");
  assert.equal(p.has("qop"), false);
  assert.equal(p.has("nc"), false);
  assert.equal(p.has("cnonce"), false);
});

test("digest client: parseChallenge reads stale, defaults algorithm to MD5, rejects auth-int only", () => {
  const c = parseChallenge(authValue('Digest realm="a",nonce="n",stale=TRUE,qop="auth"'));
  assert.equal(c?.stale, true);
  assert.equal(c?.algorithm, "MD5");
  assert.equal(parseChallenge(authValue('Digest realm="a",nonce="n",qop="auth-int"')), undefined);
  assert.equal(parseChallenge(authValue('Digest realm="a"')), undefined);
  assert.equal(parseChallenge(authValue('Basic realm="a"')), undefined);
  assert.equal(parseChallenge(authValue('Digest realm="a",nonce="n",algorithm=AKAv1-MD5')), undefined);
});

test("digest client: selectChallenge takes the first supported challenge (RFC 7616 §3.7)", () => {
  const c = selectChallenge([
    authValue('Digest realm="a",nonce="n",algorithm=AKAv1-MD5'),
    authValue('Digest realm="a",nonce="n",algorithm=SHA-256,qop="auth"'),
    authValue('Digest realm="a",nonce="n",algorithm=MD5,qop="auth"'),
  ]);
  assert.equal(c?.algorithm, "SHA-256");
  assert.equal(selectChallenge([authValue('Digest realm="a",nonce="n"')], "b"), undefined);
});

test("digest client: formatNonceCount pads to 8 hex digits and rejects out-of-range counts", () => {
  assert.equal(formatNonceCount(1), "00000001");
  assert.equal(formatNonceCount(255), "000000ff");
  assert.throws(() => formatNonceCount(0), RangeError);
});
