/** Refer-To (RFC 3515 §2.1) with an embedded Replaces (RFC 3891 §6.1), as phones send them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseReferTo, parseReplaces } from "../../../src/pbx/transfer/refer-to.js";

test("refer-to: a blind transfer's target user, bracketed or not", () => {
  const r = parseReferTo("<sip:2003@pbx.example.com>");
  assert.ok(r.ok);
  assert.deepEqual(r.target, { user: "2003", host: "pbx.example.com", replaces: undefined });
  const bare = parseReferTo("sip:2004@10.0.0.1:5060");
  assert.ok(bare.ok);
  assert.equal(bare.target.user, "2004");
  const named = parseReferTo('"Reception" <sip:%32001@pbx>;x=1');
  assert.ok(named.ok);
  assert.equal(named.target.user, "2001", "the user part is unescaped");
});

test("refer-to: an attended transfer's Replaces is %-decoded into Call-ID and tags", () => {
  const r = parseReferTo("<sip:2003@pbx?Replaces=abc%40host%3Bto-tag%3D111%3Bfrom-tag%3D222>");
  assert.ok(r.ok);
  assert.deepEqual(r.target.replaces, { callId: "abc@host", toTag: "111", fromTag: "222", earlyOnly: false });
  const lower = parseReferTo("<sip:2003@pbx?replaces=x%3Bfrom-tag%3Da%3Bto-tag%3Db%3Bearly-only>");
  assert.ok(lower.ok);
  assert.deepEqual(lower.target.replaces, { callId: "x", toTag: "b", fromTag: "a", earlyOnly: true });
});

test("refer-to: what cannot be used is refused with the reason", () => {
  for (const v of [undefined, "", "<sip:2003@pbx", "<http://example.com/>", "<sip:2003@pbx?Replaces=onlycallid>", "<sip:2003@pbx?Replaces=%E0%A4%A>"]) {
    const r = parseReferTo(v);
    assert.equal(r.ok, false, `refused: ${String(v)}`);
    if (!r.ok) assert.ok(r.problem.length > 0);
  }
});

test("replaces: both tags are required", () => {
  assert.equal(parseReplaces("id;to-tag=1"), undefined);
  assert.equal(parseReplaces(";to-tag=1;from-tag=2"), undefined);
  assert.deepEqual(parseReplaces("id ; to-tag=1 ; from-tag=2"), { callId: "id", toTag: "1", fromTag: "2", earlyOnly: false });
});
