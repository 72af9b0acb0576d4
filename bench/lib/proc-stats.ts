/**
 * CPU time and resident memory of a process from /proc (Linux), for benchmark tables.
 * /proc/<pid>/stat fields 14 and 15 are utime and stime in clock ticks (proc(5)).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface CpuSample {
  /** utime + stime in seconds. */
  readonly cpuSeconds: number;
  /** Wall-clock time of the sample, in seconds. */
  readonly wallSeconds: number;
}

export function sampleCpu(pid: number): CpuSample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces; fields after its closing parenthesis are safe.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return { cpuSeconds: (utime + stime) / clockTicks(), wallSeconds: performance.now() / 1000 };
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(a: CpuSample, b: CpuSample): number {
  const wall = b.wallSeconds - a.wallSeconds;
  return wall > 0 ? ((b.cpuSeconds - a.cpuSeconds) / wall) * 100 : 0;
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? "0");
  return kb * 1024;
}

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
