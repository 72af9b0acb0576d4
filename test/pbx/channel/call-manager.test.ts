/**
 * What the call manager refuses before a call exists, and what it gives back when it does: an
 * INVITE whose body is not SDP (415, RFC 3261 §21.4.13), an offer with no joint codec (488), and
 * an INVITE the session layer cannot build a dialog from (400) after its RTP port was allocated.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SipResponseError } from "../../../src/core/errors.js";
import { SDP } from "../../sip/session/harness.js";
import { callSetup } from "./call-harness.js";

async function refusal(p: Promise<void>): Promise<SipResponseError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SipResponseError, `a SipResponseError (got ${String(err)})`);
    return err;
  }
  assert.fail("the INVITE was not refused");
}

test("call manager: an INVITE whose body is not SDP is refused 415 with Accept: application/sdp, before any port is allocated", async () => {
  const t = callSetup(undefined, { invite: { body: "hello" } });
  t.invite.headers.set("Content-Type", "text/plain");
  const err = await refusal(t.manager.onInvite(t.rc));
  assert.equal(err.status, 415);
  assert.deepEqual(err.headers, [["Accept", "application/sdp"]]);
  assert.deepEqual(t.media.calls, [], "nothing allocated");
});

test("call manager: an offer with no joint codec is refused 488 with a 305 Warning, before any port is allocated", async () => {
  const g729 = SDP.replace("RTP/AVP 0", "RTP/AVP 18").replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:18 G729/8000");
  const t = callSetup(undefined, { invite: { body: g729 } });
  const err = await refusal(t.manager.onInvite(t.rc));
  assert.equal(err.status, 488);
  assert.match(err.headers[0]?.[1] ?? "", /^305 switchboard "Incompatible media format"$/);
  assert.match(err.detail ?? "", /our configuration\(ulaw\) and incoming SDP\(g729\) from endpoint '1001'/);
  assert.deepEqual(t.media.calls, []);
  assert.equal(t.names().includes("Newchannel"), false);
});

test("call manager: an INVITE the session refuses (no Contact: 400) gives its RTP port back and creates no channel", async () => {
  const t = callSetup(undefined, { invite: { contact: null } });
  const err = await refusal(t.manager.onInvite(t.rc));
  assert.equal(err.status, 400);
  assert.deepEqual(t.media.calls, ["release m1"], "the allocated port went back");
  assert.equal(t.manager.calls.size, 0);
  assert.equal(t.names().includes("Newchannel"), false);
});
