/**
 * What really arrived at a phone's RTP port, and when (PEERS.md §11): dumpcap captures on `lo`
 * with a port filter, a small pcap reader (RFC-less but stable: libpcap's file format) returns
 * the UDP datagrams with their arrival times, and `decodeRtp` turns the G.711 packets that
 * arrived in a time window into samples for the tone checks in audio.ts.
 *
 * baresip 1.0 stops recording what it hears once it has held and resumed a call, and a recording
 * only holds the packets that came (a silent stretch is missing, not silent), so a test about
 * audio over time reads the wire instead.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeG711 } from "../../src/media/codec/g711.js";
import { parseRtpHeader } from "../../src/media/rtp/rtp-header.js";
import type { Wav } from "./audio.js";
import { spawnTracked, stopProcess } from "./processes.js";

export interface CapturedDatagram {
  /** Arrival time, ms since the epoch (comparable with Date.now()). */
  readonly at: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Buffer;
}

export interface RtpCapture {
  readonly pcap: string;
  /** Stops dumpcap and returns every UDP datagram it saw, in arrival order. */
  stop(): Promise<CapturedDatagram[]>;
}

/**
 * Starts dumpcap on `lo` (classic pcap format, `-P`) with a BPF `filter` such as
 * `udp dst portrange 20200-20219`; resolves once it reports that it is capturing.
 */
export async function startRtpCapture(dir: string, filter: string, name = "rtp"): Promise<RtpCapture> {
  const pcap = join(dir, `${name}.pcap`);
  const proc = spawnTracked("dumpcap", "dumpcap", ["-i", "lo", "-f", filter, "-P", "-w", pcap, "-q"]);
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dumpcap did not start within 10 s: ${stderr}`)), 10_000);
    proc.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (/Capturing on/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`dumpcap exited (${code}) before capturing: ${stderr}`));
    });
  });
  return {
    pcap,
    async stop() {
      await stopProcess(proc, 3000);
      return readPcapUdp(pcap);
    },
  };
}

/**
 * UDP datagrams of a libpcap file (magic a1b2c3d4, µs timestamps) on the Linux loopback (link
 * type 1, an all-zero Ethernet header) or raw IP (101), IPv4 or IPv6.
 */
export function readPcapUdp(path: string): CapturedDatagram[] {
  const buf = readFileSync(path);
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4) throw new Error(`${path}: not a µs libpcap file (magic ${magic.toString(16)})`);
  const u32 = (off: number): number => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const linkType = u32(20);
  const linkHeader = linkType === 1 ? 14 : linkType === 101 ? 0 : -1;
  if (linkHeader < 0) throw new Error(`${path}: link type ${linkType} not supported`);
  const out: CapturedDatagram[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const at = u32(off) * 1000 + u32(off + 4) / 1000;
    const caplen = u32(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + caplen);
    off += 16 + caplen;
    const ip = frame.subarray(linkHeader);
    const version = (ip[0] ?? 0) >> 4;
    let udp: Buffer;
    if (version === 4 && ip[9] === 17) udp = ip.subarray(((ip[0] ?? 0) & 0x0f) * 4);
    else if (version === 6 && ip[6] === 17) udp = ip.subarray(40);
    else continue;
    if (udp.length < 8) continue;
    out.push({ at, srcPort: udp.readUInt16BE(0), dstPort: udp.readUInt16BE(2), payload: udp.subarray(8, udp.readUInt16BE(4)) });
  }
  return out;
}

export interface DecodedWindow extends Wav {
  /** RTP packets in the window (any payload type). */
  readonly packets: number;
  /** Payload types seen, e.g. [0] or [8, 101]. */
  readonly payloadTypes: readonly number[];
}

/**
 * The G.711 audio (PT 0 PCMU, PT 8 PCMA) of the RTP packets that arrived from `from` to `to`
 * (ms since the epoch), concatenated in arrival order: what a phone would have played in that
 * time, without its jitter buffer. Other payload types (comfort noise, RFC 4733 events) count
 * as packets but add no samples.
 */
export function decodeRtp(datagrams: readonly CapturedDatagram[], from: number, to: number): DecodedWindow {
  const parts: Int16Array[] = [];
  const types = new Set<number>();
  let packets = 0;
  for (const d of datagrams) {
    if (d.at < from || d.at >= to) continue;
    const h = parseRtpHeader(d.payload);
    // RTCP muxed on the port (types 64-95, RFC 5761) is not audio.
    if (h === undefined || (h.payloadType >= 64 && h.payloadType <= 95)) continue;
    packets++;
    types.add(h.payloadType);
    const body = d.payload.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
    if (h.payloadType === 0) parts.push(decodeG711("PCMU", body));
    else if (h.payloadType === 8) parts.push(decodeG711("PCMA", body));
  }
  const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    samples.set(p, at);
    at += p.length;
  }
  return { sampleRate: 8000, channels: 1, samples, packets, payloadTypes: [...types].sort((a, b) => a - b) };
}
