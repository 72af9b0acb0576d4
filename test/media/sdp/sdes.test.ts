/**
 * SDES a=crypto lines (RFC 4568): what is read, what is skipped and why, which line an answer
 * takes, and that our keys are fresh and usable by the SRTP context.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseCrypto, formatCrypto, freshCrypto, parseCrypto } from "../../../src/media/sdp/sdes.js";
import { SrtpContext } from "../../../src/media/srtp/srtp.js";

const KEY = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"; // RFC 4568's example: 30 bytes

test("sdes: RFC 4568's example line, with and without lifetime and MKI", () => {
  assert.deepEqual(parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`), { tag: 1, suite: "AES_CM_128_HMAC_SHA1_80", inlineKey: KEY });
  assert.deepEqual(parseCrypto(`2 AES_CM_128_HMAC_SHA1_32 inline:${KEY}|2^20`), { tag: 2, suite: "AES_CM_128_HMAC_SHA1_32", inlineKey: KEY });
  assert.deepEqual(parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`), { tag: 1, suite: "AES_CM_128_HMAC_SHA1_80", inlineKey: KEY, mki: { value: 1, length: 4 } });
  assert.deepEqual(parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|7:1`), { tag: 1, suite: "AES_CM_128_HMAC_SHA1_80", inlineKey: KEY, mki: { value: 7, length: 1 } });
  assert.match((parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|256:1`) as { skip: string }).skip, /MKI 256:1 is not a value that fits its length/);
  assert.match((parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|1:200`) as { skip: string }).skip, /MKI 1:200/);
  assert.match((parseCrypto(`1 AES_256_CM_HMAC_SHA1_80 inline:${KEY}`) as { skip: string }).skip, /suite AES_256_CM_HMAC_SHA1_80 is not supported/);
  assert.match((parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:AAAA`) as { skip: string }).skip, /the inline key is 3 bytes/);
  assert.match((parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY} UNENCRYPTED_SRTP`) as { skip: string }).skip, /session parameters 'UNENCRYPTED_SRTP'/);
  assert.match((parseCrypto("garbage") as { skip: string }).skip, /not tag, suite and key-params/);
});

test("sdes: the answer takes the offer's first supported line; srtp_tag_32 prefers an _32 one", () => {
  const offer = [`1 AES_256_CM_HMAC_SHA1_80 inline:${KEY}`, `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`, `3 AES_CM_128_HMAC_SHA1_32 inline:${KEY}`];
  const r = chooseCrypto(offer);
  assert.equal(r.chosen?.tag, 2);
  assert.equal(r.skipped.length, 1);
  assert.equal(chooseCrypto(offer, true).chosen?.tag, 3);
  assert.equal(chooseCrypto([`1 F8_128_HMAC_SHA1_80 inline:${KEY}`]).chosen, undefined, "nothing usable: the caller answers 488");
});

test("sdes: our keys are fresh each time, 30 bytes, and key a working SRTP context", () => {
  const a = freshCrypto(1, "AES_CM_128_HMAC_SHA1_80");
  const b = freshCrypto(1, "AES_CM_128_HMAC_SHA1_80");
  assert.notEqual(a.inlineKey, b.inlineKey);
  assert.equal(Buffer.from(a.inlineKey, "base64").length, 30);
  const line = formatCrypto(a);
  assert.match(line, /^1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}$/);
  const parsed = parseCrypto(line);
  assert.ok(!("skip" in parsed));
  const pkt = Buffer.concat([Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4]), Buffer.alloc(160, 9)]);
  const rx = SrtpContext.fromInlineKey(parsed.suite, parsed.inlineKey);
  assert.deepEqual(rx.unprotect(SrtpContext.fromInlineKey(a.suite, a.inlineKey).protect(pkt)), pkt);
});
