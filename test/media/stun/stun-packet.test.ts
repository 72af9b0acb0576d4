/**
 * The general STUN codec against RFC 5769's sample request (MESSAGE-INTEGRITY with the
 * short-term password "VOkJxbRl1RmTxUk/WvJxBt", FINGERPRINT), and round trips of what we build.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { attr, buildStun, checkIntegrity, longTermKey, newTransactionId, parseStun, readXorAddress, shortTermKey, StunAttr, StunMethod, xorAddress } from "../../../src/media/stun/stun-packet.js";

const SAMPLE_REQUEST = Buffer.from(
  ("000100582112a442b7e7a701bc34d686fa87dfae" +
    "802200105354554e207465737420636c69656e74" +
    "002400046e0001ff" +
    "80290008932ff9b151263b36" +
    "000600096576746a3a68367659202020" +
    "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2" +
    "80280004e57a3bcf"),
  "hex",
);

test("stun packet: RFC 5769 §2.1 sample request parses, its MESSAGE-INTEGRITY checks with the password and fails with another", () => {
  const p = parseStun(SAMPLE_REQUEST);
  assert.ok(p);
  assert.equal(p.method, StunMethod.Binding);
  assert.equal(p.cls, "request");
  assert.equal(attr(p, StunAttr.Username)?.toString(), "evtj:h6vY");
  assert.equal(checkIntegrity(p, shortTermKey("VOkJxbRl1RmTxUk/WvJxBt")), true);
  assert.equal(checkIntegrity(p, shortTermKey("x")), false);
});

test("stun packet: a corrupted FINGERPRINT or truncated message is not STUN", () => {
  const bad = Buffer.from(SAMPLE_REQUEST);
  bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 1, bad.length - 1);
  assert.equal(parseStun(bad), undefined);
  assert.equal(parseStun(SAMPLE_REQUEST.subarray(0, 40)), undefined);
  assert.equal(parseStun(Buffer.from([0x80, 0, 0, 0])), undefined);
});

test("stun packet: what we build with a key verifies, and XOR addresses round-trip (v4 and v6)", () => {
  const id = newTransactionId();
  const key = longTermKey("alice", "pbx.test", "pw");
  const v4 = { address: "192.0.2.1", port: 32853 };
  const v6 = { address: "2001:db8:1234:5678:11:2233:4455:6677", port: 32853 };
  const buf = buildStun({ method: StunMethod.Allocate, cls: "success", transactionId: id, attributes: [{ type: StunAttr.XorRelayedAddress, value: xorAddress(v4, id) }, { type: StunAttr.XorMappedAddress, value: xorAddress(v6, id) }] }, key);
  const p = parseStun(buf);
  assert.ok(p);
  assert.equal(p.method, StunMethod.Allocate);
  assert.equal(p.cls, "success");
  assert.equal(checkIntegrity(p, key), true);
  assert.deepEqual(readXorAddress(attr(p, StunAttr.XorRelayedAddress), id), v4);
  assert.deepEqual(readXorAddress(attr(p, StunAttr.XorMappedAddress), id), v6);
});
