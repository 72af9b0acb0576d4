/** Say-date formats ([zonemessages], SayUnixTime): the prompts for a moment in a time zone. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dateFiles, ordinalFiles } from "../../../src/pbx/ivr/say-date.js";
import { SHIPPED_SOUNDS, SoundLibrary } from "../../../src/pbx/sounds/sound-library.js";
import { CaptureLogger } from "../../../src/core/logger.js";

// Monday 7 December 2026, 14:05:09 UTC.
const T = Date.UTC(2026, 11, 7, 14, 5, 9);

test("say-date: weekday, month, ordinal day, year, 12-hour time in the zone asked for", () => {
  assert.deepEqual(dateFiles("ABdY 'digits/at' IMp", T, "UTC", T + 86_400_000 * 30), ["digits/day-1", "digits/mon-11", "digits/h-7", "digits/2", "digits/thousand", "digits/20", "digits/6", "digits/at", "digits/2", "digits/oh", "digits/5", "digits/p-m"]);
  assert.deepEqual(dateFiles("IMp", T, "America/New_York"), ["digits/9", "digits/oh", "digits/5", "digits/a-m"], "14:05 UTC is 9:05 AM in New York");
  assert.deepEqual(dateFiles("HM", Date.UTC(2026, 0, 1, 7, 0), "UTC"), ["digits/oh", "digits/7", "digits/oclock"]);
  assert.deepEqual(dateFiles("'vm-received' Q", T, "UTC", T + 3_600_000), ["vm-received", "digits/today"]);
  assert.deepEqual(dateFiles("q", T, "UTC", T + 86_400_000), ["digits/yesterday"]);
  assert.deepEqual(dateFiles("q", T, "UTC", T + 3 * 86_400_000), ["digits/day-1"]);
  assert.deepEqual(dateFiles("q", T, "UTC", T), []);
  assert.deepEqual(ordinalFiles(23), ["digits/20", "digits/h-3"]);
  assert.deepEqual(ordinalFiles(30), ["digits/h-30"]);
});

test("say-date: every prompt a date can need is in the shipped set", () => {
  const lib = new SoundLibrary({ roots: () => [SHIPPED_SOUNDS], plainDirs: () => [], log: new CaptureLogger() });
  const needed = new Set<string>(["digits/at", "digits/a-m", "digits/p-m", "digits/today", "digits/yesterday", "digits/oh", "digits/oclock", "digits/h-30"]);
  for (let i = 0; i < 7; i++) needed.add(`digits/day-${i}`);
  for (let i = 0; i < 12; i++) needed.add(`digits/mon-${i}`);
  for (let i = 1; i <= 20; i++) needed.add(`digits/h-${i}`);
  assert.deepEqual([...needed].filter((n) => !lib.exists(n, "en")), []);
});
