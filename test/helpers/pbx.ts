/**
 * Starts the real Switchboard server the way a user does (`node bin/switchboard.js start`),
 * with a config directory written by the test and a private data directory, waits until it is
 * ready, and gives the test the console (`-rx`), the log files and a clean stop/restart.
 *
 * Exit codes are checked: `stop()` and `restart()` fail unless the server exits 0 on SIGTERM, and
 * a server that exits on its own once it was ready fails the test file (in the root `after` hook
 * of processes.ts), so a crash after a suite's last assertion is still seen. A test that stops
 * the server itself (`core stop now`, SIGKILL) says so first with `expectExit()` or `kill()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeExit, reportUnexpectedExit, scratchDir, sleep, stopProcess, stopProcessCleanly, sweepStarted, trackProcess } from "./processes.js";
import { probeOptions } from "./sip-client.js";

/** Repository root (test/helpers/../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/**
 * The server entry point. SWITCHBOARD_TEST_BIN swaps it (e.g. for test/helpers/fake-pbx.mjs) to
 * check the harness and the tests themselves against a stand-in.
 */
const DEFAULT_BIN = resolve(REPO_ROOT, process.env.SWITCHBOARD_TEST_BIN ?? join("bin", "switchboard.js"));

export interface StartPbxOptions {
  /** File name → contents, written into a fresh config directory (e.g. `pjsip.conf`). */
  readonly configFiles: Readonly<Record<string, string>>;
  /** Reuse an existing data directory (restart tests); a fresh one otherwise. */
  readonly dataDir?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Address the UDP readiness probe comes from; defaults to 127.0.0.1. */
  readonly ip?: string;
  /** Run the server inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
  /** Entry script; defaults to bin/switchboard.js (the harness self-test passes a fake). */
  readonly bin?: string;
  readonly readyTimeoutMs?: number;
}

export interface RxResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Pbx {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly configDir: string;
  readonly dataDir: string;
  /** Scratch directory holding configDir, stdout.log and stderr.log. */
  readonly runDir: string;
  rx(command: string): Promise<RxResult>;
  /** Current contents of messages.log ("" when it does not exist yet). */
  messagesLog(): string;
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Tail of stdout, stderr and messages.log, for assertion messages. */
  diagnostics(): string;
  /** Resolves with how the server ended, once it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * SIGTERM, then asserts a clean shutdown: exit code 0 within 15 s, else throws with the stderr
   * tail. After `expectExit()`/`kill()` it only waits for the exit.
   */
  stop(): Promise<void>;
  /** Stops the server (asserting a clean shutdown, as stop()) and starts it again with the same config and data directories. */
  restart(): Promise<Pbx>;
  /** Declares that the server is about to exit because the test makes it (e.g. `core stop now`). */
  expectExit(): void;
  /** Kills the server on purpose (default SIGKILL, a crash) and waits until it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** How long stop() waits after SIGTERM before it kills the server and fails. */
const STOP_GRACE_MS = 15_000;

/** Runs `switchboard -rx COMMAND --data DIR` and collects its output. */
export function rxCommand(dataDir: string, command: string, bin = DEFAULT_BIN, timeoutMs = 15000): Promise<RxResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [bin, "-rx", command, "--data", dataDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    trackProcess(child, "switchboard-rx");
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal !== null ? 128 : 1), stdout, stderr });
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      resolvePromise({ code: 127, stdout, stderr: stderr + String(err) });
    });
  });
}

/** UDP transports declared in a pjsip.conf text: `bind=ip:port` of `protocol=udp` (or unset) sections. */
export function udpBinds(pjsipConfText: string): Array<{ ip: string; port: number }> {
  const out: Array<{ ip: string; port: number }> = [];
  for (const block of pjsipConfText.split(/^\[/m)) {
    if (!/^type\s*=\s*transport\s*$/m.test(block)) continue;
    const proto = /^protocol\s*=\s*(\S+)/m.exec(block)?.[1] ?? "udp";
    const bind = /^bind\s*=\s*([\d.]+):(\d+)/m.exec(block);
    if (proto === "udp" && bind?.[1] !== undefined && bind[2] !== undefined) out.push({ ip: bind[1], port: Number(bind[2]) });
  }
  return out;
}

function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/**
 * The tests' logger.conf unless a test brings its own: Asterisk's sample channels, with the
 * verbose lines of registrations, dialplan steps and Dial progress (level 3) in messages.log too,
 * where tests look for them.
 */
export const HARNESS_LOGGER_CONF = "[logfiles]\nconsole => notice,warning,error\nmessages.log => notice,warning,error,verbose(4)\n";

/** Starts a server and resolves once its console and SIP port answer. */
export async function startPbx(opts: StartPbxOptions): Promise<Pbx> {
  const runDir = scratchDir("pbx");
  const configDir = join(runDir, "config");
  mkdirSync(configDir, { recursive: true });
  // Without an rtp.conf the server would take RTP ports from Asterisk's default 5000-31000, the
  // same range the harness draws SIP ports from; a disjoint default keeps parallel servers apart.
  const files: Record<string, string> = { "rtp.conf": "[general]\nrtpstart=40000\nrtpend=44999\n", "logger.conf": HARNESS_LOGGER_CONF, ...opts.configFiles };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(configDir, name), text);
  const dataDir = opts.dataDir ?? join(runDir, "data");
  mkdirSync(dataDir, { recursive: true });
  return launch(opts, runDir, configDir, dataDir, 0);
}

async function launch(opts: StartPbxOptions, runDir: string, configDir: string, dataDir: string, generation: number): Promise<Pbx> {
  const bin = opts.bin ?? DEFAULT_BIN;
  const stdoutPath = join(runDir, `stdout.${generation}.log`);
  const stderrPath = join(runDir, `stderr.${generation}.log`);
  const nodeArgs = [...(process.env.SWITCHBOARD_NODE_ARGS ?? "").split(" ").filter(Boolean), bin, "start", "--config", configDir, "--data", dataDir];
  const [cmd, args] = opts.netns !== undefined ? ["ip", ["netns", "exec", opts.netns, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const proc = spawn(cmd, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, SWITCHBOARD_FROM_SOURCE: process.env.SWITCHBOARD_FROM_SOURCE ?? "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackProcess(proc, "switchboard");
  // The log files are complete only once both pipes have flushed and closed.
  const flushed = [proc.stdout, proc.stderr].map((stream, i) => {
    const file = createWriteStream(i === 0 ? stdoutPath : stderrPath);
    stream?.pipe(file);
    return new Promise<void>((r) => {
      file.once("close", () => r());
      file.once("error", () => r());
    });
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`could not spawn ${cmd}`);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once("exit", (code, signal) => r({ code, signal })));
  /** Waits (bounded) for the log files to hold everything the server wrote before it exited. */
  const logsComplete = async (): Promise<void> => {
    await Promise.race([Promise.all(flushed), sleep(2000)]);
  };

  const messagesPath = join(dataDir, "messages.log");
  const diagnostics = (): string =>
    [
      `--- switchboard pid ${pid}, run dir ${runDir}`,
      `--- stderr (tail)\n${tail(readOr(stderrPath))}`,
      `--- stdout (tail)\n${tail(readOr(stdoutPath))}`,
      `--- messages.log (tail)\n${tail(readOr(messagesPath))}`,
    ].join("\n");

  // Until it is ready an early exit is startPbx's failure; afterwards only stop()/kill()/
  // expectExit() may end the server, anything else is a crash the test file must fail on.
  let ready = false;
  let exitExpected = false;
  let withdrawReport: (() => void) | undefined;
  void exited.then((status) => {
    if (!ready || exitExpected) return;
    withdrawReport = reportUnexpectedExit(async () => {
      await logsComplete();
      return `switchboard (pid ${pid}) exited on its own with ${describeExit(status)} while the tests still used it\n${diagnostics()}`;
    });
  });

  const stop = async (): Promise<void> => {
    const wasExpected = exitExpected;
    const before = proc.exitCode !== null || proc.signalCode !== null ? { code: proc.exitCode, signal: proc.signalCode } : undefined;
    exitExpected = true;
    if (wasExpected) {
      await stopProcess(proc, STOP_GRACE_MS);
      return;
    }
    if (before !== undefined) {
      // It had already died: this test fails here, so the after hook need not report it again.
      await exited;
      withdrawReport?.();
      await logsComplete();
      // A root-level after() of the test file runs after the safety net's own (registered
      // first, when processes.ts was imported), which has killed the server by then.
      const hint = sweepStarted() ? " (killed by the safety net: stop servers in a describe-level after hook or in the test)" : "";
      throw new Error(`switchboard (pid ${pid}) had already exited with ${describeExit(before)} before stop()${hint}\n${diagnostics()}`);
    }
    // A clean stop takes well under a second; the grace is generous so that load cannot trip it.
    await stopProcessCleanly(
      proc,
      `switchboard (pid ${pid})`,
      async () => {
        await logsComplete();
        return diagnostics();
      },
      STOP_GRACE_MS,
    );
  };

  const pbx: Pbx = {
    proc,
    pid,
    configDir,
    dataDir,
    runDir,
    exited,
    rx: (command) => rxCommand(dataDir, command, bin),
    messagesLog: () => readOr(messagesPath),
    async waitForLog(re, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = readOr(messagesPath);
        const line = text.split("\n").find((l) => re.test(l));
        if (line !== undefined) return line;
        if (Date.now() > deadline) throw new Error(`no line matching ${re} in messages.log after ${timeoutMs} ms\n${diagnostics()}`);
        await sleep(50);
      }
    },
    diagnostics,
    stop,
    async restart() {
      await stop();
      return launch(opts, runDir, configDir, dataDir, generation + 1);
    },
    expectExit() {
      exitExpected = true;
    },
    async kill(signal = "SIGKILL") {
      exitExpected = true;
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };

  try {
    await waitReady(pbx, opts, bin);
  } catch (err) {
    exitExpected = true;
    await stopProcess(proc, 1000);
    await logsComplete();
    throw new Error(`${(err as Error).message}\n${diagnostics()}`);
  }
  ready = true;
  return pbx;
}

async function waitReady(pbx: Pbx, opts: StartPbxOptions, bin: string): Promise<void> {
  const timeoutMs = opts.readyTimeoutMs ?? 20000;
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  pbx.proc.once("exit", () => (exited = true));
  let last: RxResult | undefined;
  const started = Date.now();
  for (;;) {
    if (exited || pbx.proc.exitCode !== null) {
      throw new Error(`switchboard exited early (code ${pbx.proc.exitCode}, signal ${pbx.proc.signalCode})`);
    }
    // Spawning -rx costs a Node start-up; wait for the socket file first, but not forever, in
    // case the server keeps its socket elsewhere.
    if (existsSync(join(pbx.dataDir, "switchboard.ctl")) || Date.now() - started > 3000) {
      last = await rxCommand(pbx.dataDir, "core show version", bin, 5000);
      if (last.code === 0) break;
    }
    if (Date.now() > deadline) {
      throw new Error(`switchboard not ready after ${timeoutMs} ms (last -rx: code ${last?.code}, ${last?.stderr.trim()})`);
    }
    await sleep(100);
  }
  if (opts.netns !== undefined) return;
  const conf = opts.configFiles["pjsip.conf"];
  for (const bind of conf === undefined ? [] : udpBinds(conf)) {
    const target = bind.ip === "0.0.0.0" ? "127.0.0.1" : bind.ip;
    const remaining = Math.max(1000, deadline - Date.now());
    const answered = await probeOptions({ ip: target, port: bind.port }, opts.ip ?? "127.0.0.1", remaining);
    if (!answered) throw new Error(`SIP port udp:${target}:${bind.port} did not answer OPTIONS within ${remaining} ms`);
  }
}

/** The names of the PBX's live channels (`core show channels concise`), for leak checks after a call. */
export async function channelNames(pbx: Pick<Pbx, "rx">): Promise<string[]> {
  const out = (await pbx.rx("core show channels concise")).stdout;
  return out.split("\n").filter((l) => l.startsWith("PJSIP/")).map((l) => l.split("!")[0] ?? "");
}
