/**
 * Conference mixing benchmark (`npm run bench:confbridge`): the media workers' own path for one
 * conference (ConferenceRoom: decode and resample every member's packet, one mix-minus per
 * interval, resample and encode each member's share, packetise), for rooms of 3, 10 and 30
 * G.711 members and for mixed G.711/G.722 rooms (16 kHz internal rate) and an Opus room. Each
 * room is fed BENCH_SECONDS of 20 ms intervals on one thread, every member talking (the worst
 * case: nothing is skipped for silence); the figure is CPU time per interval, and from it the
 * share of one core the conference takes and what one member costs.
 *
 * The relay's per-packet socket cost comes on top (`npm run bench:rtp-relay`).
 *
 * Environment: BENCH_SECONDS (default 10).
 */
import { createCodec } from "../src/media/codec/audio-codec.js";
import { ConferenceRoom, type ConferenceLeg } from "../src/media/conference/conference-room.js";
import { RTP_HEADER_SIZE, writeRtpHeader } from "../src/media/rtp/rtp-header.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const PT: Record<string, number> = { ulaw: 0, alaw: 8, g722: 9, opus: 111 };

function packets(codec: string, hz: number, n: number): Buffer[] {
  const c = createCodec(codec);
  if (c === undefined) throw new Error(codec);
  const frame = c.sampleRate / 50;
  const ticks = c.rtpClockRate / 50;
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const pcm = new Int16Array(frame).map((_, k) => Math.round(4000 * Math.sin((2 * Math.PI * hz * (i * frame + k)) / c.sampleRate)));
    const payload = c.encode(pcm);
    const b = Buffer.alloc(RTP_HEADER_SIZE + payload.length);
    writeRtpHeader(b, PT[codec] ?? 0, i & 0xffff, (i * ticks) >>> 0, 0x1234 + hz);
    payload.copy(b, RTP_HEADER_SIZE);
    out.push(b);
  }
  c.close?.();
  return out;
}

class BenchLeg implements ConferenceLeg {
  readonly own = { ssrc: 1, seq: 0, ts: 0 };
  readonly options: ConferenceLeg["options"];
  readonly player = undefined;
  readonly closed = false;
  sent = 0;
  constructor(
    readonly id: string,
    codec: string,
  ) {
    this.options = { format: { codecs: [{ name: codec, payloadType: PT[codec] ?? 0 }] } };
  }
  sendOwn(): void {
    this.sent++;
  }
}

/** CPU µs per 20 ms interval for a room with one member per entry of `codecs`. */
function room(codecs: readonly string[]): { us: number; rate: number } {
  const n = seconds * 50;
  const legs = codecs.map((c, i) => new BenchLeg(`leg-${i}`, c));
  const input = codecs.map((c, i) => packets(c, 300 + 37 * i, Math.min(n, 250)));
  // The loop below is synchronous, so the room's own timer never fires: the benchmark drives the mix.
  const r2 = new ConferenceRoom("bench", { internalRate: "auto", intervalMs: 20 });
  for (const l of legs) r2.join(l, false);
  const step = (i: number): void => {
    legs.forEach((l, k) => r2.push(l.id, input[k]![i % input[k]!.length]!));
    r2.mixOnce();
  };
  for (let i = 0; i < 250; i++) step(i); // warm-up, and the queues' jitter margin fills
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) step(i);
  const cpu = process.cpuUsage(cpu0);
  const rate = r2.internalRate;
  r2.stop();
  if (legs.some((l) => l.sent < n)) throw new Error(`a member got ${Math.min(...legs.map((l) => l.sent))} packets of ${n}`);
  return { us: (cpu.user + cpu.system) / n, rate };
}

const pad = (v: string | number, w: number) => String(v).padStart(w);
const many = (n: number, codec: string): string[] => Array.from({ length: n }, () => codec);
const cases: Array<[string, string[]]> = [
  ["3 × ulaw", many(3, "ulaw")],
  ["10 × ulaw", many(10, "ulaw")],
  ["30 × ulaw", many(30, "ulaw")],
  ["3 ulaw/alaw/g722", ["ulaw", "alaw", "g722"]],
  ["10 mixed, 3 g722", [...many(7, "ulaw"), ...many(3, "g722")]],
  ["5 × opus", many(5, "opus")],
];

process.stdout.write(`Conference mixing: ${seconds} s of 20 ms intervals per room, one thread, every member talking (node ${process.version})\n`);
process.stdout.write(" room               mix rate  µs/interval  CPU%/conference  µs/member  members/core\n");
for (const [label, codecs] of cases) {
  const { us, rate } = room(codecs);
  const share = (us * 50) / 1e6;
  const perMember = us / codecs.length;
  process.stdout.write([` ${label.padEnd(18)}`, pad(`${rate / 1000} kHz`, 8), pad(us.toFixed(1), 12), pad((share * 100).toFixed(2), 16), pad(perMember.toFixed(1), 10), pad(Math.floor(1e6 / 50 / perMember), 13)].join(" ") + "\n");
}
