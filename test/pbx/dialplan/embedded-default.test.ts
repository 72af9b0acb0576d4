import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureLogger } from "../../../src/core/logger.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { EMBEDDED_ACCOUNTS, EMBEDDED_EXTENSIONS, embeddedDefaultFiles } from "../../../src/config/defaults/embedded.js";
import { createCoreAppRegistry } from "../../../src/pbx/apps/index.js";
import { createCoreFuncRegistry } from "../../../src/pbx/funcs/index.js";
import { compileDialplan, withGenerated } from "../../../src/pbx/dialplan/compile.js";
import { loadConfiguration } from "../../../src/config/index.js";
import { parkingDialplan } from "../../../src/pbx/parking/parking-dialplan.js";
import { DialplanExecutor } from "../../../src/pbx/dialplan/executor.js";
import { FakeChannel } from "./fake-channel.js";

function embeddedDialplan() {
  const passwords = Object.fromEntries(EMBEDDED_ACCOUNTS.map((e) => [e, "pw"]));
  const files = embeddedDefaultFiles(passwords, Object.fromEntries(EMBEDDED_EXTENSIONS.map((e) => [e, "123456"])));
  const text = files["extensions.conf"] ?? "";
  const apps = createCoreAppRegistry();
  // The voicemail module's applications, as stand-ins that note how they were called.
  for (const name of ["VoiceMail", "VoiceMailMain", "MusicOnHold", "Park", "ParkedCall"]) {
    apps.register({ name, synopsis: "", syntax: "", execute: async (ctx) => { (ctx.channel as FakeChannel).calls.push(`${name}(${ctx.data})`); return "continue"; } });
  }
  // With the parking lot's extensions, as the server compiles them.
  const generated = [parkingDialplan(loadConfiguration({ kind: "embedded", files }))];
  return { ...compileDialplan(withGenerated(parseConfigText(text, "extensions.conf"), generated), { isKnownApp: (n) => apps.has(n) }), apps };
}

test("embedded default: extensions.conf compiles without diagnostics using the core, voicemail, music on hold and parking apps", () => {
  const { diagnostics, dialplan } = embeddedDialplan();
  assert.deepEqual(diagnostics, []);
  assert.ok(dialplan.contexts.has("internal"));
});

test("embedded default: 1001 calling 1002 rings it for 20 s, then its voicemail; *97 checks one's own; 600 is the echo test", async () => {
  const { dialplan, apps } = embeddedDialplan();
  const exec = new DialplanExecutor({ dialplan: () => dialplan, log: new CaptureLogger(), apps, funcs: createCoreFuncRegistry() });
  const a = new FakeChannel();
  await exec.run(a, "internal", "1002");
  assert.deepEqual(a.calls, ["dial(PJSIP/1002,20,)", "VoiceMail(1002@default,u)", "hangup(16)"], "no answer in 20 s: the unavailable greeting");
  const busy = new FakeChannel();
  busy.dialResult = { status: "BUSY" };
  await exec.run(busy, "internal", "1003");
  assert.deepEqual(busy.calls, ["dial(PJSIP/1003,20,)", "VoiceMail(1003@default,b)", "hangup(16)"]);
  const vm = new FakeChannel();
  await exec.run(vm, "internal", "*97");
  assert.deepEqual(vm.calls, ["VoiceMailMain(1001@default)", "hangup(16)"], "*97 opens the caller's own mailbox");
  const b = new FakeChannel();
  b.hangUpAfter.add("echo");
  await exec.run(b, "internal", "600");
  assert.deepEqual(b.calls, ["answer()", "echo()"]);
});
