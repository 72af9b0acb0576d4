/**
 * `module show|load|unload|reload` (src/cli/module-commands.ts) on a real module host: Asterisk's
 * layout and messages, under the Asterisk names the modules declare.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandRegistry } from "../../src/cli/registry.js";
import { registerModuleCommands } from "../../src/cli/module-commands.js";
import { FakeClock } from "../../src/core/clock.js";
import { CaptureLogger } from "../../src/core/logger.js";
import { ModuleHost } from "../../src/core/module-host.js";
import type { ModuleContext, PbxModule } from "../../src/core/module.js";

function setup(o: { failReload?: boolean } = {}) {
  const journal: string[] = [];
  let channels = 3;
  const modules: PbxModule[] = [
    { name: "config", description: "Configuration files in Asterisk's format", start() {}, reload: () => void journal.push("reload config") },
    {
      name: "calls",
      provides: [
        { name: "chan_pjsip.so", description: "PJSIP Channel Driver", useCount: () => channels },
        { name: "res_srtp.so", description: "Secure RTP (SRTP)", reloads: false },
      ],
      start() {},
      reload: () => {
        journal.push("reload calls");
        if (o.failReload) throw new Error("pjsip.conf:3: bad");
      },
    },
    { name: "registrar", provides: [{ name: "res_pjsip_registrar.so", description: "PJSIP Registrar Support with a description longer than forty characters" }], start() {} },
  ];
  const registry = new CommandRegistry();
  const log = new CaptureLogger();
  const host = new ModuleHost<ModuleContext>({ modules, log, clock: new FakeClock(), commands: registry, dataDir: "/nonexistent", configDir: undefined, extend: (b) => b });
  registerModuleCommands(registry, { rows: () => host.rows(), reloadAll: () => host.reload(), log });
  return { host, registry, log, journal, setChannels: (n: number) => (channels = n) };
}

test("module show: Asterisk's columns (%-30s %-40.40s %-10d %-11s %13s), sorted by name, use count, the count line; like filters", async () => {
  const { host, registry } = setup();
  await host.start();
  const out = await registry.execute("module show");
  assert.equal(
    out.output,
    [
      "Module                         Description                              Use Count  Status      Support Level",
      "chan_pjsip.so                  PJSIP Channel Driver                     3          Running              core",
      "config                         Configuration files in Asterisk's format 0          Running              core",
      "res_pjsip_registrar.so         PJSIP Registrar Support with a descripti 0          Running              core",
      "res_srtp.so                    Secure RTP (SRTP)                        0          Running              core",
      "4 modules loaded",
      "",
    ].join("\n"),
  );
  const like = await registry.execute("module show like SRTP");
  assert.match(like.output, /^Module .*\nres_srtp\.so .*\n1 modules loaded\n$/);
  assert.equal((await registry.execute("module show like nothing")).output.split("\n")[1], "0 modules loaded");
});

test("module load of a running module: Asterisk's WARNING, 'Unable to load module', and the failed line; an unknown one says what there is", async () => {
  const { host, registry, log } = setup();
  await host.start();
  const r = await registry.execute("module load res_srtp.so");
  assert.deepEqual(r, { ok: false, output: "Unable to load module res_srtp.so\nCommand 'module load res_srtp.so' failed.\n" });
  const warning = log.records.find((x) => x.level === "warn");
  assert.equal(warning?.msg, "Module 'res_srtp.so' already loaded and running.");
  assert.equal(warning?.ctx.category, "loader");
  const unknown = await registry.execute("module load chan_sip.so");
  assert.equal(unknown.output, "Unable to load module chan_sip.so\nCommand 'module load chan_sip.so' failed.\n");
  assert.match(log.records.at(-1)?.msg ?? "", /^Error loading module 'chan_sip\.so': Switchboard has no such module/);
  const unload = await registry.execute("module unload res_srtp.so");
  assert.equal(unload.output, "Unable to unload resource res_srtp.so\nCommand 'module unload res_srtp.so' failed.\n");
});

test("module reload: Asterisk's answer per name (with or without .so); one reload for several names; a failure is said", async () => {
  const { host, registry, journal } = setup();
  await host.start();
  const r = await registry.execute("module reload chan_pjsip res_srtp.so chan_sip.so res_pjsip_registrar.so config");
  assert.equal(
    r.output,
    [
      "Module 'chan_pjsip' reloaded successfully.",
      "The module 'res_srtp.so' does not support reloads",
      "No such module 'chan_sip.so'",
      "The module 'res_pjsip_registrar.so' does not support reloads",
      "Module 'config' reloaded successfully.",
      "",
    ].join("\n"),
  );
  assert.deepEqual(journal, ["reload config", "reload calls"], "one full reload, config first");
  assert.equal((await registry.execute("module reload")).output, "");
  assert.equal(journal.length, 4);

  const failing = setup({ failReload: true });
  await failing.host.start();
  assert.equal((await failing.registry.execute("module reload chan_pjsip.so")).output, "The module 'chan_pjsip.so' reported a reload failure\n");
  assert.match(failing.log.records.at(-1)?.msg ?? "", /Reload failed: pjsip\.conf:3: bad/);
});

test("module show before start: the modules are Not Running with use count 0", () => {
  const { registry } = setup();
  return registry.execute("module show like chan").then((r) => assert.match(r.output, /\nchan_pjsip\.so +PJSIP Channel Driver +0 +Not Running +core\n/));
});
