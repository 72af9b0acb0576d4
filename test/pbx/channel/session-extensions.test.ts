import { test } from "node:test";
import assert from "node:assert/strict";
import { Headers } from "../../../src/sip/message/headers.js";
import { SipRequest } from "../../../src/sip/message/message.js";
import { negotiateExtensions, timerPolicyFor } from "../../../src/pbx/channel/session-extensions.js";

type Rel100 = "no" | "required" | "peer_supported" | "yes";
type Timers = "no" | "yes" | "required" | "always" | "forced";

function ep(o: { rel100?: Rel100; timers?: Timers; timersMinSe?: number; timersSessExpires?: number } = {}) {
  return { id: "1001", rel100: o.rel100 ?? "yes", timers: o.timers ?? "yes", timersMinSe: o.timersMinSe ?? 90, timersSessExpires: o.timersSessExpires ?? 1800 };
}

function invite(headers: Array<[string, string]>): SipRequest {
  const h = new Headers();
  for (const [n, v] of headers) h.append(n, v);
  return new SipRequest("INVITE", "sip:1002@example.org", h);
}

test("session-extensions: 100rel=no and Require: 100rel is refused 420 with Unsupported: 100rel", () => {
  const r = negotiateExtensions(invite([["Require", "100rel"]]), ep({ rel100: "no" }));
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.rejection.status, 420);
  assert.deepEqual(r.rejection.headers, [["Unsupported", "100rel"]]);
});

test("session-extensions: timers=no and Require: timer is refused 420 with Unsupported: timer", () => {
  const r = negotiateExtensions(invite([["Require", "timer"], ["Session-Expires", "1800"]]), ep({ timers: "no" }));
  assert.ok(!r.ok && r.rejection.status === 420 && r.rejection.headers[0]?.[1] === "timer");
});

test("session-extensions: 100rel=required and a caller without 100rel gets 421 with Require: 100rel", () => {
  const r = negotiateExtensions(invite([["Supported", "replaces, timer"]]), ep({ rel100: "required" }));
  assert.ok(!r.ok);
  if (r.ok) return;
  assert.equal(r.rejection.status, 421);
  assert.deepEqual(r.rejection.headers, [["Require", "100rel"]]);
});

test("session-extensions: timers=required and a caller without timer gets 421 with Require: timer", () => {
  const r = negotiateExtensions(invite([["Supported", "100rel"]]), ep({ timers: "required" }));
  assert.ok(!r.ok && r.rejection.status === 421 && r.rejection.headers[0]?.[1] === "timer");
});

// Which provisionals go out reliably, per the endpoint option and what the caller lists.
const RELIABLE_TABLE: Array<[Rel100, Array<[string, string]>, boolean]> = [
  ["yes", [["Require", "100rel"]], true], // yes: only when the caller requires it
  ["yes", [["Supported", "100rel"]], false], // Asterisk's "yes" = supported, not used unasked
  ["peer_supported", [["Supported", "100rel, timer"]], true], // the caller supports it
  ["peer_supported", [["Supported", "timer"]], false], // the caller does not
  ["required", [["Supported", "100rel"]], true], // always, once the caller supports it
  ["no", [["Supported", "100rel"]], false], // never
];
for (const [rel100, headers, reliable] of RELIABLE_TABLE) {
  test(`session-extensions: 100rel=${rel100} with ${headers.map(([n, v]) => `${n}: ${v}`).join("; ")} → reliable=${reliable}`, () => {
    const r = negotiateExtensions(invite(headers), ep({ rel100 }));
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.terms.reliable, reliable);
  });
}

test("session-extensions: Session-Expires below timers_min_se is refused 422 with Min-SE", () => {
  const r = negotiateExtensions(invite([["Supported", "timer"], ["Session-Expires", "60"]]), ep({ timersMinSe: 90 }));
  assert.ok(!r.ok);
  if (r.ok) return;
  assert.equal(r.rejection.status, 422);
  assert.deepEqual(r.rejection.headers, [["Min-SE", "90"]]);
});

test("session-extensions: an accepted Session-Expires becomes the session interval", () => {
  const r = negotiateExtensions(invite([["Supported", "timer"], ["Session-Expires", "90;refresher=uac"]]), ep());
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual(r.terms.timer, { interval: 90, peerSupports: true, refresher: "uac" });
});

test("session-extensions: a proxy-inserted Session-Expires without timer support runs no timer (no 422 either)", () => {
  const r = negotiateExtensions(invite([["Supported", "replaces"], ["Session-Expires", "60"]]), ep());
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.terms.timer, undefined);
});

test("session-extensions: RFC 4028 §9 a caller asking us to refresh (refresher=uas) gets us as the refresher", () => {
  const r = negotiateExtensions(invite([["Supported", "timer"], ["Session-Expires", "1800;refresher=uas"]]), ep());
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual(r.terms.timer, { interval: 1800, peerSupports: true, refresher: "uas" });
});

test("session-extensions: without a refresher parameter the caller refreshes", () => {
  const r = negotiateExtensions(invite([["Supported", "timer"], ["Session-Expires", "1800"]]), ep());
  assert.ok(r.ok && r.terms.timer?.refresher === "uac");
});

test("session-extensions: timers=always with timer support but no Session-Expires uses timers_sess_expires, not below the request's Min-SE", () => {
  const a = negotiateExtensions(invite([["Supported", "timer"]]), ep({ timers: "always", timersSessExpires: 600 }));
  assert.ok(a.ok && a.terms.timer?.interval === 600);
  const b = negotiateExtensions(invite([["Supported", "timer"], ["Min-SE", "900"]]), ep({ timers: "always", timersSessExpires: 600 }));
  assert.ok(b.ok && b.terms.timer?.interval === 900);
  const c = negotiateExtensions(invite([["Supported", "timer"]]), ep({ timers: "yes" }));
  assert.ok(c.ok && c.terms.timer === undefined);
});

test("session-extensions: timers=no ignores Session-Expires entirely", () => {
  const r = negotiateExtensions(invite([["Supported", "timer"], ["Session-Expires", "30"]]), ep({ timers: "no" }));
  assert.ok(r.ok && r.terms.timer === undefined);
});

test("session-extensions: timers=no switches the session timer policy off", () => {
  assert.deepEqual(timerPolicyFor({ timers: "yes", timersMinSe: 120 }), { minSe: 120 });
  assert.equal(timerPolicyFor({ timers: "no", timersMinSe: 120 }), undefined);
});

test("session-extensions: a Session-Expires from the caller is kept within [max(90, timers_min_se), 86400] s", () => {
  const huge = negotiateExtensions(invite([["Supported", "timer"], ["Session-Expires", "4294967295;refresher=uac"]]), ep());
  assert.ok(huge.ok);
  assert.equal(huge.terms.timer?.interval, 86_400, "a 10-digit interval would overflow the timer");
  // timers_min_se below RFC 4028's floor lets a 45 s request past the 422; it still runs at 90 s.
  const tiny = negotiateExtensions(invite([["Supported", "timer"], ["Session-Expires", "45"]]), ep({ timersMinSe: 30 }));
  assert.ok(tiny.ok);
  assert.equal(tiny.terms.timer?.interval, 90);
  const asked = negotiateExtensions(invite([["Supported", "timer"], ["Min-SE", "999999999"]]), ep({ timers: "always" }));
  assert.ok(asked.ok);
  assert.equal(asked.terms.timer?.interval, 86_400, "a huge Min-SE does not push our own interval past a day");
});
