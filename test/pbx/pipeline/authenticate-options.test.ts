/**
 * The authenticate stage reads the options Asterisk documents for it: endpoint
 * `allow_unauthenticated_options` (OPTIONS is challenged like INVITE unless it is yes) and auth
 * `nonce_lifetime` (an older nonce with the right password is answered stale=true).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAuth } from "../../../src/sip/parser/index.js";
import { BASE_CONF, Phone, buildPbx } from "../harness.js";

test("authenticate: OPTIONS from an endpoint with auth= is challenged (allow_unauthenticated_options=no), and passes with credentials", () => {
  const pbx = buildPbx();
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  const first = phone.options();
  assert.equal(first.status, 401);
  assert.ok(first.headers.get("WWW-Authenticate"));
  const second = phone.options([`Authorization: ${phone.answer(first, "OPTIONS")}`]);
  assert.equal(second.status, 200);
  assert.deepEqual(pbx.securityEvents.map((e) => e.type), ["ChallengeSent", "SuccessfulAuth"]);
});

test("authenticate: allow_unauthenticated_options=yes answers the endpoint's OPTIONS without a challenge, other methods still challenged", () => {
  const pbx = buildPbx({ conf: BASE_CONF.replace("auth=6001\n", "auth=6001\nallow_unauthenticated_options=yes\n") });
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  const res = phone.options();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("WWW-Authenticate"), undefined);
  assert.deepEqual(pbx.securityEvents, []);
  assert.equal(phone.register().status, 401, "REGISTER is still challenged");
});

function staleAfter(conf: string, waitMs: number): boolean | undefined {
  const pbx = buildPbx({ conf });
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  const challenge = phone.register();
  pbx.clock.advance(waitMs);
  const res = phone.register({ authorization: phone.answer(challenge, "REGISTER") });
  if (res.status === 200) return false;
  return res.status === 401 && parseAuth(res.headers.get("WWW-Authenticate") ?? "")?.params.get("stale") === "true" ? true : undefined;
}

test("authenticate: auth nonce_lifetime decides when a correctly answered nonce is stale", () => {
  const short = BASE_CONF.replace("password=secret6001\n", "password=secret6001\nnonce_lifetime=10\n");
  assert.equal(staleAfter(short, 11_000), true, "nonce_lifetime=10: an 11 s old nonce gets 401 stale=true");
  assert.equal(staleAfter(short, 9_000), false, "nonce_lifetime=10: a 9 s old nonce is accepted");
  assert.equal(staleAfter(BASE_CONF, 11_000), false, "default nonce_lifetime=32: an 11 s old nonce is accepted");
});
