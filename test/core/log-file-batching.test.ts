/**
 * LogFile's batching: text gathered and written in order in one write per batch, written at once
 * past 64 KiB, everything in the file once close() returns, appends to what the file held, and an
 * unwritable path reported once without throwing.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogFile } from "../../src/core/log/log-file.js";

function scratch(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "sw-batched-"));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

it("gathers lines, writes them in order on flush and after the delay, appending to the file", async () => {
  const { dir, done } = scratch();
  try {
    const path = join(dir, "messages.log");
    writeFileSync(path, "old\n");
    const w = new LogFile(path, { delayMs: 20 });
    w.write("one\n");
    w.write("two\n");
    assert.equal(readFileSync(path, "utf8"), "old\n", "nothing written before the batch is due");
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(readFileSync(path, "utf8"), "old\none\ntwo\n");
    w.write("three\n");
    w.flush();
    assert.equal(readFileSync(path, "utf8"), "old\none\ntwo\nthree\n");
    w.write("four\n");
    w.close();
    w.close();
    w.write("after close\n");
    assert.equal(readFileSync(path, "utf8"), "old\none\ntwo\nthree\nfour\n");
  } finally {
    done();
  }
});

it("writes at once when 64 KiB are gathered", () => {
  const { dir, done } = scratch();
  try {
    const path = join(dir, "big.log");
    const w = new LogFile(path, { delayMs: 60_000 });
    const line = "x".repeat(1023) + "\n";
    for (let i = 0; i < 64; i++) w.write(line);
    assert.equal(readFileSync(path, "utf8").length, 64 * 1024);
    w.close();
  } finally {
    done();
  }
});

it("an unwritable path is reported once and never throws", () => {
  const { dir, done } = scratch();
  try {
    const errors: string[] = [];
    const w = new LogFile(join(dir, "no-such-dir", "x.log"), { onTrouble: (e) => void (e.kind === "failing" && errors.push(e.err.message)) });
    w.write("a\n");
    w.flush();
    w.write("b\n");
    w.flush();
    w.close();
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? "", /ENOENT/);
    assert.equal(existsSync(join(dir, "no-such-dir")), false);
  } finally {
    done();
  }
});
