/**
 * Measurements for the concurrent-calls part of `bench/calls.ts`: sums of the relay counters
 * that `pjsip show channelstats` prints, and a short capture on `lo` analysed by tshark's
 * `rtp,streams` statistics, to compare the jitter of the streams entering the relay (SIPp's own
 * sending) with the streams leaving it (the same plus what the relay adds).
 */
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { trackProcess } from "../../test/helpers/processes.js";

export interface RelayTotals {
  readonly channels: number;
  readonly rxPackets: number;
  readonly txPackets: number;
  /** performance.now() in seconds, halfway through the console command. */
  readonly at: number;
}

/** Sums RxPkts/TxPkts over every row of `pjsip show channelstats`. */
export function parseRelayTotals(text: string, at: number): RelayTotals {
  let channels = 0;
  let rx = 0;
  let tx = 0;
  for (const line of text.split("\n")) {
    const m = /^\s*PJSIP\/\S+\s+\S+\s+\S+\s+\S+\s+(?:yes|no)\s+(\d+)\s+\d+\s+(\d+)\s+\d+\s+\S+\s*$/.exec(line);
    if (m === null) continue;
    channels++;
    rx += Number(m[1]);
    tx += Number(m[2]);
  }
  return { channels, rxPackets: rx, txPackets: tx, at };
}

export interface StreamJitter {
  /** Streams sent by SIPp toward the relay's ports. */
  readonly inStreams: number;
  readonly inPackets: number;
  readonly inMeanJitterMs: number;
  /** Streams the relay sent back out. */
  readonly outStreams: number;
  readonly outPackets: number;
  readonly outMeanJitterMs: number;
  readonly outMaxJitterMs: number;
  /** Packets tshark counted as lost (sequence gaps) in the relay's outgoing streams. */
  readonly outLost: number;
  /** Packets the capture itself dropped (dumpcap's report), so that a gap is not blamed on the relay. */
  readonly captureDropped: number;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (_err, stdout, stderr) => resolve({ stdout, stderr }));
    trackProcess(child, cmd);
  });
}

/** Captures UDP to/from the relay's port range on `lo` for `seconds`. */
export async function captureRtp(dir: string, rtpStart: number, rtpEnd: number, seconds: number): Promise<{ file: string; dropped: number }> {
  const file = join(dir, `rtp-${Date.now()}.pcap`);
  const proc = spawn("dumpcap", ["-q", "-i", "lo", "-f", `udp portrange ${rtpStart}-${rtpEnd}`, "-a", `duration:${seconds}`, "-B", "64", "-s", "64", "-w", file], { stdio: ["ignore", "pipe", "pipe"] });
  trackProcess(proc, "dumpcap");
  let err = "";
  proc.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  await new Promise<void>((resolve) => proc.on("close", () => resolve()));
  // "Packets received/dropped on interface 'Loopback: lo': 120345/0 (…)".
  const dropped = Number(/received\/dropped[^:]*:[^:]*:\s*\d+\/(\d+)/.exec(err)?.[1] ?? 0);
  return { file, dropped };
}

/**
 * Reads `tshark -z rtp,streams` rows: [start, end,] src, sport, dst, dport, SSRC, payload, packets, lost (n (p%)),
 * min/mean/max delta, min/mean/max jitter, problem flag.
 */
export async function analyseRtp(file: string, rtpStart: number, rtpEnd: number, dropped: number): Promise<StreamJitter> {
  const { stdout } = await run("tshark", ["-r", file, "-o", "rtp.heuristic_rtp:TRUE", "-q", "-z", "rtp,streams"], 120_000);
  const inRange = (p: number): boolean => p >= rtpStart && p <= rtpEnd;
  let inStreams = 0, inPackets = 0, inJitter = 0;
  let outStreams = 0, outPackets = 0, outJitter = 0, outMax = 0, outLost = 0;
  for (const line of stdout.split("\n")) {
    // tshark 4.0 prefixes the rows with start and end times.
    const m = /^\s*(?:[\d.]+\s+[\d.]+\s+)?(\d+\.\d+\.\d+\.\d+)\s+(\d+)\s+(\d+\.\d+\.\d+\.\d+)\s+(\d+)\s+0x[0-9A-Fa-f]+\s+\S+\s+(\d+)\s+(-?\d+)\s+\([^)]*\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(line);
    if (m === null) continue;
    const sport = Number(m[2]);
    const dport = Number(m[4]);
    const packets = Number(m[5]);
    const lost = Number(m[6]);
    const meanJitter = Number(m[11]);
    const maxJitter = Number(m[12]);
    if (packets < 20) continue;
    if (inRange(dport) && !inRange(sport)) {
      inStreams++;
      inPackets += packets;
      inJitter += meanJitter;
    } else if (inRange(sport) && !inRange(dport)) {
      outStreams++;
      outPackets += packets;
      outJitter += meanJitter;
      outMax = Math.max(outMax, maxJitter);
      outLost += Math.max(0, lost);
    }
  }
  return {
    inStreams, inPackets, inMeanJitterMs: inStreams ? inJitter / inStreams : NaN,
    outStreams, outPackets, outMeanJitterMs: outStreams ? outJitter / outStreams : NaN, outMaxJitterMs: outMax,
    outLost, captureDropped: dropped,
  };
}
