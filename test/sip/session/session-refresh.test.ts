/**
 * SessionRefresh (RFC 4028) over a fake host: the bounds put on intervals that come from the
 * network, and what a 422 to our own refresh leads to.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import type { SipResponse } from "../../../src/sip/message/message.js";
import { SessionRefresh } from "../../../src/sip/session/session-refresh.js";
import { inDialogFrom, responseTo } from "./harness.js";

/** A host that records our refreshes (their Session-Expires) and lets the test answer them. */
function refreshSetup(minSe = 90) {
  const clock = new FakeClock();
  const sent: Array<{ se: string | undefined; answer: (res: SipResponse | undefined) => void }> = [];
  const expired: number[] = [];
  const refresh = new SessionRefresh(
    { minSe },
    {
      clock,
      active: () => true,
      send: (headers, onFinal) => {
        sent.push({ se: headers.find(([n]) => n === "Session-Expires")?.[1], answer: onFinal });
        return true;
      },
      expired: (n) => expired.push(n),
      cannotRefresh: () => assert.fail("cannotRefresh"),
      later: (ms, fn) => void clock.setTimeout(fn, ms),
    },
  );
  return { clock, sent, expired, refresh };
}

const REQ = inDialogFrom({ method: "UPDATE", toTag: "sb-1", cseq: 11 });

test("session-refresh: a peer's refresh with a 10-digit Session-Expires runs (and is answered) at 86400 s", () => {
  const t = refreshSetup();
  const req = inDialogFrom({ method: "UPDATE", toTag: "sb-1", cseq: 11, extra: ["Supported: timer", "Session-Expires: 4294967295;refresher=uac"] });
  const headers = t.refresh.answerPeerRefresh(req);
  assert.deepEqual(headers[0], ["Session-Expires", "86400;refresher=uac"]);
  assert.equal(t.refresh.dump()?.interval, 86_400);
  t.clock.advance(60_000);
  assert.deepEqual(t.expired, [], "the timer did not fire at once");
});

test("session-refresh: the 2xx to our INVITE naming a 1 s interval runs the timer at 90 s (RFC 4028 floor)", () => {
  const t = refreshSetup();
  t.refresh.answerOurs(responseTo(REQ, 200, { extra: ["Session-Expires: 1;refresher=uas", "Require: timer"] }));
  assert.equal(t.refresh.dump()?.interval, 90);
  t.clock.advance(10_000);
  assert.deepEqual(t.expired, [], "no BYE after a second or two");
  t.clock.advance(50_000); // 90 - min(32, 30) = 60 s
  assert.deepEqual(t.expired, [90]);
});

test("session-refresh: a 422 to our refresh with a Min-SE above our interval retries at once with it", () => {
  const t = refreshSetup();
  t.refresh.start(120, "refresher");
  t.clock.advance(60_000);
  assert.deepEqual(t.sent.map((s) => s.se), ["120;refresher=uac"]);
  t.sent[0]?.answer(responseTo(REQ, 422, { extra: ["Min-SE: 300"] }));
  t.clock.advance(0);
  assert.deepEqual(t.sent.map((s) => s.se), ["120;refresher=uac", "300;refresher=uac"]);
});

test("session-refresh: a 422 whose Min-SE is not above our interval is retried at the next half interval, not at once", () => {
  const t = refreshSetup();
  t.refresh.start(120, "refresher");
  t.clock.advance(60_000);
  t.sent[0]?.answer(responseTo(REQ, 422, { extra: ["Min-SE: 90"] }));
  t.clock.advance(59_999);
  assert.deepEqual(t.sent.map((s) => s.se), ["120;refresher=uac"], "no refresh storm");
  t.clock.advance(1);
  assert.deepEqual(t.sent.map((s) => s.se), ["120;refresher=uac", "120;refresher=uac"]);
});
