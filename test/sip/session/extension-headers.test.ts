import { test } from "node:test";
import assert from "node:assert/strict";
import { Headers } from "../../../src/sip/message/headers.js";
import { optionTagsOf, parseMinSe, parseRSeq, parseSessionExpires, sessionExpiryDelay, sessionRefreshDelay, supportsTag } from "../../../src/sip/session/extension-headers.js";

test("extension-headers: Session-Expires and Min-SE parse with parameters; garbage is undefined", () => {
  assert.deepEqual(parseSessionExpires("1800;refresher=UAS"), { interval: 1800, refresher: "uas" });
  assert.deepEqual(parseSessionExpires(" 90 "), { interval: 90, refresher: undefined });
  assert.equal(parseSessionExpires("soon"), undefined);
  assert.equal(parseMinSe("90;x=1"), 90);
  assert.equal(parseMinSe("-1"), undefined);
});

test("extension-headers: RFC 4028 §10 BYE delay is N - min(32, N/3); the refresher refreshes at N/2", () => {
  assert.equal(sessionExpiryDelay(90), 60);
  assert.equal(sessionExpiryDelay(1800), 1768);
  assert.equal(sessionRefreshDelay(1800), 900);
});

test("extension-headers: RSeq is 1 … 2**31-1 (RFC 3262 §7.1)", () => {
  assert.equal(parseRSeq(" 7 "), 7);
  assert.equal(parseRSeq("0"), undefined);
  assert.equal(parseRSeq(String(2 ** 31)), undefined);
  assert.equal(parseRSeq("x"), undefined);
});

test("extension-headers: option tags are read from Supported and Require, case-insensitively", () => {
  const msg = { headers: new Headers().append("Supported", "100rel, Timer").append("Require", "replaces") };
  assert.deepEqual([...optionTagsOf(msg).supported], ["100rel", "timer"]);
  assert.ok(supportsTag(msg, "timer") && supportsTag(msg, "replaces") && !supportsTag(msg, "path"));
});
