/**
 * Self-tests of the server harness's exit-code checks (test/helpers/pbx.ts, processes.ts),
 * against the stand-in server and a faulty variant of it: a clean stop passes, an unclean one
 * fails with the server's stderr, a crash while the tests run is reported (and fails the file),
 * and a deliberate kill is not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT, startPbx, type Pbx } from "./pbx.js";
import { pjsipConf } from "./pjsip-conf.js";
import { freePort } from "./ports.js";
import { assertNoUnexpectedExits, trackProcess } from "./processes.js";

const FAULTY = join(REPO_ROOT, "test", "fixtures", "harness", "faulty-pbx.mjs");
const FAKE = join(REPO_ROOT, "test", "helpers", "fake-pbx.mjs");

async function start(bin: string, fault?: string): Promise<Pbx> {
  const port = await freePort("127.0.0.1");
  return startPbx({
    configFiles: { "pjsip.conf": pjsipConf({ ip: "127.0.0.1", port, endpoints: [{ id: "1001", password: "pw" }] }) },
    bin,
    ...(fault === undefined ? {} : { env: { FAULTY_PBX: fault } }),
  });
}

test("harness: stop() of a server that exits 0 on SIGTERM passes", async () => {
  const pbx = await start(FAKE);
  await pbx.stop();
  assert.deepEqual(await pbx.exited, { code: 0, signal: null });
  await assertNoUnexpectedExits();
});

test("harness: stop() fails with the exit code and the stderr tail when shutdown is not clean", async () => {
  const pbx = await start(FAULTY, "exit-3-on-sigterm");
  await assert.rejects(pbx.stop(), /did not shut down cleanly on SIGTERM: exit code 3[\s\S]*--- stderr \(tail\)\nfaulty-pbx: shutdown failed on purpose/);
  await assertNoUnexpectedExits();
});

test("harness: restart() fails too when the old server's shutdown is not clean", async () => {
  const pbx = await start(FAULTY, "exit-3-on-sigterm");
  await assert.rejects(pbx.restart(), /exit code 3/);
});

test("harness: a server that exits on its own is reported with its stderr; stop() then fails instead", async () => {
  const pbx = await start(FAULTY, "crash-on-sigusr2");
  process.kill(pbx.pid, "SIGUSR2");
  assert.deepEqual(await pbx.exited, { code: 9, signal: null });
  await assert.rejects(assertNoUnexpectedExits(), /exited on its own with exit code 9[\s\S]*faulty-pbx: crashed on purpose/);
  // A second server: this time the test notices at stop(), and the report is withdrawn.
  const again = await start(FAULTY, "crash-on-sigusr2");
  process.kill(again.pid, "SIGUSR2");
  await again.exited;
  await assert.rejects(again.stop(), /had already exited with exit code 9[\s\S]*crashed on purpose/);
  await assertNoUnexpectedExits();
});

test("harness: kill() and expectExit() opt out of the checks", async () => {
  const killed = await start(FAKE);
  await killed.kill();
  assert.deepEqual(await killed.exited, { code: null, signal: "SIGKILL" });
  await killed.stop();
  const stopped = await start(FAULTY, "crash-on-sigusr2");
  stopped.expectExit();
  process.kill(stopped.pid, "SIGUSR2");
  await stopped.exited;
  await stopped.stop();
  await assertNoUnexpectedExits();
});

test("harness: a crash after a file's last assertion fails that file in the root after hook", { timeout: 60_000 }, async () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Without this the inner node --test would talk to our runner instead of printing a report.
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", join("test", "fixtures", "harness", "crash-after-last-assertion.ts")], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  trackProcess(child, "node-test");
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once("close", (c) => r(c)));
  assert.equal(code, 1, out);
  assert.match(out, /✔ passes, then the server crashes/);
  assert.match(out, /exited on its own with exit code 9[\s\S]*faulty-pbx: crashed on purpose/);
  assert.match(out, /ℹ fail 1/);
});
