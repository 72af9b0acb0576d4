/** Finding prompts: language directories (Debian's en_US_f_Allison too), the leg's format first, one warning per missing name. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CaptureLogger } from "../../../src/core/logger.js";
import { SHIPPED_SOUNDS, SoundLibrary } from "../../../src/pbx/sounds/sound-library.js";
import { scratchDir } from "../../helpers/processes.js";

function touch(path: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "x");
  return path;
}

test("sound library: the channel's language first, then its base language, then en; the leg's codec picks the format", () => {
  const root = join(scratchDir("sounds-lib"), "sounds");
  touch(join(root, "en", "vm-intro.wav"));
  touch(join(root, "en", "vm-intro.ulaw"));
  touch(join(root, "fr", "vm-intro.wav"));
  touch(join(root, "en_GB", "digits", "1.wav"));
  const log = new CaptureLogger();
  const lib = new SoundLibrary({ roots: () => [root], plainDirs: () => [], log });
  assert.deepEqual(lib.find("vm-intro", "en", "ulaw"), { kind: "file", path: join(root, "en", "vm-intro.ulaw") });
  assert.deepEqual(lib.find("vm-intro", "en", "alaw"), { kind: "file", path: join(root, "en", "vm-intro.wav") });
  assert.deepEqual(lib.find("vm-intro", "fr_CA", "ulaw"), { kind: "file", path: join(root, "fr", "vm-intro.wav") });
  assert.deepEqual(lib.find("digits/1", "en_GB", undefined), { kind: "file", path: join(root, "en_GB", "digits", "1.wav") });
  assert.deepEqual(lib.find("vm-intro", "de", undefined), { kind: "file", path: join(root, "en", "vm-intro.wav") }, "no German prompt: the English one");
  assert.deepEqual(lib.find("silence/3", "en"), { kind: "silence", durationMs: 3000 });
  assert.equal(lib.find("tone:ring", "en")?.kind, "tone");
});

test("sound library: Debian's asterisk-core-sounds-en-wav layout (sounds/en_US_f_Allison) serves en; the shipped set comes after", () => {
  const root = join(scratchDir("sounds-debian"), "sounds");
  touch(join(root, "en_US_f_Allison", "vm-login.wav"));
  const lib = new SoundLibrary({ roots: () => [root, SHIPPED_SOUNDS], plainDirs: () => [], log: new CaptureLogger() });
  assert.deepEqual(lib.find("vm-login", "en", "ulaw"), { kind: "file", path: join(root, "en_US_f_Allison", "vm-login.wav") });
  assert.deepEqual(lib.find("vm-intro", "en", "ulaw"), { kind: "file", path: join(SHIPPED_SOUNDS, "en", "vm-intro.wav") });
});

test("sound library: the shipped set holds every prompt the voicemail and IVR applications play", () => {
  const lib = new SoundLibrary({ roots: () => [SHIPPED_SOUNDS], plainDirs: () => [], log: new CaptureLogger() });
  const needed = [
    "beep", "vm-intro", "vm-theperson", "vm-isunavail", "vm-isonphone", "vm-login", "vm-password", "vm-incorrect", "vm-incorrect-mailbox", "vm-goodbye",
    "vm-youhave", "vm-INBOX", "vm-Old", "vm-and", "vm-no", "vm-message", "vm-messages", "vm-first", "vm-last", "vm-nomore", "vm-msginstruct",
    "vm-deleted", "vm-undeleted", "vm-savefolder", "vm-savedto", "vm-mailboxfull", "vm-options", "vm-newpassword", "vm-reenterpassword",
    "vm-passchanged", "vm-mismatch", "vm-rec-unv", "vm-rec-busy", "vm-rec-name", "vm-rec-temp", "vm-review", "vm-msgsaved", "vm-opts-full",
    "vm-sorry", "vm-Work", "vm-Family", "vm-Friends", "vm-from-phonenumber", "vm-tempgreetactive", "vm-tempgreeting2", "vm-tempremoved",
    ...Array.from({ length: 21 }, (_, i) => `digits/${i}`), "digits/30", "digits/90", "digits/hundred", "digits/thousand", "digits/million", "digits/minus",
    ..."abcdefghijklmnopqrstuvwxyz".split("").map((c) => `letters/${c}`),
  ];
  assert.deepEqual(needed.filter((n) => !lib.exists(n, "en")), []);
});

test("sound library: a missing prompt is one WARNING naming the name and the Debian package; a gsm-only prompt says how to convert it", () => {
  const root = join(scratchDir("sounds-missing"), "sounds");
  touch(join(root, "en", "only-gsm.gsm"));
  const log = new CaptureLogger();
  const lib = new SoundLibrary({ roots: () => [root], plainDirs: () => [], log });
  assert.equal(lib.find("custom/welcome", "en"), undefined);
  assert.equal(lib.find("custom/welcome", "en"), undefined);
  const warnings = log.records.filter((r) => r.level === "warn");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.msg, /Sound 'custom\/welcome' \(language en\) not found .*asterisk-core-sounds-en-wav/);
  assert.equal(lib.find("only-gsm", "en"), undefined);
  assert.match(log.records.filter((r) => r.level === "warn")[1]!.msg, /exists only as .*only-gsm\.gsm.*sox/);
});
