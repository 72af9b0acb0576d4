/**
 * The logger module against real files and a real /bin/sh: exec_after_rotate gets the archive's
 * name however the command quotes `${filename}`, a rotation waits for the commands of the last
 * one (a gzip of `.0` is never renamed under it), and `core reload` reopens files by name.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { CommandRegistry } from "../../../src/cli/registry.js";
import type { LoadedConfig } from "../../../src/config/index.js";
import { defaultGuardConfig } from "../../../src/config/guard/load-guard.js";
import { defaultLoggerConfig } from "../../../src/config/logger/load-logger.js";
import { parseLevelList } from "../../../src/core/log/levels.js";
import { LogRouter } from "../../../src/core/log/log-router.js";
import { CaptureLogger, makeRecord } from "../../../src/core/logger.js";
import type { ModuleContext } from "../../../src/core/module.js";
import { LoggerModule, withFilename } from "../../../src/pbx/logger/logger-module.js";
import { waitUntil } from "../../helpers/processes.js";

function setup(dir: string, execAfterRotate: string): { router: LogRouter; module: LoggerModule; registry: CommandRegistry; log: CaptureLogger; stop: () => void } {
  const logger = { ...defaultLoggerConfig(), present: true, rotatestrategy: "rotate" as const, execAfterRotate, channels: [{ name: "messages.log", formatter: "default" as const, levels: parseLevelList("notice").levels }] };
  const cfg = { logger, guard: { ...defaultGuardConfig(), securityLog: false }, diagnostics: [] } as unknown as LoadedConfig;
  const router = new LogRouter({ dir, fileDelayMs: 1 });
  const module = new LoggerModule({ config: { name: "config", config: () => cfg, read: () => cfg }, router });
  const registry = new CommandRegistry();
  const log = new CaptureLogger();
  const undo: Array<() => void> = [];
  const ctx = { module: "logger", log, commands: registry, defer: (f: () => void) => undo.push(f) } as unknown as ModuleContext;
  void module.start(ctx);
  return { router, module, registry, log, stop: () => (undo.forEach((f) => f()), router.close()) };
}

const line = (router: LogRouter, text: string): void => router.write(makeRecord("NOTICE", 0, { category: "t" }, {}, text, true, Date.now()));

test("exec_after_rotate: ${filename} unquoted, in double and in single quotes all name the archive, spaces and all", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sw logmod "));
  try {
    const { router, registry, stop } = setup(dir, `cp \${filename} "${dir}/a"; cp "\${filename}" "${dir}/b"; cp '\${filename}' '${dir}/c'`);
    line(router, "first");
    await registry.execute("logger rotate");
    await waitUntil(() => ["a", "b", "c"].every((f) => existsSync(join(dir, f))), 5000, "the three copies");
    for (const f of ["a", "b", "c"]) assert.match(readFileSync(join(dir, f), "utf8"), /first\n$/, f);
    stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(withFilename("gzip -9 ${filename}"), 'gzip -9 "${SWITCHBOARD_ROTATED}"');
  assert.equal(withFilename("echo \"x ${filename}\" 'y ${filename}'"), "echo \"x ${SWITCHBOARD_ROTATED}\" 'y '\"${SWITCHBOARD_ROTATED}\"''");
});

test("exec_after_rotate: a second rotation waits until the gzip of the first has ended, so no archive is lost", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-logmod-"));
  try {
    // A slow compressor: it takes 300 ms, as gzip of a big file would.
    const { router, registry, stop } = setup(dir, "sleep 0.3; gzip -9 ${filename}");
    line(router, "one");
    await registry.execute("logger rotate");
    line(router, "two");
    await registry.execute("logger rotate");
    line(router, "three");
    // gzip writes the .gz before it removes what it compressed: done when only the archives are left.
    await waitUntil(() => readdirSync(dir).filter((f) => f.endsWith(".gz")).length === 2 && !readdirSync(dir).some((f) => /^messages\.log\.\d+$/.test(f)), 5000, "two gzipped archives, their sources removed");
    line(router, "four");
    router.flush();
    assert.deepEqual(readdirSync(dir).sort(), ["messages.log", "messages.log.0.gz", "messages.log.1.gz"]);
    const text = (f: string): string[] => gunzipSync(readFileSync(join(dir, f))).toString().trimEnd().split("\n").map((l) => l.replace(/^.* t: /, ""));
    // The second rotation happened once the first gzip ended: what was written until then is in its archive.
    assert.deepEqual(text("messages.log.1.gz"), ["one"]);
    assert.deepEqual(text("messages.log.0.gz"), ["two", "three"]);
    assert.match(readFileSync(join(dir, "messages.log"), "utf8"), /four\n$/);
    stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("exec_after_rotate: a failing command is one WARNING; nothing runs for a file that was never written", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-logmod-"));
  try {
    const { router, registry, log, stop } = setup(dir, `exit 3`);
    await registry.execute("logger rotate");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(log.records.filter((r) => r.level === "warn").length, 0, "no file, nothing renamed, nothing run");
    line(router, "x");
    await registry.execute("logger rotate");
    await waitUntil(() => log.records.some((r) => r.level === "warn"), 5000, "the WARNING");
    assert.match(log.records.find((r) => r.level === "warn")?.msg ?? "", /^error executing 'exit 3' for .*messages\.log\.0 \(exit status 3\)$/);
    stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("core reload reopens the log files by name (after an outside rename)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-logmod-"));
  try {
    const { router, module, stop } = setup(dir, "");
    line(router, "before");
    router.flush();
    renameSync(join(dir, "messages.log"), join(dir, "moved.log"));
    module.reload();
    line(router, "after");
    router.flush();
    assert.match(readFileSync(join(dir, "messages.log"), "utf8"), /after\n$/);
    assert.doesNotMatch(readFileSync(join(dir, "moved.log"), "utf8"), /after/);
    stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("size limit (EFBIG): the files rotate, the warning lands in the new file, and no line is lost or spliced; while exec_after_rotate runs one rotation waits for it", async () => {
  const { execFileSync } = await import("node:child_process");
  const child = new URL("./size-limit-child.ts", import.meta.url).pathname;
  const root = new URL("../../..", import.meta.url).pathname;
  const lineRe = /^\[[^\]]+\] NOTICE\[\d+\] t: line (\d{4}) x{40}$/;
  const run = (dir: string, exec: string): { dropped: number; warnings: string[]; numbers: number[]; all: string } => {
    // ulimit -f 4: files stop at 4 KiB; Node ignores SIGXFSZ, so writes fail with EFBIG.
    const out = execFileSync("bash", ["-c", 'ulimit -f 4; exec node --import tsx "$@"', "bash", child, dir, exec, "200"], { encoding: "utf8", cwd: root });
    const names = readdirSync(dir).filter((f) => f.startsWith("messages.log")).sort((a, b) => (a === "messages.log" ? 1 : b === "messages.log" ? -1 : Number(a.slice(13)) - Number(b.slice(13))));
    // An archive may end inside the line that was cut (it is written whole to the next file).
    const all = names.map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
    const numbers = all.split("\n").flatMap((l) => { const m = lineRe.exec(l); return m ? [Number(m[1])] : []; });
    return { ...(JSON.parse(out) as { dropped: number; warnings: string[] }), numbers, all };
  };
  const a = mkdtempSync(join(tmpdir(), "sw-efbig-"));
  const b = mkdtempSync(join(tmpdir(), "sw-efbig-"));
  try {
    const idle = run(a, "");
    assert.equal(idle.dropped, 0);
    assert.deepEqual(idle.numbers, Array.from({ length: 200 }, (_, i) => i), "every line once, whole, in order");
    assert.ok(readdirSync(a).length >= 4, readdirSync(a).join(" "));
    assert.match(idle.all, /WARNING\[\d+\] logger: .*messages\.log reached the file size limit \(EFBIG\): the log files were rotated/);
    for (const f of readdirSync(a)) {
      const lines = readFileSync(join(a, f), "utf8").split("\n").filter(Boolean);
      for (const l of f === "messages.log" ? lines : lines.slice(0, -1)) assert.match(l, /^\[[^\]]+\] (NOTICE|WARNING)\[\d+\] [^[]*$/, `no spliced line in ${f}`);
    }

    const busy = run(b, "sleep 0.3");
    assert.ok(busy.dropped > 0 && busy.dropped < 200, `${busy.dropped} dropped`);
    assert.equal(busy.warnings.filter((w) => /while exec_after_rotate still runs/.test(w)).length, 1, "said once");
    assert.ok(busy.numbers.every((n, i) => i === 0 || n > (busy.numbers[i - 1] ?? -1)), "in order, none twice");
    assert.ok(busy.numbers.length + busy.dropped >= 200, `${busy.numbers.length} kept + ${busy.dropped} dropped`);
    assert.ok(busy.numbers.includes(199), "writing resumed after the queued rotation");
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
