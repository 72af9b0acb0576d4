/** The NOTIFYs of a REFER's implicit subscription (RFC 3515 §2.4.4-§2.4.6). */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { InviteSession } from "../../../src/sip/session/index.js";
import { ReferNotifier } from "../../../src/pbx/transfer/refer-notifier.js";

function fakeSession() {
  const sent: Array<{ method: string; headers: Record<string, string>; body: string; type: string }> = [];
  const session = {
    request(method: string, spec: { headers?: ReadonlyArray<readonly [string, string]>; body?: { body: string; contentType: string } }) {
      sent.push({ method, headers: Object.fromEntries(spec.headers ?? []), body: spec.body?.body ?? "", type: spec.body?.contentType ?? "" });
      return true;
    },
  } as unknown as InviteSession;
  return { session, sent };
}

test("refer-notifier: 100 Trying active, then the final status terminates; nothing after the final", () => {
  const { session, sent } = fakeSession();
  const n = new ReferNotifier(session, 7, true);
  let finals = 0;
  n.onFinal(() => finals++);
  n.progress(100, "Trying");
  n.progress(180, "Ringing");
  n.final(200, "OK");
  n.final(503, "Service Unavailable");
  n.progress(180, "Ringing");
  assert.equal(finals, 1);
  assert.equal(n.terminated, true);
  assert.deepEqual(
    sent.map((s) => [s.method, s.headers["Event"], s.headers["Subscription-State"], s.body, s.type]),
    [
      ["NOTIFY", "refer", "active;expires=60", "SIP/2.0 100 Trying\r\n", "message/sipfrag;version=2.0"],
      ["NOTIFY", "refer", "active;expires=60", "SIP/2.0 180 Ringing\r\n", "message/sipfrag;version=2.0"],
      ["NOTIFY", "refer", "terminated;reason=noresource", "SIP/2.0 200 OK\r\n", "message/sipfrag;version=2.0"],
    ],
  );
  let late = 0;
  n.onFinal(() => late++);
  assert.equal(late, 1, "onFinal after the final runs at once");
});

test("refer-notifier: a later REFER in the dialog names itself with id= its CSeq", () => {
  const { session, sent } = fakeSession();
  new ReferNotifier(session, 12, false).final(486, "Busy Here");
  assert.equal(sent[0]?.headers["Event"], "refer;id=12");
  assert.equal(sent[0]?.body, "SIP/2.0 486 Busy Here\r\n");
});
