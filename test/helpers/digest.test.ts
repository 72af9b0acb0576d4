import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildAuthorization, digestResponse, parseChallenge } from "./digest.js";

describe("digest helper (client side of RFC 2617 / RFC 7616)", () => {
  it("digestResponse: RFC 2617 §3.5 example (MD5, qop=auth) gives 6629fae4…", () => {
    const r = digestResponse({
      username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life", method: "GET",
      uri: "/dir/index.html", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", qop: "auth", nc: "00000001", cnonce: "0a4f113b",
    });
    assert.equal(r, "6629fae49393a05397450978507c4ef1");
  });

  const rfc7616 = {
    username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", method: "GET", uri: "/dir/index.html",
    nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", qop: "auth", nc: "00000001", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  };

  it("digestResponse: RFC 7616 §3.9.1 example with MD5 gives 8ca523f5…", () => {
    assert.equal(digestResponse({ ...rfc7616, algorithm: "MD5" }), "8ca523f5e9506fed4657c9700eebdbec");
  });

  it("digestResponse: RFC 7616 §3.9.1 example with SHA-256 gives 753927fa…", () => {
    assert.equal(digestResponse({ ...rfc7616, algorithm: "SHA-256" }), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  });

  it("digestResponse: without qop uses the RFC 2069 form KD(HA1, nonce:HA2)", () => {
    // HA1 = MD5("fred:asterisk:mypass") is the password_digest example of Asterisk's docs.
    const r = digestResponse({ username: "fred", realm: "asterisk", password: "mypass", method: "REGISTER", uri: "sip:127.0.0.1", nonce: "abc" });
    assert.match(r, /^[0-9a-f]{32}$/);
    assert.notEqual(r, digestResponse({ username: "fred", realm: "asterisk", password: "mypass", method: "REGISTER", uri: "sip:127.0.0.1", nonce: "abc", qop: "auth", cnonce: "x" }));
  });

  it("parseChallenge: quoted and token parameters, qop list, algorithm default MD5", () => {
    const c = parseChallenge('Digest realm="asterisk",nonce="1719:abc\\"d",opaque="5f2",qop="auth,auth-int", stale=TRUE');
    assert.ok(c);
    assert.equal(c.realm, "asterisk");
    assert.equal(c.nonce, '1719:abc"d');
    assert.equal(c.opaque, "5f2");
    assert.deepEqual(c.qop, ["auth", "auth-int"]);
    assert.equal(c.algorithm, "MD5");
    assert.equal(c.stale, true);
    assert.equal(parseChallenge('Basic realm="x"'), undefined);
  });

  it("buildAuthorization: answers with qop=auth, nc and cnonce, and the server can recompute it", () => {
    const c = parseChallenge('Digest realm="asterisk", nonce="n1", algorithm=SHA-256, qop="auth", opaque="o"');
    assert.ok(c);
    const h = buildAuthorization(c, { username: "1001", password: "pw", method: "REGISTER", uri: "sip:127.0.0.1:5060", cnonce: "cn" });
    assert.match(h, /^Digest username="1001", realm="asterisk", nonce="n1", uri="sip:127.0.0.1:5060", response="[0-9a-f]{64}", algorithm=SHA-256, opaque="o", qop=auth, nc=00000001, cnonce="cn"$/);
    const response = /response="([0-9a-f]+)"/.exec(h)?.[1];
    assert.equal(response, digestResponse({ algorithm: "SHA-256", username: "1001", realm: "asterisk", password: "pw", method: "REGISTER", uri: "sip:127.0.0.1:5060", nonce: "n1", qop: "auth", nc: "00000001", cnonce: "cn" }));
  });
});
