/** switchboard check knows every application the server's modules register. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/ini/parser.js";
import { EMBEDDED_ACCOUNTS, embeddedDefaultFiles } from "../../src/config/defaults/embedded.js";
import { serverAppRegistry } from "../../src/pbx/check-apps.js";
import { checkDialplan } from "../../src/pbx/dialplan/check-dialplan.js";
import { loadConfiguration } from "../../src/config/index.js";
import { parkingDialplan } from "../../src/pbx/parking/parking-dialplan.js";

test("check's application registry: core, IVR and voicemail applications; the embedded default has no findings", () => {
  const apps = serverAppRegistry();
  for (const n of ["Dial", "Playback", "Background", "WaitExten", "Read", "SayDigits", "SayNumber", "SayAlpha", "SayUnixTime", "Record", "VoiceMail", "VoiceMailMain", "Pickup", "PickupChan", "Park", "ParkedCall", "Transfer", "MixMonitor", "StopMixMonitor", "MusicOnHold", "ConfBridge", "Queue", "AddQueueMember", "RemoveQueueMember", "PauseQueueMember", "UnpauseQueueMember"]) assert.ok(apps.has(n), n);
  const same = Object.fromEntries(EMBEDDED_ACCOUNTS.map((e) => [e, "123456"]));
  const files = embeddedDefaultFiles(same, same);
  const text = files["extensions.conf"] ?? "";
  // The parking lot's extensions are made from res_parking.conf's defaults, as the server makes them.
  const generated = [parkingDialplan(loadConfiguration({ kind: "embedded", files }))];
  assert.deepEqual(checkDialplan(parseConfigText(text, "extensions.conf"), apps, generated), []);
  assert.match(checkDialplan(parseConfigText(text, "extensions.conf"), apps)[0]?.message ?? "", /includes 'parkedcalls', which does not exist/, "without the lot's extensions the include is named");
  const unknown = checkDialplan(parseConfigText("[c]\nexten => 1,1,Frobnicate()\n", "extensions.conf"), apps);
  assert.match(unknown[0]?.message ?? "", /Application 'Frobnicate'/);
});
