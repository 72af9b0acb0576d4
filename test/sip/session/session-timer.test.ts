import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { SessionTimer } from "../../../src/sip/session/session-timer.js";

test("session-timer: without a refresh it expires at N - min(32, N/3) (RFC 4028 §10)", () => {
  const clock = new FakeClock();
  const expired: number[] = [];
  const t = new SessionTimer({ clock, interval: 90, onExpired: (n) => expired.push(n) });
  t.refresh();
  clock.advance(59_999);
  assert.deepEqual(expired, []);
  clock.advance(1);
  assert.deepEqual(expired, [90]);
});

test("session-timer: a refresh restarts the countdown, with a new interval when given", () => {
  const clock = new FakeClock();
  const expired: number[] = [];
  const t = new SessionTimer({ clock, interval: 90, onExpired: (n) => expired.push(n) });
  t.refresh();
  clock.advance(50_000);
  t.refresh(120);
  clock.advance(60_000);
  assert.deepEqual(expired, [], "the old deadline passed without expiry");
  clock.advance(28_000); // 120 - min(32, 40) = 88 s after the refresh
  assert.deepEqual(expired, [120]);
});

test("session-timer: close() cancels the timer and is safe twice", () => {
  const clock = new FakeClock();
  const t = new SessionTimer({ clock, interval: 90, onExpired: () => assert.fail("expired after close") });
  t.refresh();
  t.close();
  t.close();
  t.refresh();
  clock.advance(100_000);
  assert.equal(clock.pending, 0);
});

test("session-timer: a delay beyond what a Node timer holds (2^31-1 ms) is capped, not left to fire after 1 ms", () => {
  const clock = new FakeClock();
  const t = new SessionTimer({ clock, interval: 5_000_000, onExpired: () => assert.fail("expired early") });
  t.refresh();
  const left = t.dump().expiresInMs ?? 0;
  assert.ok(left > 0 && left <= 2 ** 31 - 1, `fires in ${left} ms`);
  clock.advance(60_000);
});
