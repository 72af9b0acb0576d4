import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandRegistry } from "../../src/cli/registry.js";
import { formatDuration, registerCoreCommands, type CoreInfo } from "../../src/cli/core-commands.js";
import { FakeClock } from "../../src/core/clock.js";

function setup() {
  const clock = new FakeClock(1_700_000_000_000);
  const calls: string[] = [];
  const info: CoreInfo = {
    version: "0.1.0",
    startedAt: clock.now(),
    lastReloadAt: clock.now(),
    settings: () => ({ Version: "0.1.0", "Maximum calls": "Not set" }),
    reload: async () => {
      calls.push("reload");
      return "Reloaded 3 modules\n";
    },
    stop: async () => {
      calls.push("stop");
    },
  };
  const registry = new CommandRegistry();
  const unregister = registerCoreCommands(registry, info, { clock, stopDelayMs: 50 });
  return { clock, calls, info, registry, unregister };
}

test("core-commands: formatDuration uses Asterisk's units and plurals", () => {
  assert.equal(formatDuration(3723), "1 hour, 2 minutes, 3 seconds");
  assert.equal(formatDuration(60), "1 minute");
  assert.equal(formatDuration(0), "<1 second");
  assert.equal(formatDuration(365 * 86400 + 8 * 86400 + 1), "1 year, 1 week, 1 day, 1 second");
});

test("core-commands: core show version is one 'Switchboard <version> built by' line", async () => {
  const { registry } = setup();
  const res = await registry.execute("core show version");
  assert.equal(res.ok, true);
  assert.match(res.output, /^Switchboard 0\.1\.0 built by .+ @ .+ on a \S+ running \S+ on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n$/);
});

test("core-commands: core show uptime prints words, and plain seconds with 'seconds'", async () => {
  const { registry, clock } = setup();
  clock.advance(120_000);
  assert.equal((await registry.execute("core show uptime")).output, "System uptime: 2 minutes\nLast reload: 2 minutes\n");
  clock.advance(3_603_000);
  assert.equal((await registry.execute("core show uptime")).output, "System uptime: 1 hour, 2 minutes, 3 seconds\nLast reload: 1 hour, 2 minutes, 3 seconds\n");
  assert.equal((await registry.execute("core show uptime seconds")).output, "System uptime: 3723\nLast reload: 3723\n");
  const bad = await registry.execute("core show uptime minutes");
  assert.equal(bad.ok, false);
  assert.match(bad.output, /^Usage: core show uptime \[seconds\]/);
});

test("core-commands: core show uptime reads lastReloadAt at call time", async () => {
  const { registry, clock, info } = setup();
  clock.advance(3723_000);
  info.lastReloadAt = clock.now() - 120_000;
  assert.equal((await registry.execute("core show uptime seconds")).output, "System uptime: 3723\nLast reload: 120\n");
});

test("core-commands: core show settings has the heading and aligned rows", async () => {
  const { registry } = setup();
  const out = (await registry.execute("core show settings")).output;
  assert.equal(out, "\nPBX Core settings\n-----------------\n  Version:                     0.1.0\n  Maximum calls:               Not set\n");
});

test("core-commands: core reload prints what reload() returned", async () => {
  const { registry, calls } = setup();
  assert.deepEqual(await registry.execute("core reload"), { ok: true, output: "Reloaded 3 modules\n" });
  assert.deepEqual(calls, ["reload"]);
});

test("core-commands: core stop now replies first and stops after the delay", async () => {
  const { registry, calls, clock } = setup();
  assert.deepEqual(await registry.execute("core stop now"), { ok: true, output: "Shutting down\n" });
  assert.deepEqual(calls, []);
  clock.advance(50);
  await Promise.resolve();
  assert.deepEqual(calls, ["stop"]);
  assert.equal((await registry.execute("core stop now")).output, "Shutdown already in progress\n");
});

test("core-commands: core stop without 'now' is not a command", async () => {
  const { registry } = setup();
  assert.equal((await registry.execute("core stop")).ok, false);
});

test("core-commands: unregister removes every core command", async () => {
  const { registry, unregister } = setup();
  unregister();
  assert.deepEqual(registry.list().map((c) => c.command), ["core show help", "help"]);
});

test("core-commands: completion offers 'seconds' after core show uptime", async () => {
  const { registry } = setup();
  assert.deepEqual(await registry.complete("core show uptime s"), ["seconds"]);
  assert.deepEqual(await registry.complete("core show "), ["help", "memory", "settings", "uptime", "version"]);
});
