/**
 * Calls benchmark (`npm run bench:calls`), two parts:
 *
 * (a) Call setups per second through the B2BUA: SIPp UAC (127.0.0.2, identified by address) →
 *     Switchboard (127.0.0.1) → SIPp UAS registered as 1002 (127.0.0.3). Short calls (INVITE,
 *     200, ACK, 1 s, BYE) at rising rates until more than 1 % fail; prints the highest rate with
 *     < 1 % failures.
 * (b) Concurrent G.711 calls with RTP both ways (SIPp `rtp_stream`, 50 packets/s per direction)
 *     held ~20 s at 50, 100, 200 calls: server CPU (whole process: signalling thread + media
 *     workers, % of one core) and per call, relayed packets/s and relay loss from the console's
 *     `pjsip show channelstats` counters, and the jitter the relay adds (tshark `rtp,streams`
 *     over a short capture on lo: mean jitter of the streams leaving the relay minus the streams
 *     entering it).
 *
 * SIPp, the server and the capture share the machine's cores, so the figures are a floor.
 * Environment: BENCH_CPS_RATES ("10,20,50,100,200,400,600,800,1000,1200,1500"), BENCH_CPS_SECONDS (4),
 * BENCH_CONCURRENT ("50,100,200"), BENCH_HOLD_SECONDS (20), BENCH_PART ("a", "b" or both).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { startPbx, type Pbx } from "../test/helpers/pbx.js";
import { freePort } from "../test/helpers/ports.js";
import { scratchDir, sleep } from "../test/helpers/processes.js";
import { randomPassword } from "../test/helpers/pjsip-conf.js";
import { benchConfig, registerScenario, uacScenario, uasScenario } from "./lib/calls-scenarios.js";
import { runSippStats, startUas, type BackgroundUas } from "./lib/calls-sipp.js";
import { analyseRtp, captureRtp, parseRelayTotals, type RelayTotals } from "./lib/calls-measure.js";
import { cpuPercent, mib, rssBytes, sampleCpu } from "./lib/proc-stats.js";

const SERVER_IP = "127.0.0.1";
const UAC_IP = "127.0.0.2";
const UAS_IP = "127.0.0.3";
// Above the test port range (10000-30999) and wide enough for ~4000 concurrent calls: running
// out of ports must not be what limits the call rate.
const RTP_START = 40000;
const RTP_END = 55999;
const UAS_MEDIA_PORT = 58000;
const UAC_MEDIA_PORT = 60000;
const cpsRates = (process.env.BENCH_CPS_RATES ?? "10,20,50,100,200,400,600,800,1000,1200,1500").split(",").map(Number);
const cpsSeconds = Number(process.env.BENCH_CPS_SECONDS ?? 4);
const concurrent = (process.env.BENCH_CONCURRENT ?? "50,100,200").split(",").map(Number);
const holdSeconds = Number(process.env.BENCH_HOLD_SECONDS ?? 20);
const part = process.env.BENCH_PART ?? "ab";

const out = (s: string): void => void process.stdout.write(s + "\n");
const pad = (v: string | number, w: number): string => String(v).padStart(w);
const fix = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : "-");

interface Env {
  pbx: Pbx;
  dir: string;
  target: string;
  uasPort: number;
  uacPort: number;
  rtpFile: string;
}

/** Waits until no channel and no RTP port is left; returns undefined when idle, else the last `core show resources`. */
async function waitIdle(pbx: Pbx, timeoutMs = 15000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < deadline) {
    text = (await pbx.rx("core show resources")).stdout;
    if (/Channels:\s+0\b/.test(text) && /RTP ports in use:\s+0\b/.test(text)) return undefined;
    await sleep(250);
  }
  return text.trim().split("\n").map((l) => l.trim()).join("; ");
}

async function relayTotals(pbx: Pbx): Promise<RelayTotals> {
  const t0 = performance.now();
  const text = (await pbx.rx("pjsip show channelstats")).stdout;
  return parseRelayTotals(text, (t0 + performance.now()) / 2000);
}

function uasArgs(env: Env, mediaPort: number): string[] {
  return ["-i", UAS_IP, "-mi", UAS_IP, "-p", String(env.uasPort), "-mp", String(mediaPort), "-cp", "0", "-rtp_threadtasks", "50"];
}

interface CpsRow {
  rate: number;
  calls: number;
  ok: number;
  failed: number;
  failurePct: number;
  achieved: number;
  cpuPct: number;
  retrans: number;
}

async function partA(env: Env): Promise<void> {
  out("\n(a) call setups per second: SIPp UAC → Switchboard (B2BUA, 2 legs, media anchored) → SIPp UAS; calls of 1 s");
  const uas = await startUas({ dir: env.dir, name: "uas-cps", scenario: uasScenario(), args: uasArgs(env, UAS_MEDIA_PORT) });
  const rows: CpsRow[] = [];
  try {
    for (const rate of cpsRates) {
      const calls = Math.max(10, rate * cpsSeconds);
      const before = sampleCpu(env.pbx.pid);
      const r = await runSippStats({
        dir: env.dir, name: "uac-cps", scenario: uacScenario(),
        args: [env.target, "-s", "1002", "-i", UAC_IP, "-mi", UAC_IP, "-p", String(env.uacPort), "-mp", String(UAC_MEDIA_PORT), "-cp", "0",
          "-r", String(rate), "-m", String(calls), "-l", String(rate * 5 + 50), "-d", "1000",
          "-timeout", `${cpsSeconds * 3 + 15}s`, "-recv_timeout", "8000", "-max_recv_loops", "5000"],
        hardLimitMs: (cpsSeconds * 3 + 25) * 1000,
      });
      if (env.pbx.proc.exitCode !== null || env.pbx.proc.signalCode !== null) throw new Error(`switchboard exited during the ${rate} cps step`);
      const after = sampleCpu(env.pbx.pid);
      // Calls SIPp counts as done but the server still holds (e.g. an ACK lost in an overflowing
      // socket buffer: the server then ends the call only after 64*T1) are failures too.
      const left = await waitIdle(env.pbx);
      const stuck = left === undefined ? 0 : Number(/Calls:\s+(\d+)/.exec(left)?.[1] ?? 0);
      const failed = Math.max(r.failed, calls - r.successful) + stuck;
      const row: CpsRow = {
        rate, calls, ok: r.successful - stuck, failed, failurePct: (failed / calls) * 100,
        achieved: r.successful / Math.max(0.001, r.seconds - 1), cpuPct: cpuPercent(before, after), retrans: r.retransmissions,
      };
      rows.push(row);
      out(`  ${pad(rate, 5)} cps: ${pad(row.ok, 5)}/${calls} ok, ${pad(row.failed, 4)} failed (${fix(row.failurePct, 2)} %), server CPU ${fix(row.cpuPct, 0)} %, retransmissions ${row.retrans}`);
      if (left !== undefined) {
        out(`    server not idle 15 s after the step: ${left}`);
        // Let the stragglers time out (64*T1) so they do not weigh on the next part.
        await waitIdle(env.pbx, 40000);
      }
      // A step SIPp could not offer at (nearly) the requested rate says nothing about the server
      // at that rate; the server's own backlog shows first as SIP retransmissions.
      if (row.failurePct >= 1 || row.achieved < 0.9 * rate) break;
    }
  } finally {
    await uas.stop();
  }
  out("\n  | offered cps | achieved cps | calls | ok | failed | failed % | server CPU % (one core) | SIP retransmissions |");
  out("  |---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) out(`  | ${r.rate} | ${fix(r.achieved, 0)} | ${r.calls} | ${r.ok} | ${r.failed} | ${fix(r.failurePct, 2)} | ${fix(r.cpuPct, 0)} | ${r.retrans} |`);
  const res = (await env.pbx.rx("core show resources")).stdout.trim().split("\n").map((l) => l.trim()).join("; ");
  out(`\n  after the steps: ${res}; server RSS ${mib(rssBytes(env.pbx.pid))}`);
  const passed = rows.filter((r) => r.failurePct < 1 && r.achieved >= 0.9 * r.rate);
  const best = passed.at(-1);
  out(`\n  highest rate with < 1 % failures (sustained ≥ 90 % of the offered rate): ${best ? `${best.rate} call setups/s (achieved ${fix(best.achieved, 0)})` : "none"}` +
    (rows.length > 0 && passed.length === rows.length ? " — the highest rate tried; raise BENCH_CPS_RATES to find the limit" : ""));
}

interface RtpRow {
  calls: number;
  ok: number;
  channels: number;
  cpuPct: number;
  relayedPps: number;
  expectedPps: number;
  relayLossPct: number;
  inJitter: number;
  outJitter: number;
  outMaxJitter: number;
  captureLossPct: number;
  captureDropped: number;
  rss: number;
}

async function partB(env: Env): Promise<void> {
  out(`\n(b) concurrent G.711 calls, RTP both ways (SIPp rtp_stream, 50 pkt/s each way), held ${holdSeconds} s`);
  const uas: BackgroundUas = await startUas({ dir: env.dir, name: "uas-rtp", scenario: uasScenario(env.rtpFile), args: uasArgs(env, UAS_MEDIA_PORT) });
  const rows: RtpRow[] = [];
  try {
    for (const n of concurrent) {
      const launchRate = Math.min(100, n);
      const ramp = n / launchRate;
      const uac = runSippStats({
        dir: env.dir, name: "uac-rtp", scenario: uacScenario(env.rtpFile),
        args: [env.target, "-s", "1002", "-i", UAC_IP, "-mi", UAC_IP, "-p", String(env.uacPort), "-mp", String(UAC_MEDIA_PORT), "-cp", "0",
          "-rtp_threadtasks", "50", "-r", String(launchRate), "-m", String(n), "-l", String(n), "-d", String(holdSeconds * 1000),
          "-timeout", `${holdSeconds + ramp + 20}s`, "-recv_timeout", "10000"],
        hardLimitMs: (holdSeconds + ramp + 30) * 1000,
      });
      // Measure once every call is up and streaming; keep clear of the ramp and the teardown.
      await sleep((ramp + 2) * 1000);
      const window = Math.max(4, Math.min(10, holdSeconds - ramp - 6));
      const cpu0 = sampleCpu(env.pbx.pid);
      const t0 = await relayTotals(env.pbx);
      const capture = captureRtp(env.dir, RTP_START, RTP_END, 3);
      await sleep(window * 1000);
      const t1 = await relayTotals(env.pbx);
      const cpu1 = sampleCpu(env.pbx.pid);
      const rss = rssBytes(env.pbx.pid);
      const cap = await capture;
      const r = await uac;
      if (env.pbx.proc.exitCode !== null || env.pbx.proc.signalCode !== null) throw new Error(`switchboard exited during the ${n}-call step`);
      const jit = await analyseRtp(cap.file, RTP_START, RTP_END, cap.dropped);
      const dt = t1.at - t0.at;
      const rx = t1.rxPackets - t0.rxPackets;
      const tx = t1.txPackets - t0.txPackets;
      const cpuPct = cpuPercent(cpu0, cpu1);
      const row: RtpRow = {
        calls: n, ok: r.successful, channels: t1.channels, cpuPct,
        relayedPps: tx / dt, expectedPps: n * 2 * 50,
        relayLossPct: rx > 0 ? Math.max(0, ((rx - tx) / rx) * 100) : NaN,
        inJitter: jit.inMeanJitterMs, outJitter: jit.outMeanJitterMs, outMaxJitter: jit.outMaxJitterMs,
        captureLossPct: jit.inPackets > 0 ? Math.max(0, ((jit.inPackets - jit.outPackets) / jit.inPackets) * 100) : NaN,
        captureDropped: jit.captureDropped, rss,
      };
      rows.push(row);
      out(`  ${pad(n, 4)} calls: ${r.successful}/${n} completed, ${t1.channels} channels, relayed ${fix(row.relayedPps, 0)} pkt/s (expected ${row.expectedPps}), ` +
        `CPU ${fix(cpuPct, 0)} % (${fix(cpuPct / n, 2)} %/call), relay loss ${fix(row.relayLossPct, 2)} %, jitter in ${fix(row.inJitter, 2)} ms → out ${fix(row.outJitter, 2)} ms ` +
        `(${jit.inStreams}/${jit.outStreams} streams captured, ${jit.captureDropped} capture drops)`);
      const left = await waitIdle(env.pbx, 20000);
      if (left !== undefined) out(`    server not idle 20 s after the step: ${left}`);
    }
  } finally {
    await uas.stop();
  }
  out("\n  | calls | completed | server CPU % (one core) | CPU %/call | relayed pkt/s | expected pkt/s | relay loss % | jitter in → out (ms) | added jitter ms | max out jitter ms | RSS |");
  out("  |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    out(`  | ${r.calls} | ${r.ok} | ${fix(r.cpuPct, 0)} | ${fix(r.cpuPct / r.calls, 2)} | ${fix(r.relayedPps, 0)} | ${r.expectedPps} | ${fix(r.relayLossPct, 2)} | ` +
      `${fix(r.inJitter, 2)} → ${fix(r.outJitter, 2)} | ${fix(r.outJitter - r.inJitter, 2)} | ${fix(r.outMaxJitter, 2)} | ${mib(r.rss)} |`);
  }
}

async function main(): Promise<void> {
  const dir = scratchDir("bench-calls");
  const port = await freePort(SERVER_IP);
  const uasPort = await freePort(UAS_IP);
  const uacPort = await freePort(UAC_IP);
  const regPort = await freePort(UAS_IP);
  const password = randomPassword();
  const rtpFile = join(dir, "tone.ulaw");
  execFileSync("sox", ["-n", "-r", "8000", "-c", "1", "-t", "raw", "-e", "u-law", rtpFile, "synth", "2", "sine", "440", "vol", "0.5"]);
  const t0 = performance.now();
  const pbx = await startPbx({
    configFiles: benchConfig({ serverIp: SERVER_IP, serverPort: port, uacIp: UAC_IP, uasIp: UAS_IP, calleePassword: password, rtpStart: RTP_START, rtpEnd: RTP_END }),
  });
  out(`switchboard pid ${pbx.pid} on ${SERVER_IP}:${port}, ready in ${fix((performance.now() - t0) / 1000)} s; ${(await import("node:os")).cpus().length} CPUs shared with SIPp`);
  const target = `${SERVER_IP}:${port}`;
  try {
    const reg = await runSippStats({
      dir, name: "register", scenario: registerScenario(uasPort),
      args: [target, "-s", "1002", "-au", "1002", "-ap", password, "-i", UAS_IP, "-mi", UAS_IP, "-p", String(regPort), "-cp", "0", "-m", "1", "-timeout", "10s", "-recv_timeout", "4000"],
      hardLimitMs: 15000,
    });
    if (reg.successful !== 1) throw new Error(`the UAS could not register as 1002 (sipp exit ${reg.code}):\n${reg.stdout.slice(-1500)}\n${reg.stderr.slice(-500)}`);
    const env: Env = { pbx, dir, target, uasPort, uacPort, rtpFile };
    if (part.includes("a")) await partA(env);
    if (part.includes("b")) await partB(env);
    writeFileSync(join(dir, "done"), "");
  } catch (err) {
    out(`bench failed: ${(err as Error).message}\n${pbx.diagnostics()}`);
    process.exitCode = 1;
  } finally {
    await pbx.stop();
  }
}

await main();
