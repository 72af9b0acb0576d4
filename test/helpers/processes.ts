/**
 * Bookkeeping for every process and scratch directory a test starts. Helpers register what they
 * spawn here; a root-level `after` hook and a process `exit` handler kill whatever is still
 * running, by PID, so a failing test never leaves a PBX or a phone behind to steal the next
 * test's registrations.
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
  proc.once("exit", () => tracked.delete(pid));
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

/**
 * Stops one child: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited.
 */
export async function stopProcess(proc: ChildProcess, graceMs = 5000): Promise<void> {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Kills every tracked process immediately and runs the registered cleanups (synchronous). */
export function killAllTracked(): void {
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
  after(() => {
    killAllTracked();
  });
}
process.once("exit", () => {
  killAllTracked();
  removeScratch();
});
