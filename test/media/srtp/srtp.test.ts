/**
 * SRTP/SRTCP against RFC 3711's test vectors (Appendix B.2 keystream, B.3 key derivation), and
 * the behaviour around them: round trips for both suites, a changed byte or a wrong key fails
 * authentication, a replayed or too old packet is refused, the rollover counter follows a
 * sequence number wrap, SRTCP carries its E flag and index.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SrtpContext, deriveSessionKey, keystream } from "../../../src/media/srtp/srtp.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

test("srtp: RFC 3711 B.3 key derivation (cipher key, salt, auth key)", () => {
  const key = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const salt = hex("0EC675AD498AFEEBB6960B3AABE6");
  assert.equal(deriveSessionKey(key, salt, 0, 16).toString("hex").toUpperCase(), "C61E7A93744F39EE10734AFE3FF7A087");
  assert.equal(deriveSessionKey(key, salt, 2, 14).toString("hex").toUpperCase(), "30CBBC08863D8C85D49DB34A9AE1");
  assert.equal(deriveSessionKey(key, salt, 1, 20).toString("hex").toUpperCase(), "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4");
});

test("srtp: RFC 3711 B.2 AES-CM keystream", () => {
  const ks = keystream(hex("2B7E151628AED2A6ABF7158809CF4F3C"), hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), 0, 0, 48);
  assert.equal(ks.toString("hex").toUpperCase(), "E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0");
});

function rtp(seq: number, payload = Buffer.alloc(160, 0x55), ssrc = 0x11223344): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = 0;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(seq * 160, 4);
  h.writeUInt32BE(ssrc, 8);
  return Buffer.concat([h, payload]);
}

const MASTER = Buffer.from("0123456789abcdef0123456789abcdefABCDEFGHIJKLMN".slice(0, 30));

for (const [suite, tag] of [["AES_CM_128_HMAC_SHA1_80", 10], ["AES_CM_128_HMAC_SHA1_32", 4]] as const) {
  test(`srtp: ${suite} round trip; the payload is not in the clear; a changed byte or another key fails`, () => {
    const tx = SrtpContext.fromInlineKey(suite, MASTER.toString("base64"));
    const rx = SrtpContext.fromInlineKey(suite, MASTER.toString("base64"));
    const plain = rtp(1000);
    const sealed = tx.protect(plain);
    assert.equal(sealed.length, plain.length + tag);
    assert.deepEqual(sealed.subarray(0, 12), plain.subarray(0, 12), "the header stays clear");
    assert.ok(!sealed.subarray(12, 172).equals(plain.subarray(12)), "the payload is encrypted");
    assert.deepEqual(rx.unprotect(sealed), plain);
    const bent = Buffer.from(tx.protect(rtp(1001)));
    bent[20] = (bent[20] ?? 0) ^ 1;
    assert.equal(rx.unprotect(bent), "auth");
    const other = SrtpContext.fromInlineKey(suite, Buffer.alloc(30, 7).toString("base64"));
    assert.equal(other.unprotect(tx.protect(rtp(1002))), "auth");
  });
}

test("srtp: a peer's MKI (RFC 3711 §3.1) sits between payload and tag, outside the authentication; a wrong one is refused", () => {
  const mki = { value: 0x0102, length: 4 };
  const tx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", MASTER.toString("base64"), mki);
  const rx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", MASTER.toString("base64"), mki);
  const plain = rtp(5);
  const sealed = tx.protect(plain);
  assert.equal(sealed.length, plain.length + 4 + 10);
  assert.deepEqual([...sealed.subarray(plain.length, plain.length + 4)], [0, 0, 1, 2]);
  assert.deepEqual(rx.unprotect(sealed), plain);
  // Without the MKI the same packet fails (the tag is read from the wrong place).
  assert.equal(SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", MASTER.toString("base64")).unprotect(tx.protect(rtp(6))), "auth");
  const wrong = Buffer.from(tx.protect(rtp(7)));
  wrong[plain.length + 3] = 9;
  assert.equal(rx.unprotect(wrong), "auth");
  const report = Buffer.concat([Buffer.from([0x80, 200, 0, 6]), Buffer.alloc(24, 3)]);
  report.writeUInt32BE(0x11223344, 4);
  assert.deepEqual(rx.unprotectRtcp(tx.protectRtcp(report)), report);
});

test("srtp: a packet relayed late across the sequence wrap keeps its rollover counter; the stream goes on (reordering at the sender)", () => {
  const tx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", MASTER.toString("base64"));
  const rx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", MASTER.toString("base64"));
  for (const seq of [65533, 65534, 0, 65535, 1, 2, 3]) assert.deepEqual(rx.unprotect(tx.protect(rtp(seq))), rtp(seq), `seq ${seq}`);
});

test("srtp: a context's counters carried to a new one (a leg moved to another worker) go on past a wrap; a fresh one would not", () => {
  const key = MASTER.toString("base64");
  const tx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", key);
  const rx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", key);
  for (const seq of [65534, 65535, 0, 1]) assert.ok(Buffer.isBuffer(rx.unprotect(tx.protect(rtp(seq)))));
  const movedTx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", key);
  movedTx.restoreState(structuredClone(tx.state()));
  const movedRx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", key);
  movedRx.restoreState(structuredClone(rx.state()));
  assert.deepEqual(movedRx.unprotect(movedTx.protect(rtp(2))), rtp(2));
  assert.equal(movedRx.unprotect(tx.protect(rtp(1))), "replay", "the replay window came along");
  assert.equal(SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", key).unprotect(movedTx.protect(rtp(3))), "auth", "a fresh receiver guesses rollover counter 0");
});

test("srtp: rtp.conf srtpreplayprotection=no accepts a replayed packet (authentication still applies)", () => {
  const key = MASTER.toString("base64");
  const tx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", key);
  const rx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", key, undefined, false);
  const sealed = tx.protect(rtp(10));
  assert.deepEqual(rx.unprotect(sealed), rtp(10));
  assert.deepEqual(rx.unprotect(sealed), rtp(10), "the replay passes");
  const bent = Buffer.from(sealed);
  bent[30] = (bent[30] ?? 0) ^ 1;
  assert.equal(rx.unprotect(bent), "auth");
});

test("srtp: a replayed packet and one older than the 64-packet window are refused; late ones inside it pass", () => {
  const tx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", MASTER.toString("base64"));
  const rx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", MASTER.toString("base64"));
  const sealed = Array.from({ length: 100 }, (_, i) => tx.protect(rtp(i)));
  assert.ok(Buffer.isBuffer(rx.unprotect(sealed[5] as Buffer)));
  assert.equal(rx.unprotect(sealed[5] as Buffer), "replay");
  assert.ok(Buffer.isBuffer(rx.unprotect(sealed[90] as Buffer)));
  assert.ok(Buffer.isBuffer(rx.unprotect(sealed[40] as Buffer)), "50 behind: inside the window");
  assert.equal(rx.unprotect(sealed[20] as Buffer), "replay", "70 behind: outside the window");
});

test("srtp: the rollover counter follows a sequence number wrap on both sides", () => {
  const tx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", MASTER.toString("base64"));
  const rx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", MASTER.toString("base64"));
  for (const seq of [65533, 65534, 65535, 0, 1, 2]) {
    const plain = rtp(seq);
    assert.deepEqual(rx.unprotect(tx.protect(plain)), plain, `seq ${seq}`);
  }
});

test("srtcp: round trip with the E flag and index, 80-bit tag; replay and tampering refused", () => {
  const tx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_32", MASTER.toString("base64"));
  const rx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_32", MASTER.toString("base64"));
  const sr = Buffer.alloc(28);
  sr[0] = 0x80;
  sr[1] = 200;
  sr.writeUInt16BE(6, 2);
  sr.writeUInt32BE(0x11223344, 4);
  sr.fill(0x42, 8);
  const sealed = tx.protectRtcp(sr);
  assert.equal(sealed.length, sr.length + 4 + 10, "index word and an 80-bit tag, whatever the SRTP suite");
  assert.equal(sealed.readUInt32BE(sr.length) >>> 31, 1, "E flag set");
  assert.deepEqual(rx.unprotectRtcp(sealed), sr);
  assert.equal(rx.unprotectRtcp(sealed), "replay");
  const bent = Buffer.from(tx.protectRtcp(sr));
  bent[10] = (bent[10] ?? 0) ^ 0xff;
  assert.equal(rx.unprotectRtcp(bent), "auth");
});
