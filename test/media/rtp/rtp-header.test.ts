import { test } from "node:test";
import assert from "node:assert/strict";
import { isRtcpPayloadType, looksLikeRtp, parseRtpHeader, writeRtpHeader } from "../../../src/media/rtp/rtp-header.js";

test("rtp-header: a written fixed header parses back to the same fields", () => {
  const buf = Buffer.alloc(12 + 160);
  writeRtpHeader(buf, 8, 65535, 0xfffffff0, 0xdeadbeef, true);
  const h = parseRtpHeader(buf);
  assert.ok(h);
  assert.deepEqual([h.version, h.marker, h.payloadType, h.sequenceNumber, h.timestamp, h.ssrc, h.payloadOffset, h.payloadLength], [2, true, 8, 65535, 0xfffffff0, 0xdeadbeef, 12, 160]);
});

test("rtp-header: CSRC list, extension header and padding move the payload bounds", () => {
  // V=2 P=1 X=1 CC=2; extension of 1 word; 4 payload bytes; 3 padding bytes.
  const buf = Buffer.concat([
    Buffer.from([0xb2, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]),
    Buffer.alloc(8), // two CSRCs
    Buffer.from([0xbe, 0xde, 0, 1, 1, 2, 3, 4]), // extension header + 1 word
    Buffer.from([9, 9, 9, 9]),
    Buffer.from([0, 0, 3]),
  ]);
  const h = parseRtpHeader(buf);
  assert.ok(h);
  assert.deepEqual([h.csrcCount, h.extension, h.padding, h.payloadOffset, h.payloadLength], [2, true, true, 28, 4]);
});

const junk: Array<[string, Buffer]> = [
  ["empty datagram", Buffer.alloc(0)],
  ["shorter than the fixed header", Buffer.from([0x80, 0, 0, 1])],
  ["version 1", Buffer.from([0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])],
  ["STUN message (version 0)", Buffer.from([0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0])],
  ["CSRC count past the end", Buffer.from([0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])],
  ["extension header missing", Buffer.from([0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])],
  ["extension length past the end", Buffer.from([0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])],
  ["padding count zero", Buffer.from([0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
  ["padding longer than the payload", Buffer.from([0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 9])],
];
for (const [name, buf] of junk) {
  test(`rtp-header: ${name} gives undefined without throwing`, () => {
    assert.equal(parseRtpHeader(buf), undefined);
  });
}

test("rtp-header: looksLikeRtp and isRtcpPayloadType tell RTP, muxed RTCP and junk apart", () => {
  const rtp = Buffer.alloc(20);
  writeRtpHeader(rtp, 0, 1, 1, 1);
  const rtcp = Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0]);
  assert.equal(looksLikeRtp(rtp), true);
  assert.equal(isRtcpPayloadType(rtp), false);
  assert.equal(isRtcpPayloadType(rtcp), true);
  assert.equal(looksLikeRtp(Buffer.from("hello world!")), false);
});
