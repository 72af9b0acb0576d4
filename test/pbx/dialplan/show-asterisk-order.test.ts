/**
 * `dialplan show internal` against Asterisk 22.10.1's recording (test/fixtures/asterisk/
 * dialplan-show-internal.txt), from extensions.conf text that is not in the order Asterisk prints:
 * Asterisk lists literal extensions before patterns and priorities in number order, whatever the
 * order of the lines in the file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderDialplanShow } from "../../../src/pbx/dialplan/show.js";
import { dialplanFrom } from "./fake-channel.js";

const RECORDING = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures", "asterisk", "dialplan-show-internal.txt"), "utf8");
/** The output part, after the `$ asterisk -rx "dialplan show internal"` line. */
const RECORDED = RECORDING.slice(RECORDING.indexOf("\n") + 1);

test("dialplan show internal: the recording's file (pattern written first) prints exactly the recorded bytes", () => {
  const text = [
    "[internal]",
    "exten => _2XXX,1,Dial(PJSIP/${EXTEN},20)",
    " same => n,Hangup()",
    "exten => 600,1,Answer()",
    " same => n,Echo()",
    " same => n,Hangup()",
  ].join("\n");
  assert.equal(renderDialplanShow(dialplanFrom(text), "internal"), RECORDED);
});

test("dialplan show internal: priorities written out of order print in number order, literals before patterns", () => {
  const text = [
    "[internal]",
    "exten => 600,3,Hangup()",
    "exten => _2XXX,2,Hangup()",
    "exten => 600,1,Answer()",
    "exten => _2XXX,1,Dial(PJSIP/${EXTEN},20)",
    "exten => 600,2,Echo()",
  ].join("\n");
  // Only the file:line column differs from the recording; it keeps its width.
  const maskLines = (s: string): string => s.replace(/\[extensions\.conf:\d\]/g, "[extensions.conf:#]");
  const out = renderDialplanShow(dialplanFrom(text), "internal");
  assert.equal(maskLines(out), maskLines(RECORDED));
  assert.match(out, /'600' => +1\. Answer\(\) +\[extensions\.conf:4\]/, "each priority keeps the line it was written on");
});
