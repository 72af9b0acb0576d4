/**
 * Guard benchmark (`npm run bench:guard`): how many packets per second from banned addresses the
 * server absorbs on one core while legitimate REGISTER + digest traffic keeps < 1 % failures.
 *
 * Set-up: the server is pinned to core 0 (taskset, when available); flood senders and SIPp run on
 * the other cores. Eight addresses (127.0.0.101–108) are banned from the console, then flood
 * senders (bench/lib/udp-flood.ts) blast valid-looking REGISTER datagrams from them at rising
 * rates while SIPp registers users from 127.0.0.50 at a fixed rate. 127.0.0.50 is whitelisted
 * (as a trunk or SBC would be): one address sending hundreds of registrations a second would
 * otherwise trip rate_limit, which is not what this benchmark measures.
 *
 * Per step it prints the offered and sent flood rates, the rate the guard reports dropping
 * (`Packets dropped` in `security show stats`), the legitimate successes and failures, and the
 * server's CPU. Packets the guard never saw were dropped by the kernel (socket buffer full).
 *
 * Environment: BENCH_FLOOD_RATES (pps per step, "0" = none, "max" = unpaced; default
 * "0,20000,50000,100000,200000,max"), BENCH_LEGIT_RATE (REGISTER/s, default 200),
 * BENCH_STEP_SECONDS (default 10), BENCH_SENDERS (flood processes, default 2).
 */
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, startPbx, type Pbx } from "../test/helpers/pbx.js";
import { freePort } from "../test/helpers/ports.js";
import { scratchDir } from "../test/helpers/processes.js";
import { droppedCount, guardConf } from "../test/helpers/guard-harness.js";
import { benchPjsipConf, injectionCsv, makeUsers, runRegisterLoad, type LoadResult } from "./lib/register-load.js";
import { cpuPercent, sampleCpu } from "./lib/proc-stats.js";
import type { FloodInput, FloodOutput } from "./lib/udp-flood.js";

const SERVER_IP = "127.0.0.1";
const LEGIT_IP = "127.0.0.50";
const BANNED = Array.from({ length: 8 }, (_, i) => `127.0.0.${101 + i}`);
const floodRates = (process.env.BENCH_FLOOD_RATES ?? "0,20000,50000,100000,200000,max").split(",").map((r) => (r.trim() === "max" ? -1 : Number(r)));
const legitRate = Number(process.env.BENCH_LEGIT_RATE ?? 200);
const stepSeconds = Number(process.env.BENCH_STEP_SECONDS ?? 10);
const senders = Math.max(1, Number(process.env.BENCH_SENDERS ?? 2));

interface Row {
  offered: string;
  sentPps: number;
  droppedPps: number;
  legitOk: number;
  legitFailed: number;
  failPct: number;
  cpuPct: number;
}

const pad = (v: string | number, w: number): string => String(v).padStart(w);

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["--version"], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of `pid` to `cpus` (e.g. "0"); false when taskset is missing or refuses. */
function pin(pid: number, cpus: string): boolean {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

function runFlood(input: FloodInput, cpus: string | undefined): Promise<FloodOutput> {
  const script = join(REPO_ROOT, "bench", "lib", "udp-flood.ts");
  const nodeArgs = ["--import", "tsx", script, JSON.stringify(input)];
  const [cmd, args] = cpus !== undefined ? ["taskset", ["-c", cpus, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), (input.seconds + 20) * 1000);
    child.on("close", (code) => {
      clearTimeout(killer);
      try {
        resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as FloodOutput);
      } catch {
        reject(new Error(`udp-flood exited ${code}: ${stderr.slice(-1000)}`));
      }
    });
  });
}

async function dropped(pbx: Pbx): Promise<number> {
  const r = await pbx.rx("security show stats");
  const n = droppedCount(r.stdout);
  if (n === undefined) throw new Error(`no dropped-packets counter in 'security show stats':\n${r.stdout}`);
  return n;
}

async function main(): Promise<void> {
  const users = makeUsers(500);
  const port = await freePort(SERVER_IP);
  const dir = scratchDir("bench-guard");
  writeFileSync(join(dir, "users.csv"), injectionCsv(users));
  const pbx = await startPbx({
    configFiles: {
      "pjsip.conf": benchPjsipConf(SERVER_IP, port, users),
      "guard.conf": guardConf({ whitelist: `${LEGIT_IP}/32`, bantime: 3600 }),
    },
    readyTimeoutMs: 60000,
  });
  const cores = Number(execFileSync("nproc", { encoding: "utf8" }).trim()) || 1;
  const pinned = cores > 1 && hasTaskset() && pin(pbx.pid, "0");
  const others = pinned ? `1-${cores - 1}` : undefined;
  process.stdout.write(`switchboard pid ${pbx.pid} on ${SERVER_IP}:${port}; ${pinned ? "pinned to core 0, load on cores " + others : "not pinned"}; ${cores} cores\n`);
  const target = `${SERVER_IP}:${port}`;
  const localPort = await freePort(LEGIT_IP);
  const rows: Row[] = [];
  try {
    for (const ip of BANNED) {
      const r = await pbx.rx(`security ban ${ip} 3600`);
      if (!new RegExp(`Banned ${ip.replace(/\./g, "\\.")}`).test(r.stdout)) throw new Error(`'security ban ${ip}' said: ${r.stdout}${r.stderr}`);
    }
    // Warm-up: fill the registrar once so every step measures re-registrations.
    await runRegisterLoad({ dir, target, localIp: LEGIT_IP, localPort, rate: legitRate, calls: users.length, maxSeconds: 30 });

    for (const rate of floodRates) {
      const offered = rate < 0 ? "max" : String(rate);
      const droppedBefore = await dropped(pbx);
      const cpuBefore = sampleCpu(pbx.pid);
      const perSender = rate < 0 ? 0 : Math.ceil(rate / senders);
      const floods: Array<Promise<FloodOutput>> = rate === 0 ? [] : Array.from({ length: senders }, (_, i) => runFlood({
        target, sources: BANNED.filter((_, k) => k % senders === i), pps: perSender, seconds: stepSeconds + 2,
      }, others));
      // Let the senders reach their rate before the legitimate load starts.
      if (floods.length > 0) await new Promise((r) => setTimeout(r, 1500));
      const legit: LoadResult = await runRegisterLoad({ dir, target, localIp: LEGIT_IP, localPort, rate: legitRate, calls: legitRate * stepSeconds, maxSeconds: stepSeconds + 15 });
      const results = await Promise.all(floods);
      const cpuAfter = sampleCpu(pbx.pid);
      const droppedAfter = await dropped(pbx);
      const sent = results.reduce((a, r) => a + r.sent, 0);
      const floodSeconds = results.reduce((a, r) => Math.max(a, r.seconds), 0);
      const row: Row = {
        offered,
        sentPps: floodSeconds > 0 ? sent / floodSeconds : 0,
        droppedPps: floodSeconds > 0 ? (droppedAfter - droppedBefore) / floodSeconds : 0,
        legitOk: legit.successful, legitFailed: legit.failed,
        failPct: (legit.failed / Math.max(1, legitRate * stepSeconds)) * 100,
        cpuPct: cpuPercent(cpuBefore, cpuAfter),
      };
      rows.push(row);
      process.stdout.write(`  flood ${offered}/s: sent ${row.sentPps.toFixed(0)}/s, guard dropped ${row.droppedPps.toFixed(0)}/s; legit ${row.legitOk} ok, ${row.legitFailed} failed (${row.failPct.toFixed(2)} %); server CPU ${row.cpuPct.toFixed(0)} %\n`);
    }
  } finally {
    await pbx.stop();
  }

  const lines = [
    "",
    `Flood from ${BANNED.length} banned addresses (${senders} sender processes) + legitimate REGISTER+digest at ${legitRate}/s from ${LEGIT_IP}, ${stepSeconds} s per step`,
    "",
    `${pad("flood/s", 8)} ${pad("sent/s", 9)} ${pad("dropped/s", 10)} ${pad("legit ok", 9)} ${pad("failed", 7)} ${pad("fail %", 7)} ${pad("CPU %", 6)}`,
    ...rows.map((r) => `${pad(r.offered, 8)} ${pad(r.sentPps.toFixed(0), 9)} ${pad(r.droppedPps.toFixed(0), 10)} ${pad(r.legitOk, 9)} ${pad(r.legitFailed, 7)} ${pad(r.failPct.toFixed(2), 7)} ${pad(r.cpuPct.toFixed(0), 6)}`),
    "",
  ];
  const ok = rows.filter((r) => r.failPct < 1 && r.offered !== "0");
  const best = ok.reduce<Row | undefined>((a, r) => (a === undefined || r.droppedPps > a.droppedPps ? r : a), undefined);
  lines.push(
    best === undefined
      ? "no flood step kept legitimate failures below 1 %"
      : `highest flood absorbed with < 1 % legitimate failures: ${best.droppedPps.toFixed(0)} packets/s dropped by the guard (${best.sentPps.toFixed(0)}/s sent, offered ${best.offered}/s), server CPU ${best.cpuPct.toFixed(0)} %`,
  );
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:guard failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
