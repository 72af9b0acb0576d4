/**
 * Run by logger-module.test.ts under `ulimit -f` (a file size limit): a router with the logger
 * module writes numbered lines to messages.log, its trouble warnings going back into the files as
 * in the server. Prints the lines counted as dropped, as JSON.
 *   node --import tsx size-limit-child.ts DIR EXEC_AFTER_ROTATE LINES
 */
import type { LoadedConfig } from "../../../src/config/index.js";
import { defaultGuardConfig } from "../../../src/config/guard/load-guard.js";
import { defaultLoggerConfig } from "../../../src/config/logger/load-logger.js";
import { parseLevelList } from "../../../src/core/log/levels.js";
import { LogRouter } from "../../../src/core/log/log-router.js";
import { CaptureLogger, makeRecord } from "../../../src/core/logger.js";
import type { ModuleContext } from "../../../src/core/module.js";
import { LoggerModule } from "../../../src/pbx/logger/logger-module.js";

const [dir = ".", execAfterRotate = "", count = "100"] = process.argv.slice(2);
const logger = { ...defaultLoggerConfig(), present: true, rotatestrategy: "sequential" as const, execAfterRotate, channels: [{ name: "messages.log", formatter: "default" as const, levels: parseLevelList("notice,warning").levels }] };
const cfg = { logger, guard: { ...defaultGuardConfig(), securityLog: false }, diagnostics: [] } as unknown as LoadedConfig;
const router: LogRouter = new LogRouter({ dir, fileDelayMs: 1, onTrouble: (text) => router.write(makeRecord("WARNING", 0, { category: "logger" }, {}, text, true, Date.now())) });
const log = new CaptureLogger();
const module = new LoggerModule({ config: { name: "config", config: () => cfg, read: () => cfg }, router });
void module.start({ module: "logger", log, commands: { register: () => undefined }, defer: () => undefined } as unknown as ModuleContext);
for (let i = 0; i < Number(count); i++) {
  // The last line waits until any rotation queued behind a running exec_after_rotate had time to
  // happen (a loaded machine starts `sleep` slowly): it shows that writing resumes after it.
  if (i === Number(count) - 1) await new Promise((r) => setTimeout(r, 1500));
  router.write(makeRecord("NOTICE", 0, { category: "t" }, {}, `line ${String(i).padStart(4, "0")} ${"x".repeat(40)}`, true, Date.now()));
  if (i % 10 === 9) {
    router.flush();
    await new Promise((r) => setTimeout(r, 20));
  }
}
router.flush();
await new Promise((r) => setTimeout(r, 100));
const dropped = router.status().reduce((n, c) => n + c.dropped, 0);
router.close();
console.log(JSON.stringify({ dropped, warnings: log.records.map((r) => r.msg) }));
