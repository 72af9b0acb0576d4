/**
 * The out-of-the-box experience: `switchboard start` with no --config runs the embedded default
 * configuration (UDP and TCP on port 5060, phones 1001-1005), generates strong passwords on first
 * start, prints them once, keeps them (mode 0600) across restarts, `switchboard check` finds
 * nothing wrong with it, and two real phones registered with those passwords call each other
 * and the 600 echo test with audio.
 *
 * The server runs inside a private network namespace (only its own loopback), so port 5060 is
 * always free there whatever runs on the host, and the test never has to skip. The console is a
 * Unix socket in the data directory, which namespaces share, so `-rx` works from the host; the
 * SIP clients and the phones run inside the namespace with the server.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, rxCommand } from "../helpers/pbx.js";
import { parseContacts } from "../helpers/cli-output.js";
import { runNsClient } from "../helpers/guard-harness.js";
import { createNamespace, deleteNamespace, nsExec } from "../helpers/netns.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { activeSeconds, checkTone, makeToneWav, readWav } from "../helpers/audio.js";
import { scratchDir, sleep, stopProcess, trackProcess, waitUntil } from "../helpers/processes.js";

const BIN = join(REPO_ROOT, "bin", "switchboard.js");
const EXTENSIONS = ["1001", "1002", "1003", "1004", "1005"];
const ENV = { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" };
/** Where the embedded default listens, seen from inside the namespace. */
const SERVER = { ip: "127.0.0.1", port: 5060 };

interface Running {
  readonly proc: ChildProcess;
  readonly output: () => string;
}

/** `ip netns exec NS switchboard start --data DIR`, no --config; ready once the console and UDP 5060 answer. */
async function startEmbedded(ns: string, dataDir: string, runDir: string, generation: number): Promise<Running> {
  const outPath = join(runDir, `output.${generation}.log`);
  const proc = spawn("ip", ["netns", "exec", ns, process.execPath, BIN, "start", "--data", dataDir], { cwd: runDir, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
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
  const probe = await runNsClient(ns, { server: SERVER, localIp: "127.0.0.1", steps: [{ kind: "options", count: 10, intervalMs: 200, timeoutMs: 500 }] });
  if (!probe.outcomes.some((o) => o.status === 200)) throw new Error(`UDP 127.0.0.1:5060 in ${ns} does not answer OPTIONS: ${JSON.stringify(probe)}\n${output}`);
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
  for (const m of text.matchAll(/^(\d{4}) +(\d{4}) +(\S+) +\d{6}\s*$/gm)) out.set(m[1] ?? "", m[3] ?? "");
  return out;
}

describe("embedded default configuration (integration: no --config, port 5060 in a private namespace)", { timeout: 180_000 }, () => {
  let ns: string;
  let runDir: string;
  let dataDir: string;
  let server: Running | undefined;
  let passwords = new Map<string, string>();
  let firstOutput = "";

  before(async () => {
    ns = createNamespace("emb");
    runDir = scratchDir("embedded");
    dataDir = join(runDir, "data");
    server = await startEmbedded(ns, dataDir, runDir, 0);
    firstOutput = server.output();
  });
  after(async () => {
    if (server !== undefined) await stopProcess(server.proc, 5000);
    if (ns !== undefined) deleteNamespace(ns);
  });

  it("first start prints the generated passwords once; pjsip show default-passwords lists 1001-1005 with 24-character passwords", async () => {
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

  it("each phone has a mailbox with a six-digit PIN, printed once at first start and listed by voicemail show users", async () => {
    const table = await rx(dataDir, "pjsip show default-passwords");
    for (const ext of EXTENSIONS) {
      const pin = new RegExp(`^${ext} +${ext} +\\S+ +(\\d{6})\\s*$`, "m").exec(table)?.[1];
      assert.ok(pin, `${ext}'s voicemail PIN in:\n${table}`);
      assert.ok(firstOutput.includes(`(voicemail PIN ${pin})`), `the first start printed ${ext}'s PIN`);
    }
    const users = await rx(dataDir, "voicemail show users");
    for (const ext of EXTENSIONS) assert.match(users, new RegExp(`^default +${ext} +Extension ${ext} +0$`, "m"), users);
    assert.match(users, /5 voicemail users configured\./);
  });

  it("pjsip show endpoints lists the desk phones 1001-1005 and the browser phone's 1101-1105", async () => {
    const out = await rx(dataDir, "pjsip show endpoints");
    for (const ext of [...EXTENSIONS, "1101", "1102", "1103", "1104", "1105"]) assert.match(out, new RegExp(`^ Endpoint:  ${ext}(/\\S+)? `, "m"), out);
    assert.match(out, /Objects found: 10/);
    const passwords = await rx(dataDir, "pjsip show default-passwords");
    assert.match(passwords, /^1101 +1101 +\S{24} *$/m, passwords);
  });

  it("REGISTER as 1001 with its generated password to 127.0.0.1:5060 gets 200", async () => {
    const r = await runNsClient(ns, {
      server: SERVER,
      localIp: "127.0.0.2",
      steps: [
        { kind: "register", user: "1001", password: "not-the-password", expires: 600 },
        { kind: "register", user: "1001", password: passwords.get("1001") ?? "", expires: 600 },
      ],
    });
    const [wrong, right] = r.outcomes;
    assert.equal(wrong?.status, 401, `wrong password: ${JSON.stringify(r)}`);
    assert.equal(right?.status, 200, `right password: ${JSON.stringify(r)}`);
    assert.ok(
      parseContacts(await rx(dataDir, "pjsip show contacts")).some((c) => c.aor === "1001" && c.uri.includes(`127.0.0.2:${r.localPort}`)),
      "1001's contact is not in pjsip show contacts",
    );
  });

  it("REGISTER as 1002 over WSS at wss://127.0.0.1:8089/ws, trusting the certificate made in <data>/tls, gets 200; the contact goes with the WebSocket", async () => {
    const caFile = join(dataDir, "tls", "cert.pem");
    assert.ok(existsSync(caFile), `no ${caFile}`);
    const r = await runNsClient(ns, {
      server: SERVER,
      localIp: "127.0.0.3",
      webSocket: { url: "wss://127.0.0.1:8089/ws", caFile },
      steps: [{ kind: "register", user: "1002", password: passwords.get("1002") ?? "", expires: 600 }],
    });
    assert.deepEqual([r.outcomes[0]?.firstStatus, r.outcomes[0]?.status], [401, 200], JSON.stringify(r));
    // The client has closed its WebSocket by now: the contact it registered went with it.
    await waitUntil(async () => !parseContacts(await rx(dataDir, "pjsip show contacts")).some((c) => c.aor === "1002"), 5000, "1002's contact removed with its WebSocket");
  });

  it("the first start names the browser phone's page, served over HTTPS at :8089/phone/ (self-signed certificate)", async () => {
    assert.match(firstOutput, /Browser phone: https:\/\/[^\s]+:8089\/phone\//, firstOutput);
    // -k: the certificate is self-signed (a browser asks the user to accept it once).
    const page = await nsExec(ns, "curl", ["-sk", "https://127.0.0.1:8089/phone/"]);
    assert.match(page.stdout, /<title>Switchboard phone<\/title>/, page.stderr);
    const script = await nsExec(ns, "curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code} %{content_type}", "https://127.0.0.1:8089/phone/phone.js"]);
    assert.match(script.stdout, /^200 text\/javascript/);
  });

  it("the passwords file in the data directory is readable by its owner only (mode 0600)", () => {
    const path = join(dataDir, "default-passwords.json");
    assert.ok(existsSync(path), `no ${path}`);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const stored = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
    for (const ext of EXTENSIONS) assert.equal(stored[ext], passwords.get(ext));
  });

  it("a restart with the same data directory keeps the passwords (not printed again) and the registered contact", async () => {
    assert.ok(server !== undefined, "the server did not start");
    await stopProcess(server.proc, 5000);
    assert.equal(server.proc.exitCode, 0, `switchboard did not shut down cleanly (exit ${server.proc.exitCode ?? server.proc.signalCode}):\n${server.output()}`);
    server = await startEmbedded(ns, dataDir, runDir, 1);
    assert.deepEqual(shownPasswords(await rx(dataDir, "pjsip show default-passwords")), passwords);
    for (const pw of passwords.values()) assert.ok(!server.output().includes(pw), `a password was printed again on restart:\n${server.output()}`);
    assert.ok(parseContacts(await rx(dataDir, "pjsip show contacts")).some((c) => c.aor === "1001" && c.uri.includes("127.0.0.2:")), "1001's contact lost on restart");
  });

  it("switchboard check (no --config, same --data) exits 0 for the embedded default", async () => {
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

  describe("calls on the embedded default (baresip phones in the namespace)", () => {
    const dir = scratchDir("embedded-audio");
    const tone1000 = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: 6 });
    const tone440 = makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: 30 });

    /** A phone registered as `ext` with its generated password; ports are fixed, the namespace is private. */
    async function phone(ext: string, ip: string, n: number, source: string, answer: boolean): Promise<Baresip> {
      const p = await startBaresip({
        netns: ns,
        ip,
        sipPort: 5062 + 2 * n,
        ctrlPort: 4444 + n,
        rtpPorts: `${20200 + 100 * n}-${20299 + 100 * n}`,
        audioSource: source,
        accounts: [`<sip:${ext}@${SERVER.ip}:${SERVER.port};transport=udp>;auth_pass=${passwords.get(ext) ?? ""};audio_codecs=pcmu;regint=600${answer ? ";answermode=auto" : ""}`],
        maxSeconds: 60,
      });
      try {
        await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, `${ext} registered with its generated password`);
      } catch (err) {
        await p.stop();
        throw new Error(`${(err as Error).message}\n${p.log().slice(-2000)}`);
      }
      return p;
    }

    /** What `p` heard (its sndfile -dec.wav), checked for `hz` over more than `minSeconds`. */
    function assertHeard(p: Baresip, who: string, hz: number, minSeconds: number): void {
      const heard = p.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heard, `${who} made no recording: ${p.recordings().join(", ")}\n${p.log().slice(-2000)}`);
      const c = checkTone(heard, hz);
      assert.ok(c.ok, `${who} did not hear ${hz} Hz: ${JSON.stringify(c)}`);
      const active = activeSeconds(readWav(heard));
      assert.ok(active > minSeconds, `${who} heard only ${active} s of audio (want more than ${minSeconds} s)`);
    }

    it("1001 calls 1002 with the generated passwords: each hears the other's tone (1000 Hz one way, 440 Hz the other)", async () => {
      const caller = await phone("1001", "127.0.0.2", 0, tone1000, false);
      const callee = await phone("1002", "127.0.0.3", 1, tone440, true);
      try {
        await caller.command(`dial sip:1002@${SERVER.ip}:${SERVER.port}`);
        await caller.waitEvent("CALL_ESTABLISHED", 10000);
        // The caller's WAV lasts 6 s; baresip hangs up at its end.
        await caller.waitEvent("CALL_CLOSED", 20000);
        await sleep(500);
        assertHeard(callee, "1002", 1000, 3);
        assertHeard(caller, "1001", 440, 3);
        await waitUntil(async () => /^0 active channels?/m.test(await rx(dataDir, "core show channels count")), 10000, "the call's channels released");
        // The embedded default keeps call detail records in the data directory.
        const master = join(dataDir, "cdr-csv", "Master.csv");
        await waitUntil(() => existsSync(master) && /"1001","1002","internal",.*"PJSIP\/1002-[0-9a-f]{8}","Dial",.*"ANSWERED","DOCUMENTATION","\d+\.\d+",""\n$/.test(readFileSync(master, "utf8")), 5000, "the call's line in cdr-csv/Master.csv");
      } finally {
        await caller.stop();
        await callee.stop();
      }
    });

    it("1001 calls 600 (Echo) and hears its own tone back", async () => {
      const caller = await phone("1001", "127.0.0.2", 0, tone1000, false);
      try {
        await caller.command(`dial sip:600@${SERVER.ip}:${SERVER.port}`);
        await caller.waitEvent("CALL_ESTABLISHED", 10000);
        await caller.waitEvent("CALL_CLOSED", 20000);
        await sleep(500);
        assertHeard(caller, "1001", 1000, 3);
      } finally {
        await caller.stop();
      }
    });
  });
});
