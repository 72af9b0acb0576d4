/** Hint states: the aggregate of device states as Asterisk computes it, and `core show hints`. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { extensionStateOf, extensionStateWord, hintDevices } from "../../../src/pbx/hints/extension-state.js";
import { showHints } from "../../../src/pbx/hints/hints-module.js";
import { compileDialplan, findExtension } from "../../../src/pbx/dialplan/index.js";
import { parseConfigText } from "../../../src/config/index.js";

test("extension state: unavailable only when every device is, busy wins, ringing and in use together", () => {
  assert.equal(extensionStateOf(["NOT_INUSE"]), "Idle");
  assert.equal(extensionStateOf(["UNAVAILABLE", "UNAVAILABLE"]), "Unavailable");
  assert.equal(extensionStateOf(["UNAVAILABLE", "NOT_INUSE"]), "Idle");
  assert.equal(extensionStateOf(["INUSE", "BUSY"]), "Busy");
  assert.equal(extensionStateOf(["RINGING"]), "Ringing");
  assert.equal(extensionStateOf(["RINGINUSE"]), "InUse&Ringing");
  assert.equal(extensionStateOf(["INUSE", "RINGING"]), "InUse&Ringing");
  assert.equal(extensionStateOf(["INUSE", "NOT_INUSE"]), "InUse");
  assert.equal(extensionStateOf(["ONHOLD"]), "Hold");
  assert.equal(extensionStateOf([]), "Unknown");
  assert.equal(extensionStateWord("InUse&Ringing"), "RINGINUSE");
  assert.deepEqual(hintDevices("PJSIP/2001&PJSIP/2002,CustomPresence:2001"), ["PJSIP/2001", "PJSIP/2002"]);
});

test("core show hints: pbx.c's columns, and the count", () => {
  const text = showHints([{ exten: "2001", context: "office", hint: "PJSIP/2001", text: "Idle", status: 0 }]);
  assert.equal(text, "\n    -= Registered Asterisk Dial Plan Hints =-\n2001@office         : PJSIP/2001            State:Idle            Presence:not_set         Watchers  0\n----------------\n- 1 hints registered\n");
  assert.equal(showHints([]), "There are no registered dialplan hints\n");
});

test("a hint alone does not hide a pattern that runs the extension", () => {
  const d = compileDialplan(parseConfigText("[office]\nexten => 2001,hint,PJSIP/2001\nexten => _20XX,1,Dial(PJSIP/${EXTEN})\n", "extensions.conf"), { isKnownApp: () => true }).dialplan;
  assert.equal(findExtension(d, "office", "2001")?.extension.name, "_20XX");
});
