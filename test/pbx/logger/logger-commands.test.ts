import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandRegistry } from "../../../src/cli/registry.js";
import { defaultLoggerConfig } from "../../../src/config/logger/load-logger.js";
import { parseLevelList } from "../../../src/core/log/levels.js";
import { DEFAULT_LOG_SETTINGS, LogRouter } from "../../../src/core/log/log-router.js";
import { registerLoggerCommands } from "../../../src/pbx/logger/logger-commands.js";

function setup(): { registry: CommandRegistry; router: LogRouter; rotated: number[] } {
  const router = new LogRouter({ dir: "/var/log/asterisk" });
  const ch = (name: string, levels: string) => ({ name, formatter: "default" as const, levels: parseLevelList(levels).levels });
  router.apply({ ...DEFAULT_LOG_SETTINGS, channels: [ch("console", "notice,warning,error"), ch("messages.log", "notice,warning,error")] });
  const registry = new CommandRegistry();
  const rotated: number[] = [];
  registerLoggerCommands(registry, { router, logger: defaultLoggerConfig, reload: () => "", rotate: () => (rotated.push(1), []) });
  return { registry, router, rotated };
}

test("logger show channels: Asterisk 22's layout for its sample logger.conf, newest channel first, the console unnamed", async () => {
  const { registry } = setup();
  const out = await registry.execute("logger show channels");
  assert.equal(
    out.output,
    [
      "Logger queue limit: 1000",
      "",
      "Channel                             Type     Formatter  Status    Configuration",
      "-------                             ----     ---------  ------    -------------",
      "/var/log/asterisk/messages.log      File     default    Enabled    - NOTICE WARNING ERROR ",
      "                                    Console  default    Enabled    - NOTICE WARNING ERROR VERBOSE ",
      "",
      "",
    ].join("\n"),
  );
});

test("core set verbose / debug: Asterisk's wording; from -rx the system level changes, on a console that console's", async () => {
  const { registry, router } = setup();
  assert.equal((await registry.execute("core set verbose 3")).output, "Console verbose was OFF and is now 3.\n");
  assert.equal(router.verbosity, 3);
  assert.equal((await registry.execute("core set verbose atleast 2")).output, "Console verbose is still 3.\n");
  assert.equal((await registry.execute("core set verbose off")).output, "Console verbose was 3 and is now OFF.\n");
  assert.equal((await registry.execute("core set verbose 5 silent")).output, "");
  let mine = 0;
  const console = { get verbosity() { return mine; }, setVerbosity: (n: number) => { const was = mine; mine = n; return was; }, muted: false, setMuted: () => undefined, showLevel: () => undefined };
  assert.equal((await registry.execute("core set verbose 4", { console })).output, "Console verbose was OFF and is now 4.\n");
  assert.equal(mine, 4);
  assert.equal(router.verbosity, 5, "the system level is untouched by a console's own change");
  assert.equal((await registry.execute("core set debug 2")).output, "Core debug was OFF and is now 2.\n");
  assert.equal((await registry.execute("core set debug 2")).output, "Core debug is still 2.\n");
  assert.equal((await registry.execute("core set debug off")).output, "Core debug was 2 and is now OFF.\n");
  assert.match((await registry.execute("core set verbose loud")).output, /^Usage: core set verbose/);
});

test("logger rotate and logger reload print nothing on success, as Asterisk's do", async () => {
  const { registry, rotated } = setup();
  assert.deepEqual(await registry.execute("logger rotate"), { ok: true, output: "" });
  assert.deepEqual(rotated, [1]);
  assert.deepEqual(await registry.execute("logger reload"), { ok: true, output: "" });
});
