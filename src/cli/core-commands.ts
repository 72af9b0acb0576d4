/**
 * The `core …` console commands that belong to the PBX as a whole: version, uptime, settings,
 * reload and stop. Layouts follow Asterisk's so operators and scripts find what they expect.
 */
import { hostname, machine, type as osType, userInfo } from "node:os";
import { systemClock, type Clock } from "../core/clock.js";
import type { CommandRegistrar } from "../core/commands.js";
import { CliUsageError, type CliCommand } from "./registry.js";
import { buildDate } from "./version.js";

export interface CoreInfo {
  version: string;
  /** Epoch milliseconds when the PBX started. */
  startedAt: number;
  /** Epoch milliseconds of the last configuration (re)load. */
  lastReloadAt: number;
  /** Rows for `core show settings`, in display order: label → value. */
  settings(): Record<string, string>;
  /** Reloads configuration and returns the text to print. */
  reload(): Promise<string>;
  /** Shuts the PBX down. */
  stop(): Promise<void>;
}

export interface CoreCommandOptions {
  clock?: Clock;
  /** Delay between replying "Shutting down" and stopping, so the reply reaches the console first. */
  stopDelayMs?: number;
}

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [365 * 24 * 3600, "year"],
  [7 * 24 * 3600, "week"],
  [24 * 3600, "day"],
  [3600, "hour"],
  [60, "minute"],
  [1, "second"],
];

/** "1 hour, 2 minutes, 3 seconds", Asterisk's uptime wording; "<1 second" when under one. */
export function formatDuration(totalSeconds: number): string {
  let rest = Math.max(0, Math.floor(totalSeconds));
  if (rest === 0) return "<1 second";
  const parts: string[] = [];
  for (const [size, name] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? "" : "s"}`);
  }
  return parts.join(", ");
}

/**
 * The single `core show version` line, shaped like Asterisk's (`Asterisk 22.10.1 built by root @
 * vm on a x86_64 running Linux on 2026-12-01 21:42:55 UTC`) so scripts that read it keep working.
 */
export function versionLine(version: string, built = buildDate()): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): keep "unknown".
  }
  return `Switchboard ${version} built by ${user} @ ${hostname()} on a ${machine()} running ${osType()} on ${built}`;
}

function noArgs(ctx: { args: string[] }): void {
  if (ctx.args.length > 0) throw new CliUsageError();
}

/** Registers the core commands; returns the function that removes them again. */
export function registerCoreCommands(registry: CommandRegistrar, info: CoreInfo, opts: CoreCommandOptions = {}): () => void {
  const clock = opts.clock ?? systemClock;
  const stopDelayMs = opts.stopDelayMs ?? 100;
  let stopping = false;

  const commands: CliCommand[] = [
    {
      command: "core show version",
      summary: "Display version info",
      usage: "Usage: core show version\n       Shows Switchboard version information.\n",
      handler: (ctx) => {
        noArgs(ctx);
        return versionLine(info.version) + "\n";
      },
    },
    {
      command: "core show uptime",
      summary: "Show uptime information",
      usage: "Usage: core show uptime [seconds]\n       Shows Switchboard uptime information.\n       The seconds word returns the uptime in seconds only.\n",
      complete: (ctx) => (ctx.args.length === 0 ? ["seconds"] : []),
      handler: (ctx) => {
        const bare = ctx.args.length === 1 && ctx.args[0]?.toLowerCase() === "seconds";
        if (ctx.args.length > 0 && !bare) throw new CliUsageError();
        const now = clock.now();
        const up = Math.floor((now - info.startedAt) / 1000);
        const reload = Math.floor((now - info.lastReloadAt) / 1000);
        if (bare) return `System uptime: ${up}\nLast reload: ${reload}\n`;
        return `System uptime: ${formatDuration(up)}\nLast reload: ${formatDuration(reload)}\n`;
      },
    },
    {
      command: "core show settings",
      summary: "Show some core settings",
      usage: "Usage: core show settings\n       Shows the PBX core settings.\n",
      handler: (ctx) => {
        noArgs(ctx);
        const rows = Object.entries(info.settings()).map(([k, v]) => `  ${`${k}:`.padEnd(29)}${v}\n`);
        return `\nPBX Core settings\n-----------------\n${rows.join("")}`;
      },
    },
    {
      command: "core show memory",
      summary: "Show memory use of the PBX process",
      usage:
        "Usage: core show memory [gc]\n       Shows the process memory (RSS, V8 heap). With 'gc', runs a full garbage collection\n       first when the process was started with --expose-gc (benchmarks do this).\n",
      complete: (ctx) => (ctx.args.length === 0 ? ["gc"] : []),
      handler: (ctx) => {
        const wantGc = ctx.args[0]?.toLowerCase() === "gc";
        if (ctx.args.length > 1 || (ctx.args.length === 1 && !wantGc)) throw new CliUsageError();
        const gc = (globalThis as { gc?: () => void }).gc;
        if (wantGc && gc) gc();
        const m = process.memoryUsage();
        const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
        const rows: Array<[string, string]> = [
          ["RSS", kib(m.rss)],
          ["Heap used", kib(m.heapUsed)],
          ["Heap total", kib(m.heapTotal)],
          ["External", kib(m.external)],
          ["Array buffers", kib(m.arrayBuffers)],
          ["Garbage collected", wantGc ? (gc ? "yes" : "no (start node with --expose-gc)") : "no"],
        ];
        return rows.map(([k, v]) => `  ${`${k}:`.padEnd(20)}${v}\n`).join("");
      },
    },
    {
      command: "core reload",
      summary: "Global reload",
      usage: "Usage: core reload\n       Execute a global reload.\n",
      handler: async (ctx) => {
        noArgs(ctx);
        return info.reload();
      },
    },
    {
      command: "core stop now",
      summary: "Shut down Switchboard immediately",
      usage: "Usage: core stop now\n       Shuts down a running Switchboard immediately, hanging up all active calls.\n",
      handler: (ctx) => {
        noArgs(ctx);
        if (stopping) return "Shutdown already in progress\n";
        stopping = true;
        // Stop only after the reply had a chance to reach the console that asked.
        clock.setTimeout(() => {
          info.stop().catch(() => {});
        }, stopDelayMs);
        return "Shutting down\n";
      },
    },
  ];
  const removers = commands.map((c) => registry.register(c));
  return () => {
    for (const r of removers.reverse()) r();
  };
}
