/**
 * RTP relay benchmark (`npm run bench:rtp-relay`): N bridged calls through `MediaEngine`, each
 * with G.711-sized RTP at 50 packets/s in both directions from a load generator in a separate
 * process (bench/lib/rtp-load.ts). Prints per step: relayed packets/s, CPU of this (server)
 * process — main thread plus relay workers — in % of one core, loss, and the interarrival
 * jitter seen at the receiving phones (RFC 3550 §6.4.1; the sender's own spacing is exact, so
 * this is what the relay and the two kernels add), with transit-time percentiles.
 *
 * A baseline row per step ("direct") sends phone to phone without the relay, so the generator's
 * own limits (it shares the machine) can be told apart from the relay's.
 *
 * BENCH_SRTP=one makes one leg of every call SDES-SRTP (AES_CM_128_HMAC_SHA1_80: the relay
 * decrypts what that phone sends and encrypts what it receives, the other leg stays plain, as an
 * SRTP phone calling a plain one); BENCH_SRTP=both makes both legs SRTP (each packet decrypted
 * and re-encrypted). The fake phones do their own crypto in the generator process.
 *
 * BENCH_TRANSCODE=alaw|g722|opus transcodes every call in the workers: leg a speaks ulaw, leg b
 * the named codec (and ulaw, which the load generator's phones send): a→b is decoded, resampled
 * and encoded to that codec, b→a decoded and encoded again as ulaw. Transit times are then
 * matched in order (the payload cannot carry the send time), exact while nothing is lost.
 *
 * BENCH_MIXMONITOR=1 records every call as MixMonitor does: leg a's two directions decoded,
 * mixed and written to an 8 kHz WAV in a temporary directory (removed at the end).
 *
 * Environment: BENCH_CALLS (default "100,200,400"), BENCH_SECONDS (10), BENCH_WORKERS (engine default),
 * BENCH_BASELINE=0 to skip the direct rows, BENCH_SRTP (none, one, both), BENCH_TRANSCODE (none, alaw, g722, opus),
 * BENCH_MIXMONITOR (0, 1).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MediaEngine } from "../src/media/index.js";
import { nullLogger } from "../src/core/logger.js";
import { cpuPercent, sampleCpu } from "./lib/proc-stats.js";
import type { LoadResult } from "./lib/rtp-load.js";

const calls = (process.env.BENCH_CALLS ?? "100,200,400").split(",").map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const workers = process.env.BENCH_WORKERS ? Number(process.env.BENCH_WORKERS) : undefined;
const srtpMode = process.env.BENCH_SRTP ?? "none";
const transcode = process.env.BENCH_TRANSCODE ?? "none";
const mixMonitor = process.env.BENCH_MIXMONITOR === "1";
const TRANSCODE_PT: Record<string, number> = { alaw: 8, g722: 9, opus: 111 };
if (transcode !== "none" && TRANSCODE_PT[transcode] === undefined) throw new Error(`BENCH_TRANSCODE=${transcode}: use none, alaw, g722 or opus`);
if (!["none", "one", "both"].includes(srtpMode)) throw new Error(`BENCH_SRTP=${srtpMode}: use none, one or both`);
const inlineKey = () => randomBytes(30).toString("base64");

function ask<T>(child: ChildProcess, msg: object, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { t: string }) => {
      if (m.t !== reply) return;
      child.off("message", on);
      resolve(m as T);
    };
    child.on("message", on);
    child.send(msg);
  });
}

const pad = (v: string | number, w: number) => String(v).padStart(w);

async function step(engine: MediaEngine, n: number, direct: boolean): Promise<string> {
  const child = fork(fileURLToPath(new URL("./lib/rtp-load.ts", import.meta.url)), [], { execArgv: ["--import", "tsx"] });
  try {
    const { ports } = await ask<{ ports: number[] }>(child, { t: "open", phones: 2 * n }, "ports");
    const targets: number[] = [];
    const legs: string[] = [];
    const srtp: Array<{ tx: string; rx: string } | null> = [];
    const recordings = mixMonitor && !direct ? mkdtempSync(join(tmpdir(), "bench-mixmonitor-")) : undefined;
    const ended: Array<Promise<unknown>> = [];
    for (let c = 0; c < n && direct; c++) targets.push(ports[2 * c + 1]!, ports[2 * c]!);
    for (let c = 0; c < n && !direct; c++) {
      const a = await engine.allocate({ group: `call-${c}` });
      const b = await engine.allocate({ group: `call-${c}` });
      engine.setRemote(a.id, { address: "127.0.0.1", port: ports[2 * c]! });
      engine.setRemote(b.id, { address: "127.0.0.1", port: ports[2 * c + 1]! });
      if (transcode !== "none") {
        engine.setOptions(a.id, { format: { codecs: [{ name: "ulaw", payloadType: 0 }] } });
        engine.setOptions(b.id, { format: { codecs: [{ name: transcode, payloadType: TRANSCODE_PT[transcode] ?? 96 }, { name: "ulaw", payloadType: 0 }] } });
      }
      engine.bridge(a.id, b.id);
      if (mixMonitor && recordings !== undefined) {
        const spec = { tapId: `bench-${c}`, mix: { path: join(recordings, `call-${c}.wav`), format: "wav" as const }, append: false, bridgedOnly: false, receiveGain: 1, transmitGain: 1 };
        ended.push(engine.mixMonitor(a.id, spec).catch(() => undefined));
      }
      for (const [i, leg] of [a, b].entries()) {
        if (srtpMode === "none" || (srtpMode === "one" && i === 1)) {
          srtp.push(null);
          continue;
        }
        const phone = inlineKey();
        const pbx = inlineKey();
        engine.setSrtp(leg.id, { suite: "AES_CM_128_HMAC_SHA1_80", remoteKey: phone, localKey: pbx });
        srtp.push({ tx: phone, rx: pbx });
      }
      targets.push(a.localPort, b.localPort);
      legs.push(a.id, b.id);
    }
    await engine.allStats(); // every worker has applied the bridges
    const warmupSeconds = 2;
    const resultP = ask<LoadResult>(child, { t: "run", targets, seconds, warmupSeconds, ...(direct ? {} : { srtp, fifo: transcode !== "none" }) }, "result");
    await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
    const before = await engine.allStats();
    const cpu0 = sampleCpu(process.pid);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const cpu1 = sampleCpu(process.pid);
    const afterStats = await engine.allStats();
    const r = await resultP;
    const out = (s: typeof before) => s.reduce((k, x) => k + x.packetsOut, 0);
    const relayedPerSec = direct ? r.received / seconds : (out(afterStats) - out(before)) / seconds;
    const cpu = cpuPercent(cpu0, cpu1);
    for (const id of legs) engine.release(id);
    await Promise.all(ended);
    if (recordings !== undefined) rmSync(recordings, { recursive: true, force: true });
    if (engine.portsInUse() !== 0) throw new Error(`port leak: ${engine.portsInUse()} ports still in use`);
    if (r.srtpFailed > 0) throw new Error(`${r.srtpFailed} packets failed SRTP authentication at the phones`);
    return [
      (direct ? "direct" : "relay ") + pad(n, 6),
      pad(2 * n * 50, 8),
      pad(Math.round(relayedPerSec), 9),
      pad(cpu.toFixed(0), 6),
      pad((cpu / n).toFixed(3), 9),
      pad(r.lossPct.toFixed(3), 7),
      pad(r.meanJitterMs.toFixed(2), 8),
      pad(r.maxJitterMs.toFixed(2), 8),
      pad(r.transitP50Ms.toFixed(2), 7),
      pad(r.transitP99Ms.toFixed(2), 7),
      pad(r.generatorCpuPct.toFixed(0), 6),
      pad(r.senderLatePct.toFixed(2), 6),
    ].join(" ");
  } finally {
    child.kill();
  }
}

async function main(): Promise<void> {
  const engine = new MediaEngine({ rtpStart: 20000, rtpEnd: 24999, bindAddress: "127.0.0.1", strictRtp: "yes", probation: 4, log: nullLogger, ...(workers ? { workers } : {}) });
  await engine.start();
  const srtpText = (srtpMode === "none" ? "" : srtpMode === "one" ? ", one leg of each call SRTP" : ", both legs SRTP") + (transcode === "none" ? "" : `, every call transcoded (ulaw → ${transcode}, and ulaw → ulaw back)`) + (mixMonitor ? ", every call recorded (MixMonitor, 8 kHz WAV)" : "");
  process.stdout.write(`RTP relay: ${seconds} s per step, 172-byte packets, 50 pps per direction per call${srtpText}\n`);
  process.stdout.write("       calls  offer/s relayed/s  CPU%  CPU%/call  loss% jitterMs  maxJitMs  p50 ms  p99 ms  genCPU late%\n");
  try {
    for (const n of calls) {
      if (process.env.BENCH_BASELINE !== "0") process.stdout.write((await step(engine, n, true)) + "\n");
      process.stdout.write((await step(engine, n, false)) + "\n");
    }
  } finally {
    await engine.close();
  }
}

await main();
