import { test } from "node:test";
import assert from "node:assert/strict";
import { NonceIssuer } from "../../../src/sip/auth/nonce.js";
import { NonceCountCache } from "../../../src/sip/auth/nonce-count-cache.js";

const T0 = 1_700_000_000_000;

test("nonce: issued nonce is valid for its realm until the lifetime ends, then stale", () => {
  const n = new NonceIssuer(undefined, 32);
  const nonce = n.issue("asterisk", T0);
  assert.deepEqual(n.check(nonce, "asterisk", T0 + 32_000), { state: "valid", issuedAt: T0 });
  assert.deepEqual(n.check(nonce, "asterisk", T0 + 32_001), { state: "stale", issuedAt: T0 });
});

test("nonce: the HMAC binds the realm, so a nonce from another realm is invalid", () => {
  const n = new NonceIssuer(undefined, 32);
  assert.deepEqual(n.check(n.issue("a", T0), "b", T0), { state: "invalid" });
});

test("nonce: two nonces in the same millisecond differ", () => {
  const n = new NonceIssuer(undefined, 32);
  assert.notEqual(n.issue("a", T0), n.issue("a", T0));
});

test("nonce: a forged timestamp breaks the MAC", () => {
  const n = new NonceIssuer(undefined, 32);
  const raw = Buffer.from(n.issue("a", T0), "base64url");
  raw.writeBigUInt64BE(BigInt(T0 + 1_000_000), 0);
  assert.deepEqual(n.check(raw.toString("base64url"), "a", T0 + 1_000_000), { state: "invalid" });
});

test("nonce: a nonce from the future (clock stepped back) is stale, not invalid", () => {
  const n = new NonceIssuer(undefined, 32);
  assert.equal(n.check(n.issue("a", T0), "a", T0 - 5_000).state, "stale");
});

test("nonce: non-positive lifetime is a programming error", () => {
  assert.throws(() => new NonceIssuer(undefined, 0), RangeError);
});

test("nonce-count cache: keeps at most maxEntries, evicting the least recently used", () => {
  const c = new NonceCountCache(3);
  c.accept("a", 1);
  c.accept("b", 1);
  c.accept("c", 1);
  c.accept("a", 2); // refreshes a
  c.accept("d", 1); // evicts b
  assert.equal(c.size, 3);
  assert.equal(c.last("b"), undefined);
  assert.equal(c.last("a"), 2);
  assert.equal(c.last("d"), 1);
});
