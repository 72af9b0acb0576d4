import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, lstatSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ControlServer } from "../../src/cli/control-server.js";
import { ControlClient, runRemoteCommand } from "../../src/cli/control-client.js";
import { CommandRegistry } from "../../src/cli/registry.js";
import { MAX_CLIENT_FRAME } from "../../src/cli/protocol.js";
import { makeRecord, nullLogger } from "../../src/core/logger.js";
import { LogRouter } from "../../src/core/log/log-router.js";
import { PbxError } from "../../src/core/errors.js";
import { Capture, RawClient, startFixture, tempDir, waitFor } from "./helpers.js";

test("control-server: exec over the unix socket returns the command output", async () => {
  const fx = await startFixture();
  try {
    const client = await ControlClient.connect(fx.socketPath);
    assert.deepEqual(await client.exec('echo hello "big world"'), { ok: true, output: "hello big world\n" });
    assert.deepEqual(await client.exec("nope"), {
      ok: false,
      output: "No such command 'nope' (type 'core show help nope' for other possible commands)\n",
    });
    client.close();
  } finally {
    await fx.close();
  }
});

test("control-server: complete returns the registry's candidates", async () => {
  const fx = await startFixture();
  try {
    const client = await ControlClient.connect(fx.socketPath);
    assert.deepEqual(await client.complete("ec"), ["echo"]);
    assert.deepEqual(await client.complete("echo a"), ["alpha"]);
    assert.deepEqual(await client.complete("slow "), ["echo"]);
    client.close();
  } finally {
    await fx.close();
  }
});

test("control-server: socket file is private to the PBX user", async () => {
  const fx = await startFixture();
  try {
    assert.ok(lstatSync(fx.socketPath).isSocket());
    assert.equal(statSync(fx.socketPath).mode & 0o777, 0o600);
  } finally {
    await fx.close();
  }
});

test("control-server: log lines reach only consoles that subscribed", async () => {
  const fx = await startFixture();
  try {
    const listener = await ControlClient.connect(fx.socketPath);
    const quiet = await ControlClient.connect(fx.socketPath);
    const heard: string[] = [];
    const heardQuiet: string[] = [];
    listener.on("log", (l) => heard.push(l));
    quiet.on("log", (l) => heardQuiet.push(l));
    listener.subscribeLog();
    // A round trip guarantees the subscribe frame was processed before publishing.
    await listener.exec("echo ready");
    await quiet.exec("echo ready");
    fx.logs.write(makeRecord("NOTICE", 0, { category: "sip.registrar" }, {}, "hello", true, new Date(2026, 10, 26, 7, 25, 1).getTime()));
    await waitFor(() => heard.length === 1);
    // The quiet console's next reply is sent after the log line would have been.
    await quiet.exec("echo after");
    assert.deepEqual(heard, [`[Nov 26 07:25:01] NOTICE[${process.pid}]: sip.registrar: hello`]);
    assert.deepEqual(heardQuiet, []);
    listener.close();
    quiet.close();
  } finally {
    await fx.close();
  }
});

test("control-server: a closed console is detached from the log router", async () => {
  const fx = await startFixture();
  try {
    const c = await RawClient.connect(fx.socketPath);
    c.send('{"type":"subscribe-log"}\n{"id":1,"type":"exec","line":"echo x"}\n');
    await c.until((r) => r.frames.length === 1);
    c.close();
    await waitFor(() => fx.server.clientCount === 0);
    // Logging after the console was removed must not throw or write to a dead socket.
    fx.logs.write(makeRecord("NOTICE", 0, {}, {}, "late line", true));
    assert.equal(fx.server.clientCount, 0);
  } finally {
    await fx.close();
  }
});

test("control-server: garbage frames get error frames and the connection keeps working", async () => {
  const fx = await startFixture();
  try {
    const c = await RawClient.connect(fx.socketPath);
    c.send("this is not json\n");
    c.send("[1,2]\n");
    c.send('{"type":"exec","line":"echo x"}\n');
    c.send('{"id":7,"type":"launch"}\n');
    c.send('{"id":8,"type":"exec","line":42}\n');
    c.send("\n");
    c.send('{"id":9,"type":"exec","line":"echo still here"}\n');
    await c.until((r) => r.frames.length === 6);
    assert.deepEqual(c.frames, [
      { type: "error", error: "bad frame: not JSON" },
      { type: "error", error: "bad frame: not an object" },
      { type: "error", error: "bad frame: 'exec' needs a numeric id" },
      { type: "error", id: 7, error: "unknown frame type 'launch'" },
      { type: "error", id: 8, error: "bad frame: 'exec' needs a string line" },
      { id: 9, type: "result", ok: true, output: "still here\n" },
    ]);
    c.close();
  } finally {
    await fx.close();
  }
});

test("control-server: an oversized frame closes that console only", async () => {
  const fx = await startFixture();
  try {
    const bad = await RawClient.connect(fx.socketPath);
    const good = await ControlClient.connect(fx.socketPath);
    bad.send("x".repeat(MAX_CLIENT_FRAME + 10));
    await bad.until((r) => r.closed);
    assert.deepEqual(bad.frames, [{ type: "error", error: `frame longer than ${MAX_CLIENT_FRAME} bytes` }]);
    assert.deepEqual(await good.exec("echo fine"), { ok: true, output: "fine\n" });
    good.close();
  } finally {
    await fx.close();
  }
});

test("control-server: pipelined requests on one console answer in order", async () => {
  const fx = await startFixture();
  try {
    const c = await RawClient.connect(fx.socketPath);
    c.send('{"id":1,"type":"exec","line":"slow echo 60 first"}\n{"id":2,"type":"exec","line":"echo second"}\n');
    await c.until((r) => r.frames.length === 2);
    assert.deepEqual(c.frames.map((f) => f.id), [1, 2]);
    c.close();
  } finally {
    await fx.close();
  }
});

test("control-server: two consoles run concurrently and independently", async () => {
  const fx = await startFixture();
  try {
    const a = await ControlClient.connect(fx.socketPath);
    const b = await ControlClient.connect(fx.socketPath);
    const order: string[] = [];
    const pa = a.exec("slow echo 150 A").then((r) => order.push(r.output));
    const pb = b.exec("slow echo 10 B").then((r) => order.push(r.output));
    await Promise.all([pa, pb]);
    assert.deepEqual(order, ["B\n", "A\n"]);
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => a.exec(`echo ${i}`)));
    assert.deepEqual(many.map((r) => r.output), Array.from({ length: 20 }, (_, i) => `${i}\n`));
    a.close();
    b.close();
  } finally {
    await fx.close();
  }
});

test("control-server: a second server on the same socket refuses to start", async () => {
  const fx = await startFixture();
  try {
    const second = new ControlServer({ socketPath: fx.socketPath, registry: new CommandRegistry(), logs: new LogRouter({ dir: undefined }), log: nullLogger });
    await assert.rejects(second.start(), (e: unknown) => e instanceof PbxError && e.code === "CONTROL_SOCKET_IN_USE" && /already running/.test(e.message));
    await second.close();
    // The first server still answers.
    const c = await ControlClient.connect(fx.socketPath);
    assert.equal((await c.exec("echo ok")).output, "ok\n");
    c.close();
  } finally {
    await fx.close();
  }
});

test("control-server: a stale socket file left by a killed process is replaced", async () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, "switchboard.ctl");
  const child = spawn(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => console.log("ready"))`]);
  try {
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.ok(existsSync(path), "the killed process left its socket file behind");
    const registry = new CommandRegistry();
    const server = new ControlServer({ socketPath: path, registry, logs: new LogRouter({ dir: undefined }), log: nullLogger });
    await server.start();
    const c = await ControlClient.connect(path);
    assert.equal((await c.exec("help help")).ok, true);
    c.close();
    await server.close();
  } finally {
    child.kill("SIGKILL");
    cleanup();
  }
});

test("control-server: a regular file at the socket path is not deleted", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, "switchboard.ctl");
    writeFileSync(path, "precious");
    const server = new ControlServer({ socketPath: path, registry: new CommandRegistry(), logs: new LogRouter({ dir: undefined }), log: nullLogger });
    await assert.rejects(server.start(), /is not a socket/);
    assert.ok(existsSync(path));
  } finally {
    cleanup();
  }
});

test("control-server: close() is safe twice, disconnects consoles and removes the socket file", async () => {
  const fx = await startFixture();
  const c = await ControlClient.connect(fx.socketPath);
  let closed = false;
  c.on("close", () => (closed = true));
  await Promise.all([fx.server.close(), fx.server.close()]);
  await fx.server.close();
  assert.equal(existsSync(fx.socketPath), false);
  await waitFor(() => closed);
  await assert.rejects(c.exec("echo x"), /closed/);
  await fx.close();
});

test("control-client: runRemoteCommand prints output and exits 0, 1 on failure", async () => {
  const fx = await startFixture();
  try {
    const out = new Capture();
    const err = new Capture();
    assert.equal(await runRemoteCommand(fx.socketPath, "echo hi there", { stdout: out, stderr: err }), 0);
    assert.equal(out.text, "hi there\n");
    const out2 = new Capture();
    assert.equal(await runRemoteCommand(fx.socketPath, "bogus", { stdout: out2, stderr: err }), 1);
    assert.match(out2.text, /^No such command 'bogus'/);
    assert.equal(err.text, "");
  } finally {
    await fx.close();
  }
});

test("control-client: runRemoteCommand without a server prints the Asterisk-style message and exits 2", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, "switchboard.ctl");
    const out = new Capture();
    const err = new Capture();
    assert.equal(await runRemoteCommand(path, "core show version", { stdout: out, stderr: err }), 2);
    assert.equal(err.text, `Unable to connect to remote Switchboard (does ${path} exist?)\n`);
    assert.equal(out.text, "");
  } finally {
    cleanup();
  }
});

test("control-server: claim() checks the path without listening; the socket file appears only with start()", async () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, "switchboard.ctl");
  const registry = new CommandRegistry();
  const server = new ControlServer({ socketPath: path, registry, logs: new LogRouter({ dir: undefined }), log: nullLogger });
  try {
    await server.claim();
    assert.equal(existsSync(path), false, "no console can connect before the commands are registered");
    registry.register({ command: "late command", usage: "Usage: late command\n", summary: "Registered after claim()", handler: () => "late\n" });
    await server.start();
    const c = await ControlClient.connect(path);
    assert.deepEqual(await c.exec("late command"), { ok: true, output: "late\n" });
    c.close();
  } finally {
    await server.close();
    cleanup();
  }
});

test("control-server: claim() refuses a path another running server listens on", async () => {
  const fx = await startFixture();
  try {
    const second = new ControlServer({ socketPath: fx.socketPath, registry: new CommandRegistry(), logs: new LogRouter({ dir: undefined }), log: nullLogger });
    await assert.rejects(second.claim(), (e: unknown) => e instanceof PbxError && e.code === "CONTROL_SOCKET_IN_USE");
    assert.ok(existsSync(fx.socketPath), "the running server's socket is left alone");
  } finally {
    await fx.close();
  }
});

test("control-server: logger mute silences this console only; logger set level NOTICE off hides that level on it; -rx has no console", async () => {
  const fx = await startFixture();
  const { registerLoggerCommands } = await import("../../src/pbx/logger/logger-commands.js");
  const { defaultLoggerConfig } = await import("../../src/config/logger/load-logger.js");
  registerLoggerCommands(fx.registry, { router: fx.logs, logger: defaultLoggerConfig, reload: () => "", rotate: () => undefined });
  try {
    const a = await ControlClient.connect(fx.socketPath);
    const b = await ControlClient.connect(fx.socketPath);
    const heardA: string[] = [];
    const heardB: string[] = [];
    a.on("log", (l) => heardA.push(l));
    b.on("log", (l) => heardB.push(l));
    a.subscribeLog();
    b.subscribeLog();
    assert.equal((await a.exec("logger mute")).output, "Console is muted.\n");
    assert.equal((await b.exec("logger set level notice off")).output, "Logger status for 'NOTICE' has been set to 'off'.\n", "the level as Asterisk names it, upper case");
    const write = (level: "NOTICE" | "WARNING", msg: string): void => fx.logs.write(makeRecord(level, 0, { category: "t" }, {}, msg, true, Date.now()));
    write("NOTICE", "one");
    write("WARNING", "two");
    await waitFor(() => heardB.length === 1);
    await a.exec("echo sync");
    assert.deepEqual(heardA, [], "muted");
    assert.match(heardB[0] ?? "", /WARNING.*two$/, "NOTICE hidden, WARNING shown");
    assert.equal((await a.exec("logger mute")).output, "Console is not muted anymore.\n");
    assert.equal((await b.exec("logger set level NOTICE on")).output, "Logger status for 'NOTICE' has been set to 'on'.\n");
    write("NOTICE", "three");
    await waitFor(() => heardA.length === 1 && heardB.length === 2);
    assert.match(heardA[0] ?? "", /three$/);
    const rx = await ControlClient.connect(fx.socketPath);
    assert.equal((await rx.exec("logger mute")).output, "Couldn't find remote console.\n", "a console that shows no log (-rx)");
    rx.close();
    assert.match((await a.exec("logger set level LOUD on")).output, /^Usage: logger set level/);
    a.close();
    b.close();
  } finally {
    await fx.close();
  }
});
