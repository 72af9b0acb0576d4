/**
 * Bookkeeping for every process and scratch directory a test starts. Helpers register what they
 * spawn here; a root-level `after` hook and a process `exit` handler kill whatever is still
 * running, by PID, so a failing test never leaves a PBX or a phone behind to steal the next
 * test's registrations. The same hook fails the test file when a server exited on its own while
 * the tests still used it (see reportUnexpectedExit), and the `exit` handler removes the scratch
 * directories, so nothing is left in /tmp.
 */
import { after } from "node:test";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Tracked {
  readonly proc: ChildProcess;
  readonly name: string;
}

const tracked = new Map<number, Tracked>();
const cleanups: Array<() => void> = [];
const scratchDirs: string[] = [];

/** Remembers a spawned child until it exits. */
export function trackProcess(proc: ChildProcess, name: string): void {
  const pid = proc.pid;
  if (pid === undefined) return;
  tracked.set(pid, { proc, name });
  proc.once("exit", () => {
    tracked.delete(pid);
    // A grandchild that inherited the pipes (a daemon's worker) keeps them open after the child
    // is gone, and an open pipe keeps the test file's process alive for ever: let go of them.
    setTimeout(() => {
      for (const stream of [proc.stdin, proc.stdout, proc.stderr]) if (stream !== null && !stream.destroyed) stream.destroy();
    }, 2000).unref();
  });
}

/** Registers a synchronous cleanup (e.g. deleting a network namespace) for the safety net. */
export function onCleanup(fn: () => void): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** True while the process with this PID exists (signal 0 probes without delivering anything). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Names of tracked processes that are still running (for leak assertions). */
export function runningTracked(): string[] {
  return [...tracked.entries()].filter(([pid]) => isRunning(pid)).map(([pid, t]) => `${t.name}(${pid})`);
}

/** How a child ended; `forced` when it ignored SIGTERM and had to be killed. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly forced: boolean;
}

/** Stops one child: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
export async function stopProcess(proc: ChildProcess, graceMs = 5000): Promise<void> {
  await terminateProcess(proc, graceMs);
}

/**
 * stopProcess() that also tells how the child ended (a child that had already exited resolves at
 * once with its status).
 */
export async function terminateProcess(proc: ChildProcess, graceMs = 5000): Promise<ExitStatus> {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) {
    return { code: proc.exitCode, signal: proc.signalCode, forced: false };
  }
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  let forced = false;
  proc.kill("SIGTERM");
  const timer = setTimeout(() => {
    if (proc.exitCode === null && proc.signalCode === null) {
      forced = true;
      proc.kill("SIGKILL");
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
  return { code: proc.exitCode, signal: proc.signalCode, forced };
}

/** "exit code 3", "signal SIGSEGV": how a process ended, for failure messages. */
export function describeExit(status: { code: number | null; signal: NodeJS.Signals | null }): string {
  return status.signal !== null ? `signal ${status.signal}` : `exit code ${status.code}`;
}

/**
 * Stops a server with SIGTERM and asserts a clean shutdown: it exits by itself within `graceMs`
 * with exit code 0. Otherwise throws, with `diagnostics()` (e.g. its stderr tail) in the message,
 * so a crash during shutdown fails the test that stopped it.
 */
export async function stopProcessCleanly(proc: ChildProcess, what: string, diagnostics: () => string | Promise<string>, graceMs = 5000): Promise<void> {
  const status = await terminateProcess(proc, graceMs);
  if (status.forced) throw new Error(`${what} did not exit within ${graceMs} ms of SIGTERM and was killed\n${await diagnostics()}`);
  if (status.code !== 0) throw new Error(`${what} did not shut down cleanly on SIGTERM: ${describeExit(status)}\n${await diagnostics()}`);
}

/** Exits that no test asked for (a server crashing mid-test), failed in the file's root `after` hook. */
const unexpectedExits: Array<() => string | Promise<string>> = [];
/** Set while the safety net kills what is left, whose exits are then expected. */
let sweeping = false;

/** True once the safety net has started killing what is left (the file's tests are over). */
export function sweepStarted(): boolean {
  return sweeping;
}

/**
 * Records that a process a test relied on exited on its own. The test file then fails in its
 * root `after` hook with `describe()`'s text, even if every assertion had already passed.
 * Ignored while the safety net itself is killing processes. Returns a function that withdraws
 * the report (when the test itself has already failed on this exit).
 */
export function reportUnexpectedExit(describe: () => string | Promise<string>): () => void {
  if (!sweeping) unexpectedExits.push(describe);
  return () => {
    const i = unexpectedExits.indexOf(describe);
    if (i >= 0) unexpectedExits.splice(i, 1);
  };
}

/** Throws one error describing every unexpected exit reported so far (and forgets them). */
export async function assertNoUnexpectedExits(): Promise<void> {
  const found = unexpectedExits.splice(0);
  if (found.length === 0) return;
  const texts = await Promise.all(found.map((d) => d()));
  throw new Error(`${found.length} process(es) exited while the tests still needed them:\n${texts.join("\n\n")}`);
}

/** Kills every tracked process immediately and runs the registered cleanups (synchronous). */
export function killAllTracked(): void {
  sweeping = true;
  for (const [pid, t] of tracked) {
    try {
      if (t.proc.exitCode === null && t.proc.signalCode === null) process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  tracked.clear();
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      fn();
    } catch {
      // A cleanup failing must not stop the others.
    }
  }
}

/** Spawns a child, tracks it, and returns it. */
export function spawnTracked(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  trackProcess(proc, name);
  return proc;
}

/** A fresh scratch directory under the OS temp dir; removed at exit unless KEEP_TEST_TMP=1. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sw-${prefix}-`));
  scratchDirs.push(dir);
  return dir;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined/false. */
export async function waitUntil<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function removeScratch(): void {
  if (process.env.KEEP_TEST_TMP === "1") return;
  for (const dir of scratchDirs.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort.
    }
  }
}

// The hook is registered while this module is first evaluated, i.e. at the top level of the test
// file that imports it, so it belongs to the file's root and runs after all of its tests. Scripts
// outside the test runner (benchmarks) skip it: a hook would make node:test print a report.
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  after(async () => {
    // Collected before the sweep: the kills below are expected exits.
    const check = assertNoUnexpectedExits();
    killAllTracked();
    await check;
  });
}
process.once("exit", () => {
  killAllTracked();
  removeScratch();
});
