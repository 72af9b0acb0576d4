/** The /ari/sounds listing: ids below language directories, formats Switchboard plays, filters. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SoundIndex } from "../../../src/api/ari/sound-index.js";

test("ari sounds: <root>/<lang>/digits/1.ulaw is digits/1 in that language; unplayable formats are left out; the first root's files come first", () => {
  const dir = mkdtempSync(join(tmpdir(), "ari-sounds-"));
  try {
    const a = join(dir, "a");
    const b = join(dir, "b");
    for (const p of [join(a, "en", "digits"), join(a, "fr"), join(b, "en")]) mkdirSync(p, { recursive: true });
    for (const f of [join(a, "en", "hello.wav"), join(a, "en", "digits", "1.ulaw"), join(a, "en", "old.gsm"), join(a, "fr", "hello.wav"), join(b, "en", "hello.sln16")]) writeFileSync(f, "");
    const index = new SoundIndex(() => [a, b, join(dir, "missing")], () => 0);
    assert.deepEqual(index.list(undefined, undefined), [
      { id: "digits/1", formats: [{ language: "en", format: "ulaw" }] },
      { id: "hello", formats: [{ language: "en", format: "wav" }, { language: "fr", format: "wav" }, { language: "en", format: "sln16" }] },
    ]);
    assert.deepEqual(index.list("fr", undefined).map((s) => s.id), ["hello"]);
    assert.deepEqual(index.list(undefined, "ulaw").map((s) => s.id), ["digits/1"]);
    assert.equal(index.all().get("old"), undefined, "gsm is not played, so not listed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
