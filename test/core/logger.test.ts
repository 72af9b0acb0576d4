import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/core/logger.js";

test("logger: a child that rebinds category writes the key once per switchboard.log record", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-logger-"));
  try {
    const handle = createLogger({ dir });
    const core = handle.logger.child({ category: "core" });
    core.child({ category: "pbx.dialplan" }).child({ channel: "PJSIP/1001-00000001" }).notice({}, "hello");
    handle.close();
    await new Promise((r) => setTimeout(r, 50));
    const line = readFileSync(join(dir, "switchboard.log"), "utf8").trim().split("\n").at(-1) ?? "";
    assert.equal(line.match(/"category"/g)?.length, 1, line);
    const rec = JSON.parse(line) as Record<string, unknown>;
    assert.equal(rec.category, "pbx.dialplan");
    assert.equal(rec.channel, "PJSIP/1001-00000001");
    assert.match(readFileSync(join(dir, "messages.log"), "utf8"), /NOTICE\[\d+\] pbx\.dialplan: hello/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
