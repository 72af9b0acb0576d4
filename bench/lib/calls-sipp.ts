/**
 * SIPp runners for `bench/calls.ts`, without message traces (tracing would throttle SIPp long
 * before the server): a foreground UAC that resolves with its final statistics, and a background
 * UAS that answers until it is stopped by PID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stopProcess, trackProcess } from "../../test/helpers/processes.js";

export interface SippStats {
  readonly code: number;
  readonly successful: number;
  readonly failed: number;
  /** Calls SIPp started (`OutGoing call created`). */
  readonly created: number;
  readonly retransmissions: number;
  readonly seconds: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The last value of a cumulative row in SIPp's final statistics screen. */
function cumulative(stdout: string, name: string): number {
  const re = new RegExp(`^\\s*${name}\\s*\\|[^|]*\\|\\s*(\\d+)`, "gm");
  let last = 0;
  for (let m = re.exec(stdout); m !== null; m = re.exec(stdout)) last = Number(m[1]);
  return last;
}

function retransmissions(stdout: string): number {
  // Per-message rows of the scenario screen: "  INVITE ---------->  12  3" (messages, retrans).
  let total = 0;
  for (const m of stdout.matchAll(/^\s+(?:INVITE|ACK|BYE|200|REGISTER)\s+(?:-+>|<-+)\s+\S*\s*(\d+)\s+(\d+)/gm)) total += Number(m[2]);
  return total;
}

export interface SippRun {
  readonly dir: string;
  readonly name: string;
  /** Scenario XML text. */
  readonly scenario: string;
  readonly args: readonly string[];
  /** Kill after this long. */
  readonly hardLimitMs: number;
}

/** Writes the scenario into `dir` and runs sipp there to completion. */
export async function runSippStats(r: SippRun): Promise<SippStats> {
  const sf = join(r.dir, `${r.name}.xml`);
  writeFileSync(sf, r.scenario);
  const started = performance.now();
  const proc = spawn("sipp", ["-sf", sf, "-nostdin", ...r.args], { cwd: r.dir, stdio: ["ignore", "pipe", "pipe"] });
  trackProcess(proc, `sipp-${r.name}`);
  let stdout = "";
  let stderr = "";
  proc.stdout.setEncoding("latin1").on("data", (d: string) => (stdout = (stdout + d).slice(-200_000)));
  proc.stderr.setEncoding("latin1").on("data", (d: string) => (stderr = (stderr + d).slice(-20_000)));
  const timer = setTimeout(() => proc.kill("SIGKILL"), r.hardLimitMs);
  const code = await new Promise<number>((resolve) => {
    proc.on("close", (c, signal) => resolve(c ?? (signal !== null ? 137 : 1)));
    proc.on("error", () => resolve(127));
  });
  clearTimeout(timer);
  return {
    code,
    successful: cumulative(stdout, "Successful call"),
    failed: cumulative(stdout, "Failed call"),
    created: cumulative(stdout, "OutGoing call created"),
    retransmissions: retransmissions(stdout),
    seconds: (performance.now() - started) / 1000,
    stdout,
    stderr,
  };
}

export interface BackgroundUas {
  readonly proc: ChildProcess;
  stop(): Promise<void>;
  output(): string;
}

/** Starts a UAS in the background; rejects if it exits during the first `startupMs`. */
export async function startUas(r: Omit<SippRun, "hardLimitMs">, startupMs = 400): Promise<BackgroundUas> {
  const sf = join(r.dir, `${r.name}.xml`);
  writeFileSync(sf, r.scenario);
  const proc = spawn("sipp", ["-sf", sf, "-nostdin", ...r.args], { cwd: r.dir, stdio: ["ignore", "pipe", "pipe"] });
  trackProcess(proc, `sipp-${r.name}`);
  let out = "";
  proc.stdout.setEncoding("latin1").on("data", (d: string) => (out = (out + d).slice(-50_000)));
  proc.stderr.setEncoding("latin1").on("data", (d: string) => (out = (out + d).slice(-50_000)));
  await new Promise((resolve) => setTimeout(resolve, startupMs));
  if (proc.exitCode !== null) throw new Error(`sipp ${r.name} exited at start-up (code ${proc.exitCode}):\n${out.slice(-2000)}`);
  return { proc, stop: () => stopProcess(proc, 2000), output: () => out };
}
