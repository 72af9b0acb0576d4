/** The WARNING for SDES keys sent without TLS (src/pbx/channel/clear-keys.ts): once per endpoint, never over TLS or for plain RTP. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureLogger } from "../../../src/core/logger.js";
import { ClearKeyNotices } from "../../../src/pbx/channel/clear-keys.js";
import { FakeTransport } from "../../helpers/fake-transport.js";

test("clear keys: SRTP over UDP is said once per endpoint with the fix; TLS, WSS and plain RTP are not", () => {
  const log = new CaptureLogger();
  const n = new ClearKeyNotices();
  const udp = new FakeTransport({ protocol: "udp" }).flow();
  const tls = new FakeTransport({ protocol: "tls", reliable: true }).flow();
  n.check(log, "1001", tls, "AES_CM_128_HMAC_SHA1_80");
  n.check(log, "1002", udp, undefined);
  assert.equal(log.records.length, 0);
  n.check(log, "1001", udp, "AES_CM_128_HMAC_SHA1_80");
  n.check(log, "1001", udp, "AES_CM_128_HMAC_SHA1_32");
  assert.equal(log.records.length, 1);
  assert.equal(log.records[0]?.level, "warn");
  assert.match(log.records[0]?.msg ?? "", /^SRTP keys of endpoint '1001' went in clear text over UDP \(with .+\): anyone who captures its SIP can decrypt the audio; have the phone use a TLS transport/);
  n.check(log, "1003", udp, "AES_CM_128_HMAC_SHA1_80");
  assert.equal(log.records.length, 2, "another endpoint is said too");
});
