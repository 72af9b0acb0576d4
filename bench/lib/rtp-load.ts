/**
 * Load generator for `bench/rtp-relay.ts`, run as a separate process so its CPU is not counted
 * as the server's. It opens two fake phones per call, sends 50 packets/s of 172-byte "PCMU"
 * RTP from every phone to its relay leg (streams spread over the 20 ms period), and measures at
 * the receiving phone: packets received, transit time, and RFC 3550 §6.4.1 interarrival jitter,
 * i.e. the variation the path adds on top of the sender's own spacing. Both phones of a call
 * live in this process, so send and receive times come from the same clock.
 *
 * IPC: parent → {t:"open", phones} → {t:"ports", ports}; parent → {t:"run", targets, seconds,
 * warmupSeconds, srtp?} → {t:"result", …}. With `srtp[i]` (inline keys) phone i is an SDES-SRTP
 * phone: it encrypts what it sends with `tx` and decrypts what it receives with `rx`, in this
 * process, so the crypto of the phones is not counted as the server's.
 */
import { createSocket, type Socket } from "node:dgram";
import { SrtpContext } from "../../src/media/srtp/srtp.js";
import { cpuPercent, sampleCpu } from "./proc-stats.js";

const PTIME = 20;
const PACKET = 12 + 160;
const HIST_STEP_MS = 0.1;
const HIST_SIZE = 2000;

interface Stream {
  socket: Socket;
  target: number;
  seq: number;
  nextAt: number;
  sent: number;
  received: number;
  lastTransit: number;
  jitter: number;
  packet: Buffer;
  tx?: SrtpContext;
  rx?: SrtpContext;
  /** With `fifo`: when each packet still on its way was sent, oldest first. */
  sentAt: number[];
}

export interface LoadResult {
  t: "result";
  sent: number;
  received: number;
  lossPct: number;
  meanJitterMs: number;
  maxJitterMs: number;
  transitP50Ms: number;
  transitP99Ms: number;
  senderLatePct: number;
  generatorCpuPct: number;
  /** Received packets that failed SRTP authentication at a phone. */
  srtpFailed: number;
}

const streams: Stream[] = [];
const hist = new Uint32Array(HIST_SIZE + 1);
let measuring = false;
let late = 0;
let ticks = 0;
let srtpFailed = 0;

type Command = { t: string; phones?: number; targets?: number[]; seconds?: number; warmupSeconds?: number; srtp?: Array<{ tx: string; rx: string } | null>; fifo?: boolean };

/**
 * When the relay rewrites payloads (transcoding), the send time cannot travel in the packet: it
 * is kept per stream in order and matched to arrivals in order (exact while nothing is lost).
 */
let fifo = false;

function send(parent: NodeJS.Process): void {
  parent.on("message", (m: Command) => {
    // A failed command must end the generator loudly, not leave the parent waiting for a reply.
    handle(m).catch((err: unknown) => {
      process.stderr.write(`rtp-load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
  });
}

async function handle(m: Command): Promise<void> {
  if (m.t === "open") {
    for (let i = 0; i < (m.phones ?? 0); i++) {
      const socket = createSocket("udp4");
      await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
      const stream: Stream = { socket, target: 0, seq: 0, nextAt: 0, sent: 0, received: 0, lastTransit: NaN, jitter: 0, packet: Buffer.alloc(PACKET), sentAt: [] };
      streams.push(stream);
    }
    // Phone i's partner is i^1: what i receives was sent by i^1.
    streams.forEach((s, i) => s.socket.on("message", (msg) => onReceive(streams[i ^ 1]!, s, msg)));
    sampleCpu(process.pid); // the first call runs getconf synchronously: not during the run
    process.send?.({ t: "ports", ports: streams.map((s) => s.socket.address().port) });
  } else if (m.t === "run") {
    streams.forEach((s, i) => {
      const k = m.srtp?.[i];
      if (k) {
        s.tx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", k.tx);
        s.rx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", k.rx);
      } else {
        delete s.tx;
        delete s.rx;
      }
    });
    fifo = m.fifo === true;
    for (const s of streams) s.sentAt = [];
    const result = await run(m.targets ?? [], m.seconds ?? 10, m.warmupSeconds ?? 2);
    process.send?.(result);
  }
}

function onReceive(sender: Stream, receiver: Stream, received: Buffer): void {
  if (!measuring) return;
  let msg = received;
  if (receiver.rx !== undefined) {
    const clear = receiver.rx.unprotect(received);
    if (!Buffer.isBuffer(clear)) {
      srtpFailed++;
      return;
    }
    msg = clear;
  }
  let sentAt: number;
  if (fifo) {
    const at = sender.sentAt.shift();
    if (at === undefined) return;
    sentAt = at;
  } else {
    if (msg.length < 20) return;
    sentAt = msg.readDoubleBE(12);
  }
  const transit = performance.now() - sentAt;
  sender.received++;
  if (!Number.isNaN(sender.lastTransit)) {
    const d = Math.abs(transit - sender.lastTransit);
    sender.jitter += (d - sender.jitter) / 16;
  }
  sender.lastTransit = transit;
  hist[Math.min(HIST_SIZE, Math.floor(transit / HIST_STEP_MS))]!++;
}

function tick(): void {
  const now = performance.now();
  ticks++;
  for (const s of streams) {
    if (now < s.nextAt) continue;
    if (now - s.nextAt > PTIME / 2) late++;
    const p = s.packet;
    p[0] = 0x80;
    p[1] = 0;
    p.writeUInt16BE(s.seq & 0xffff, 2);
    p.writeUInt32BE((s.seq * 160) >>> 0, 4);
    p.writeUInt32BE(s.target, 8);
    p.writeDoubleBE(performance.now(), 12);
    if (fifo && measuring) s.sentAt.push(performance.now());
    s.socket.send(s.tx !== undefined ? s.tx.protect(p) : p, s.target, "127.0.0.1");
    s.seq++;
    if (measuring) s.sent++;
    s.nextAt += PTIME;
    // After a stall, do not burst to catch up: phones do not either.
    if (now - s.nextAt > PTIME) s.nextAt = now + PTIME;
  }
}

async function run(targets: number[], seconds: number, warmupSeconds: number): Promise<LoadResult> {
  const start = performance.now() + 5;
  streams.forEach((s, i) => {
    s.target = targets[i] ?? 0;
    s.nextAt = start + (i * PTIME) / streams.length;
  });
  const timer = setInterval(tick, 1);
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
  measuring = true;
  late = 0;
  const cpu0 = sampleCpu(process.pid);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(timer);
  const cpu1 = sampleCpu(process.pid);
  await new Promise((r) => setTimeout(r, 300)); // drain packets in flight
  measuring = false;
  const sent = streams.reduce((n, s) => n + s.sent, 0);
  const received = streams.reduce((n, s) => n + s.received, 0);
  const pct = (q: number): number => {
    let acc = 0;
    const total = hist.reduce((n, v) => n + v, 0);
    for (let i = 0; i <= HIST_SIZE; i++) {
      acc += hist[i]!;
      if (acc >= q * total) return i * HIST_STEP_MS;
    }
    return HIST_SIZE * HIST_STEP_MS;
  };
  void ticks;
  return {
    t: "result",
    sent,
    received,
    lossPct: sent > 0 ? (100 * Math.max(0, sent - received)) / sent : 0,
    meanJitterMs: streams.reduce((n, s) => n + s.jitter, 0) / Math.max(1, streams.length),
    maxJitterMs: Math.max(...streams.map((s) => s.jitter)),
    transitP50Ms: pct(0.5),
    transitP99Ms: pct(0.99),
    senderLatePct: sent > 0 ? (100 * late) / sent : 0,
    generatorCpuPct: cpuPercent(cpu0, cpu1),
    srtpFailed,
  };
}

send(process);
