/**
 * REGISTER throughput benchmark (`npm run bench:register`): starts the server with 10,000
 * endpoints, fills every AOR once, then runs SIPp REGISTER+digest at rising rates and prints
 * successes, failures, server CPU and RSS per step, the highest rate with < 1 % failures, and the
 * memory cost per 1,000 contacts. Runs in about two to three minutes.
 *
 * Environment: BENCH_USERS (default 10000), BENCH_RATES (e.g. "500,1000,2000"), BENCH_STEP_SECONDS (10),
 * BENCH_LOGGER_CONF (the logger.conf text; default the embedded one, Asterisk's sample channels).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EMBEDDED_LOGGER_CONF } from "../src/config/logger/logger-sample.js";
import { startPbx } from "../test/helpers/pbx.js";
import { freePort } from "../test/helpers/ports.js";
import { scratchDir } from "../test/helpers/processes.js";
import { objectsFound } from "../test/helpers/cli-output.js";
import { benchPjsipConf, injectionCsv, makeUsers, runRegisterLoad } from "./lib/register-load.js";
import { cpuPercent, mib, rssBytes, sampleCpu } from "./lib/proc-stats.js";

const SERVER_IP = "127.0.0.1";
const CLIENT_IP = "127.0.0.50";
const userCount = Number(process.env.BENCH_USERS ?? 10000);
const rates = (process.env.BENCH_RATES ?? "500,1000,2000,3000,4000,6000,8000").split(",").map(Number);
const stepSeconds = Number(process.env.BENCH_STEP_SECONDS ?? 10);

interface Row {
  rate: number;
  ok: number;
  failed: number;
  failurePct: number;
  achieved: number;
  cpuPct: number;
  rss: number;
}

function pad(v: string | number, w: number): string {
  return String(v).padStart(w);
}

async function main(): Promise<void> {
  const users = makeUsers(userCount);
  const port = await freePort(SERVER_IP);
  const dir = scratchDir("bench-register");
  writeFileSync(join(dir, "users.csv"), injectionCsv(users));
  process.stdout.write(`starting switchboard with ${userCount} endpoints on ${SERVER_IP}:${port} …\n`);
  const t0 = performance.now();
  // --expose-gc lets `core show memory gc` measure the live heap rather than garbage.
  process.env.SWITCHBOARD_NODE_ARGS = `${process.env.SWITCHBOARD_NODE_ARGS ?? ""} --expose-gc`.trim();
  const pbx = await startPbx({ configFiles: {
      "pjsip.conf": benchPjsipConf(SERVER_IP, port, users),
      // The load generator sends thousands of REGISTERs/s from one address: whitelist it, or the
      // guard (on by default) rightly bans it as a flood.
      "guard.conf": `[general]\nwhitelist=${CLIENT_IP}/32\n`,
      // Asterisk's sample logging (the embedded default's): a successful REGISTER writes no line.
      "logger.conf": process.env.BENCH_LOGGER_CONF ?? EMBEDDED_LOGGER_CONF,
    }, readyTimeoutMs: 60000 });
  process.stdout.write(`ready in ${((performance.now() - t0) / 1000).toFixed(1)} s, pid ${pbx.pid}\n`);
  const target = `${SERVER_IP}:${port}`;
  const localPort = await freePort(CLIENT_IP);
  try {
    // Fill: one REGISTER per user at a moderate rate, to measure the memory cost of contacts.
    const heapUsed = async (): Promise<number> => {
      const out = (await pbx.rx("core show memory gc")).stdout;
      return Number(/Heap used:\s+(\d+) KiB/.exec(out)?.[1] ?? NaN) * 1024;
    };
    const baseline = rssBytes(pbx.pid);
    const heapBaseline = await heapUsed();
    const fillRate = Math.min(1000, userCount);
    const fill = await runRegisterLoad({ dir, target, localIp: CLIENT_IP, localPort, rate: fillRate, calls: userCount, maxSeconds: Math.ceil(userCount / fillRate) + 20 });
    // Server transactions linger for Timer J (64*T1 = 32 s) to absorb retransmissions; wait them
    // out so the figure is the cost of the contacts alone.
    process.stdout.write("fill done; waiting 34 s for Timer J to release the fill's transactions …\n");
    await new Promise((r) => setTimeout(r, 34_000));
    const heapAfterFill = await heapUsed();
    const afterFill = rssBytes(pbx.pid);
    const shown = await pbx.rx("pjsip show contacts");
    const contacts = objectsFound(shown.stdout) ?? fill.successful;
    process.stdout.write(`fill: ${fill.successful} registered, ${fill.failed} failed; contacts listed: ${contacts}\n`);

    const rows: Row[] = [];
    for (const rate of rates) {
      const calls = rate * stepSeconds;
      const before = sampleCpu(pbx.pid);
      const r = await runRegisterLoad({ dir, target, localIp: CLIENT_IP, localPort, rate, calls, maxSeconds: stepSeconds * 2 + 10 });
      const afterCpu = sampleCpu(pbx.pid);
      const row: Row = {
        rate, ok: r.successful, failed: r.failed,
        failurePct: (r.failed / Math.max(1, calls)) * 100,
        achieved: r.successful / Math.max(0.001, r.elapsedSeconds),
        cpuPct: cpuPercent(before, afterCpu), rss: rssBytes(pbx.pid),
      };
      rows.push(row);
      process.stdout.write(`  ${rate}/s: ${row.ok} ok, ${row.failed} failed (${row.failurePct.toFixed(2)} %), cpu ${row.cpuPct.toFixed(0)} %\n`);
      if (row.failurePct > 20) break; // far past saturation: the next steps add nothing but time
    }

    const lines = [
      "",
      `REGISTER + digest, ${userCount} endpoints, max_contacts=1, ${stepSeconds} s per step (sipp from ${CLIENT_IP})`,
      "",
      `${pad("rate/s", 7)} ${pad("successful", 11)} ${pad("failed", 8)} ${pad("fail %", 7)} ${pad("done/s", 8)} ${pad("CPU %", 6)} ${pad("RSS", 11)}`,
      ...rows.map((r) => `${pad(r.rate, 7)} ${pad(r.ok, 11)} ${pad(r.failed, 8)} ${pad(r.failurePct.toFixed(2), 7)} ${pad(r.achieved.toFixed(0), 8)} ${pad(r.cpuPct.toFixed(0), 6)} ${pad(mib(r.rss), 11)}`),
      "",
    ];
    // A step counts only if the server kept up: < 1 % failures and at least 95 % of the offered rate done.
    const best = rows.filter((r) => r.failurePct < 1 && r.achieved >= 0.95 * r.rate).reduce<Row | undefined>((a, r) => (a === undefined || r.rate > a.rate ? r : a), undefined);
    lines.push(`highest sustained rate with < 1 % failures: ${best === undefined ? "none" : `${best.rate}/s (CPU ${best.cpuPct.toFixed(0)} % of one core)`}`);
    const perThousand = contacts > 0 ? ((afterFill - baseline) / contacts) * 1000 : NaN;
    lines.push(`RSS: ${mib(baseline)} before fill, ${mib(afterFill)} with ${contacts} contacts → ${(perThousand / 1024).toFixed(0)} KiB per 1,000 contacts`);
    const heapPerContact = contacts > 0 ? (heapAfterFill - heapBaseline) / contacts : NaN;
    lines.push(`V8 heap after GC: ${mib(heapBaseline)} before fill, ${mib(heapAfterFill)} after → ${(heapPerContact / 1024).toFixed(2)} KiB per contact (${((heapPerContact * 1000) / 1024).toFixed(0)} KiB per 1,000 contacts)`);
    process.stdout.write(lines.join("\n") + "\n");
  } finally {
    await pbx.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:register failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
