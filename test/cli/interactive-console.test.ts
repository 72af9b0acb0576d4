import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HISTORY_MAX_LINES, runInteractiveConsole } from "../../src/cli/interactive-console.js";
import { Capture, startFixture, tempDir, waitFor } from "./helpers.js";
import { makeRecord } from "../../src/core/logger.js";

test("interactive-console: piped input runs each line in order and exits 0 at end of input", async () => {
  const fx = await startFixture();
  try {
    const input = new PassThrough();
    const out = new Capture();
    const err = new Capture();
    input.end('slow echo 40 one\necho two\n\nnot a command\necho "three four"\n');
    const code = await runInteractiveConsole(fx.socketPath, { input, output: out, errorOutput: err });
    assert.equal(code, 0);
    assert.equal(
      out.text,
      "one\ntwo\nNo such command 'not a command' (type 'core show help not a' for other possible commands)\nthree four\n",
    );
    assert.equal(err.text, "");
  } finally {
    await fx.close();
  }
});

test("interactive-console: 'exit' leaves the console and ignores the lines after it", async () => {
  const fx = await startFixture();
  try {
    const input = new PassThrough();
    const out = new Capture();
    input.write("echo before\nexit\necho after\n");
    const code = await runInteractiveConsole(fx.socketPath, { input, output: out, errorOutput: new Capture() });
    assert.equal(code, 0);
    assert.equal(out.text, "before\n");
  } finally {
    await fx.close();
  }
});

test("interactive-console: history is saved in the data directory, newest 1000 lines", async () => {
  const fx = await startFixture();
  try {
    const historyFile = join(fx.dir, ".cli_history");
    const old = Array.from({ length: HISTORY_MAX_LINES + 5 }, (_, i) => `echo old${i}`);
    writeFileSync(historyFile, old.join("\n") + "\n");
    const input = new PassThrough();
    input.end("echo new1\necho new1\nquit\n");
    await runInteractiveConsole(fx.socketPath, { input, output: new Capture(), errorOutput: new Capture() });
    const lines = readFileSync(historyFile, "utf8").trimEnd().split("\n");
    assert.equal(lines.length, HISTORY_MAX_LINES);
    // Repeating the last line does not add it twice; `quit` is recorded like any line.
    assert.deepEqual(lines.slice(-3), [old[old.length - 1], "echo new1", "quit"]);
  } finally {
    await fx.close();
  }
});

test("interactive-console: log lines from the server are printed", async () => {
  const fx = await startFixture();
  try {
    const input = new PassThrough();
    const out = new Capture();
    const done = runInteractiveConsole(fx.socketPath, { input, output: out, errorOutput: new Capture() });
    input.write("echo subscribed\n");
    await waitFor(() => out.text.includes("subscribed\n"));
    fx.logs.write(makeRecord("NOTICE", 0, { category: "core" }, {}, "hello console", true, new Date(2026, 10, 26, 7, 25, 1).getTime()));
    await waitFor(() => out.text.includes("hello console"));
    input.end();
    assert.equal(await done, 0);
    assert.equal(out.text, `subscribed\n[Nov 26 07:25:01] NOTICE[${process.pid}]: core: hello console\n`);
  } finally {
    await fx.close();
  }
});

test("interactive-console: verbose lines up to the console's verbosity (-rvvv) are shown with Asterisk's prefixes, deeper ones not", async () => {
  const fx = await startFixture();
  try {
    const input = new PassThrough();
    const out = new Capture();
    const done = runInteractiveConsole(fx.socketPath, { input, output: out, errorOutput: new Capture(), verbosity: 3 });
    input.write("echo subscribed\n");
    await waitFor(() => out.text.includes("subscribed\n"));
    for (const level of [4, 2, 3]) fx.logs.write(makeRecord("VERBOSE", level, { category: "core" }, {}, `level ${level}`, true));
    await waitFor(() => out.text.includes("level 3"));
    input.end();
    assert.equal(await done, 0);
    assert.equal(out.text, "subscribed\n  == level 2\n    -- level 3\n");
  } finally {
    await fx.close();
  }
});

test("interactive-console: the server going away ends the console with 'Disconnected'", async () => {
  const fx = await startFixture();
  const input = new PassThrough();
  const err = new Capture();
  const out = new Capture();
  const done = runInteractiveConsole(fx.socketPath, { input, output: out, errorOutput: err });
  input.write("echo up\n");
  await waitFor(() => out.text === "up\n");
  await fx.close();
  assert.equal(await done, 1);
  assert.equal(err.text, "Disconnected from Switchboard server\n");
  input.destroy();
});

test("interactive-console: no server prints the connect error and returns 2", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const err = new Capture();
    const code = await runInteractiveConsole(join(dir, "switchboard.ctl"), { input: new PassThrough(), output: new Capture(), errorOutput: err });
    assert.equal(code, 2);
    assert.match(err.text, /^Unable to connect to remote Switchboard \(does .*switchboard\.ctl exist\?\)\n$/);
    assert.equal(existsSync(join(dir, ".cli_history")), false);
  } finally {
    cleanup();
  }
});

test("interactive-console: terminal mode shows the <hostname>*CLI> prompt and completes with Tab", async () => {
  const fx = await startFixture();
  try {
    const input = new PassThrough();
    const out = new Capture();
    const done = runInteractiveConsole(fx.socketPath, { input, output: out, errorOutput: new Capture(), terminal: true, hostname: "pbx1" });
    await waitFor(() => out.text.includes("pbx1*CLI> "));
    // "ec<Tab>" completes to "echo ", then "a<Tab>" to "alpha ".
    input.write("ec\t");
    await waitFor(() => out.text.includes("echo "));
    input.write("a\t");
    await waitFor(() => out.text.includes("alpha"));
    input.write("\r");
    await waitFor(() => /alpha\s*\r?\n/.test(out.text.split("echo alpha").slice(1).join("")));
    input.write("\x04");
    assert.equal(await done, 0);
    assert.match(out.text, /Connected to Switchboard/);
    assert.ok(out.text.includes("alpha\n"), out.text);
  } finally {
    await fx.close();
  }
});
