/** switchboard check knows every application the server's modules register. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/ini/parser.js";
import { EMBEDDED_EXTENSIONS, embeddedDefaultFiles } from "../../src/config/defaults/embedded.js";
import { serverAppRegistry } from "../../src/pbx/check-apps.js";
import { checkDialplan } from "../../src/pbx/dialplan/check-dialplan.js";

test("check's application registry: core, IVR and voicemail applications; the embedded default has no findings", () => {
  const apps = serverAppRegistry();
  for (const n of ["Dial", "Playback", "Background", "WaitExten", "Read", "SayDigits", "SayNumber", "SayAlpha", "SayUnixTime", "Record", "VoiceMail", "VoiceMailMain"]) assert.ok(apps.has(n), n);
  const same = Object.fromEntries(EMBEDDED_EXTENSIONS.map((e) => [e, "123456"]));
  const text = embeddedDefaultFiles(same, same)["extensions.conf"] ?? "";
  assert.deepEqual(checkDialplan(parseConfigText(text, "extensions.conf"), apps), []);
  const unknown = checkDialplan(parseConfigText("[c]\nexten => 1,1,Frobnicate()\n", "extensions.conf"), apps);
  assert.match(unknown[0]?.message ?? "", /Application 'Frobnicate'/);
});
