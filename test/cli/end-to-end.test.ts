/**
 * The console the way an operator uses it: `switchboard start` in one process, `-rx` and `-r`
 * from others, through bin/switchboard.js, against the real server. Each test gives the server a
 * configuration directory whose transports bind free loopback ports (never 5060, which another
 * test or a real PBX may hold) and a scratch data directory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ControlClient } from "../../src/cli/control-client.js";
import { freePort } from "../helpers/ports.js";
import { pjsipConf } from "../helpers/pjsip-conf.js";
import { describeExit, trackProcess } from "../helpers/processes.js";
import { tempDir, waitFor } from "./helpers.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(root, "bin", "switchboard.js");
const env = { ...process.env, SWITCHBOARD_FROM_SOURCE: "1", SWITCHBOARD_DATA: "" };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd: root });
    trackProcess(child, "switchboard-cli");
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once("exit", (code) => r(code)));
}

interface Started {
  readonly child: ChildProcess;
  readonly dir: string;
  readonly configDir: string;
  readonly dataDir: string;
  stderr(): string;
  cleanup(): Promise<void>;
}

/** A config directory with UDP and TCP transports on a free loopback port and no endpoints. */
async function writeConfig(dir: string): Promise<string> {
  const configDir = join(dir, "config");
  mkdirSync(configDir, { recursive: true });
  const port = await freePort("127.0.0.1");
  writeFileSync(join(configDir, "pjsip.conf"), pjsipConf({ ip: "127.0.0.1", port, protocols: ["udp", "tcp"], endpoints: [] }));
  // Away from Asterisk's default 5000-31000, where the tests draw their SIP ports.
  writeFileSync(join(configDir, "rtp.conf"), "[general]\nrtpstart=40000\nrtpend=44999\n");
  return configDir;
}

/**
 * Spawns `switchboard start` and resolves once `ready(dataDir)` holds; by default that is the
 * control socket file existing, which is what an operator's script waits for.
 */
async function startPbx(ready: (dataDir: string) => boolean = (d) => existsSync(join(d, "switchboard.ctl")), pollMs = 10): Promise<Started> {
  const { dir, cleanup } = tempDir();
  const configDir = await writeConfig(dir);
  const dataDir = join(dir, "data");
  const child = spawn(process.execPath, [bin, "start", "--config", configDir, "--data", dataDir], { env, cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  trackProcess(child, "switchboard");
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const deadline = Date.now() + 20_000;
  while (!ready(dataDir) && child.exitCode === null && child.signalCode === null) {
    if (Date.now() > deadline) throw new Error(`switchboard start: no control socket after 20 s\n${stderr}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  assert.equal(child.exitCode, null, `start exited early: ${stderr}`);
  return {
    child,
    dir,
    configDir,
    dataDir,
    stderr: () => stderr,
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited(child);
      }
      cleanup();
    },
  };
}

test("end-to-end: start, -rx, piped -r, a second start refused, core stop now", { timeout: 60_000 }, async () => {
  const pbx = await startPbx();
  const dir = pbx.dataDir;
  try {
    const version = await run(["-rx", "core show version", "--data", dir]);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^Switchboard 0\.1\.0 built by .*\n$/);

    const unknown = await run(["-rx", "core show nothing", "--data", dir]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, "No such command 'core show nothing' (type 'core show help core show nothing' for other possible commands)\n");
    const word = await run(["-rx", "foo", "--data", dir]);
    assert.equal(word.stdout, "No such command 'foo' (type 'core show help foo' for other possible commands)\n");

    const piped = await run(["-r", "--data", dir], "core show uptime seconds\nhelp core show version\n");
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /^System uptime: \d+\nLast reload: \d+\nUsage: core show version\n/);
    assert.ok(readFileSync(join(dir, ".cli_history"), "utf8").includes("help core show version\n"));

    // Same data directory and the same ports: the control socket refuses it before any port.
    const second = await run(["start", "--config", pbx.configDir, "--data", dir]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /^switchboard: cannot start: another Switchboard is already running/);
    assert.equal(second.stderr.trimEnd().split("\n").length, 1);

    const stop = await run(["-rx", "core stop now", "--data", dir]);
    assert.equal(stop.stdout, "Shutting down\n");
    assert.equal(await exited(pbx.child), 0, pbx.stderr());
    assert.equal(existsSync(join(dir, "switchboard.ctl")), false);
  } finally {
    await pbx.cleanup();
  }
});

test("end-to-end: the control socket appears only once every module's commands answer", { timeout: 60_000 }, async () => {
  // Poll tightly and connect in-process the moment the file exists: a socket that listened
  // before the modules registered their commands answered "No such command" here.
  const pbx = await startPbx(undefined, 2);
  try {
    const client = await ControlClient.connect(join(pbx.dataDir, "switchboard.ctl"));
    try {
      // core commands are registered last, pjsip and guard commands by their modules before.
      for (const line of ["core show version", "pjsip show endpoints", "core show uptime seconds"]) {
        const res = await client.exec(line);
        assert.equal(res.ok, true, `${line}: ${res.output}`);
        assert.doesNotMatch(res.output, /No such command/);
      }
    } finally {
      client.close();
    }
    const rx = await run(["-rx", "pjsip show endpoints", "--data", pbx.dataDir]);
    assert.equal(rx.code, 0, rx.stdout + rx.stderr);
    assert.match(rx.stdout, /^No objects found\./);
    pbx.child.kill("SIGTERM");
    assert.equal(await exited(pbx.child), 0, pbx.stderr());
  } finally {
    await pbx.cleanup();
  }
});

test("end-to-end: SIGTERM stops the PBX with exit 0 and -rx then exits 2", { timeout: 60_000 }, async () => {
  const pbx = await startPbx();
  try {
    pbx.child.kill("SIGTERM");
    const code = await exited(pbx.child);
    assert.equal(code, 0, `${describeExit({ code, signal: pbx.child.signalCode })}\n${pbx.stderr()}`);
    const after = await run(["-rx", "core show version", "--data", pbx.dataDir]);
    assert.equal(after.code, 2);
    assert.match(after.stderr, /Unable to connect to remote Switchboard/);
  } finally {
    await pbx.cleanup();
  }
});

test("end-to-end: -r on a pseudo-terminal shows the prompt, completes with Tab and exits on 'exit'", { timeout: 60_000 }, async () => {
  // util-linux `script` provides the pseudo-terminal; npm test installs it, so its absence is a failure.
  assert.equal(spawnSync("script", ["--version"]).status, 0, "util-linux 'script' is required (scripts/test.sh installs it)");
  const pbx = await startPbx();
  try {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} -r --data ${JSON.stringify(pbx.dataDir)}`;
    const child = spawn("script", ["-qfec", cmd, "/dev/null"], { env, cwd: root });
    trackProcess(child, "script");
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const prompt = `${hostname()}*CLI> `;
    await waitFor(() => out.includes(prompt), 20_000);
    child.stdin.write("core show vers\t");
    await waitFor(() => out.includes("core show version"), 5_000);
    child.stdin.write("\r");
    await waitFor(() => /Switchboard 0\.1\.0 built by/.test(out), 5_000);
    child.stdin.write("exit\r");
    assert.equal(await exited(child), 0);
    assert.ok(out.split(prompt).length >= 3, "the prompt is shown again after the command");
    pbx.child.kill("SIGTERM");
    assert.equal(await exited(pbx.child), 0, pbx.stderr());
  } finally {
    await pbx.cleanup();
  }
});
