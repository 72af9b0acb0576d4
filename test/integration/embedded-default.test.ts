/**
 * The out-of-the-box experience: `switchboard start` with no --config runs the embedded default
 * configuration (UDP and TCP on port 5060, phones 1001-1005), generates strong passwords on first
 * start, prints them once, keeps them (mode 0600) across restarts, and `switchboard check` finds
 * nothing wrong with it. Skipped when port 5060 is taken on this machine.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, rxCommand } from "../helpers/pbx.js";
import { isPortFree } from "../helpers/ports.js";
import { SipClient, probeOptions } from "../helpers/sip-client.js";
import { parseContacts } from "../helpers/cli-output.js";
import { scratchDir, sleep, stopProcess, trackProcess } from "../helpers/processes.js";

const BIN = join(REPO_ROOT, "bin", "switchboard.js");
const EXTENSIONS = ["1001", "1002", "1003", "1004", "1005"];
const ENV = { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" };

/** Why the embedded default cannot be started here, or undefined when 5060 is free everywhere it binds. */
async function port5060Busy(): Promise<string | undefined> {
  for (const ip of ["0.0.0.0", "::"]) {
    if (!(await isPortFree(ip, 5060))) return `UDP or TCP port 5060 on ${ip} is in use; the embedded default binds it`;
  }
  return undefined;
}

interface Running {
  readonly proc: ChildProcess;
  readonly output: () => string;
}

/** `switchboard start --data DIR`, no --config, ready once the console and UDP 5060 answer. */
async function startEmbedded(dataDir: string, runDir: string, generation: number): Promise<Running> {
  const outPath = join(runDir, `output.${generation}.log`);
  const proc = spawn(process.execPath, [BIN, "start", "--data", dataDir], { cwd: runDir, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
  trackProcess(proc, "switchboard-embedded");
  let output = "";
  const file = createWriteStream(outPath);
  for (const stream of [proc.stdout, proc.stderr]) {
    stream.setEncoding("utf8").on("data", (d: string) => {
      output += d;
      file.write(d);
    });
  }
  const deadline = Date.now() + 20000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`switchboard exited early (${proc.exitCode ?? proc.signalCode}):\n${output}`);
    if (existsSync(join(dataDir, "switchboard.ctl")) && (await rxCommand(dataDir, "core show version", BIN, 3000)).code === 0) break;
    if (Date.now() > deadline) throw new Error(`switchboard (embedded default) not ready after 20 s:\n${output}`);
    await sleep(100);
  }
  if (!(await probeOptions({ ip: "127.0.0.1", port: 5060 }, "127.0.0.1", 5000))) throw new Error(`UDP 127.0.0.1:5060 does not answer OPTIONS:\n${output}`);
  return { proc, output: () => output };
}

async function rx(dataDir: string, command: string): Promise<string> {
  const r = await rxCommand(dataDir, command, BIN);
  assert.equal(r.code, 0, `${command} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Rows `1001      1001      <password>` of `pjsip show default-passwords`. */
function shownPasswords(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^(\d{4}) +(\d{4}) +(\S+)\s*$/gm)) out.set(m[1] ?? "", m[3] ?? "");
  return out;
}

describe("embedded default configuration (integration: no --config, port 5060)", () => {
  let busy: string | undefined;
  let runDir: string;
  let dataDir: string;
  let server: Running | undefined;
  let passwords = new Map<string, string>();
  let firstOutput = "";

  before(async () => {
    busy = await port5060Busy();
    if (busy !== undefined) return;
    runDir = scratchDir("embedded");
    dataDir = join(runDir, "data");
    server = await startEmbedded(dataDir, runDir, 0);
    firstOutput = server.output();
  });
  after(async () => {
    if (server !== undefined) await stopProcess(server.proc, 5000);
  });

  it("first start prints the generated passwords once; pjsip show default-passwords lists 1001-1005 with 24-character passwords", async (t) => {
    if (busy !== undefined) return t.skip(busy);
    passwords = shownPasswords(await rx(dataDir, "pjsip show default-passwords"));
    assert.deepEqual([...passwords.keys()].sort(), EXTENSIONS);
    for (const [ext, pw] of passwords) {
      assert.equal(pw.length, 24, `password of ${ext}: '${pw}'`);
      assert.match(pw, /^[A-Za-z0-9]+$/);
      // "1001=<pw>" or a "  1001  <pw>" table row: the extension and its password on one line.
      const shown = firstOutput.split("\n").some((l) => new RegExp(`\\b${ext}\\b`).test(l) && l.includes(pw));
      assert.ok(shown, `first start's output does not show ${ext}'s password:\n${firstOutput}`);
    }
    assert.equal(new Set(passwords.values()).size, 5, "two extensions got the same password");
    assert.equal(firstOutput.split(passwords.get("1001") ?? "?").length - 1, 1, "the password is printed more than once");
  });

  it("pjsip show endpoints lists 1001-1005", async (t) => {
    if (busy !== undefined) return t.skip(busy);
    const out = await rx(dataDir, "pjsip show endpoints");
    for (const ext of EXTENSIONS) assert.match(out, new RegExp(`^ Endpoint:  ${ext}(/\\S+)? `, "m"), out);
    assert.match(out, /Objects found: 5/);
  });

  it("REGISTER as 1001 with its generated password to 127.0.0.1:5060 gets 200", async (t) => {
    if (busy !== undefined) return t.skip(busy);
    const client = await SipClient.udp({ server: { ip: "127.0.0.1", port: 5060 }, localIp: "127.0.0.2" });
    try {
      const wrong = await client.register({ user: "1001", password: "not-the-password", expires: 600 });
      assert.notEqual(wrong.final.status, 200, wrong.final.raw);
      const reg = await client.register({ user: "1001", password: passwords.get("1001") ?? "", expires: 600 });
      assert.equal(reg.final.status, 200, reg.final.raw);
      assert.ok(parseContacts(await rx(dataDir, "pjsip show contacts")).some((c) => c.aor === "1001" && c.uri.includes(`127.0.0.2:${client.localPort}`)));
    } finally {
      client.close();
    }
  });

  it("the passwords file in the data directory is readable by its owner only (mode 0600)", (t) => {
    if (busy !== undefined) return t.skip(busy);
    const path = join(dataDir, "default-passwords.json");
    assert.ok(existsSync(path), `no ${path}`);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const stored = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
    for (const ext of EXTENSIONS) assert.equal(stored[ext], passwords.get(ext));
  });

  it("a restart with the same data directory keeps the passwords (not printed again) and the registered contact", async (t) => {
    if (busy !== undefined || server === undefined) return t.skip(busy);
    await stopProcess(server.proc, 5000);
    server = await startEmbedded(dataDir, runDir, 1);
    assert.deepEqual(shownPasswords(await rx(dataDir, "pjsip show default-passwords")), passwords);
    for (const pw of passwords.values()) assert.ok(!server.output().includes(pw), `a password was printed again on restart:\n${server.output()}`);
    assert.ok(parseContacts(await rx(dataDir, "pjsip show contacts")).some((c) => c.aor === "1001" && c.uri.includes("127.0.0.2:")), "1001's contact lost on restart");
  });

  it("switchboard check (no --config, same --data) exits 0 for the embedded default", async (t) => {
    if (busy !== undefined) return t.skip(busy);
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, "check", "--data", dataDir], { cwd: runDir, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
      trackProcess(child, "switchboard-check");
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.on("close", (code) => resolve({ code, out }));
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /\b0 errors\b/, r.out);
    assert.doesNotMatch(r.out, /warning:/, r.out);
    // check must not mint new passwords for a data directory that has them.
    assert.deepEqual(shownPasswords(await rx(dataDir, "pjsip show default-passwords")), passwords);
  });
});
