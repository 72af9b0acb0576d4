import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureLogger } from "../../../src/core/logger.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { EMBEDDED_EXTENSIONS, embeddedDefaultFiles } from "../../../src/config/defaults/embedded.js";
import { createCoreAppRegistry } from "../../../src/pbx/apps/index.js";
import { createCoreFuncRegistry } from "../../../src/pbx/funcs/index.js";
import { compileDialplan } from "../../../src/pbx/dialplan/compile.js";
import { DialplanExecutor } from "../../../src/pbx/dialplan/executor.js";
import { FakeChannel } from "./fake-channel.js";

function embeddedDialplan() {
  const passwords = Object.fromEntries(EMBEDDED_EXTENSIONS.map((e) => [e, "pw"]));
  const text = embeddedDefaultFiles(passwords)["extensions.conf"] ?? "";
  const apps = createCoreAppRegistry();
  return { ...compileDialplan(parseConfigText(text, "extensions.conf"), { isKnownApp: (n) => apps.has(n) }), apps };
}

test("embedded default: extensions.conf compiles without diagnostics using only core apps", () => {
  const { diagnostics, dialplan } = embeddedDialplan();
  assert.deepEqual(diagnostics, []);
  assert.ok(dialplan.contexts.has("internal"));
});

test("embedded default: 1001 calling 1002 dials PJSIP/1002; 600 is the echo test", async () => {
  const { dialplan, apps } = embeddedDialplan();
  const exec = new DialplanExecutor({ dialplan: () => dialplan, log: new CaptureLogger(), apps, funcs: createCoreFuncRegistry() });
  const a = new FakeChannel();
  await exec.run(a, "internal", "1002");
  assert.equal(a.calls[0], "dial(PJSIP/1002,30,)");
  const b = new FakeChannel();
  b.hangUpAfter.add("echo");
  await exec.run(b, "internal", "600");
  assert.deepEqual(b.calls, ["answer()", "echo()"]);
});
