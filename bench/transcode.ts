/**
 * Transcoding benchmark (`npm run bench:transcode`): the cost of one transcoded call in the media
 * workers' own code path (Transcoder.push: decode, resample, reframe, encode, packetise), per
 * direction and per call, for the pairs phones meet: ulaw↔alaw, ulaw↔g722, ulaw↔opus,
 * g722↔opus. Each direction is fed BENCH_SECONDS of 20 ms packets of a tone, pre-encoded, on one
 * thread; the figure is CPU time per packet, and from it the share of one core a call takes (both
 * directions at 50 packets/s) and the calls one core could carry. Beside it, the algorithmic delay
 * transcoding adds (the resampler's filter and the codec's look-ahead), since Transcoder.push
 * itself returns the packet synchronously.
 *
 * The relay's own per-packet cost (socket receive and send, SRTP) comes on top and is measured by
 * `npm run bench:rtp-relay`.
 *
 * Environment: BENCH_SECONDS (default 20).
 */
import { createCodec } from "../src/media/codec/audio-codec.js";
import type { OwnStream } from "../src/media/playback/rtp-player.js";
import { RTP_HEADER_SIZE, writeRtpHeader } from "../src/media/rtp/rtp-header.js";
import type { LegFormat } from "../src/media/transcode/leg-format.js";
import { Transcoder } from "../src/media/transcode/transcoder.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const PT: Record<string, number> = { ulaw: 0, alaw: 8, g722: 9, opus: 111 };
/** Look-ahead of the codec's encoder in ms (Opus: 2.5 ms + 4 ms in VoIP mode, RFC 6716 §2), plus the resampler's 1 ms when rates differ. */
const LOOKAHEAD: Record<string, number> = { ulaw: 0, alaw: 0, g722: 0, opus: 6.5 };
const RATE: Record<string, number> = { ulaw: 8000, alaw: 8000, g722: 16000, opus: 8000 };

function packets(codec: string, n: number): Buffer[] {
  const c = createCodec(codec, { rate: 8000 });
  if (c === undefined) throw new Error(codec);
  const frame = c.sampleRate / 50;
  const ticks = c.rtpClockRate / 50;
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const pcm = new Int16Array(frame).map((_, k) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * (i * frame + k)) / c.sampleRate)));
    const payload = c.encode(pcm);
    const b = Buffer.alloc(RTP_HEADER_SIZE + payload.length);
    writeRtpHeader(b, PT[codec] ?? 0, i & 0xffff, (i * ticks) >>> 0, 0x1234);
    payload.copy(b, RTP_HEADER_SIZE);
    out.push(b);
  }
  c.close?.();
  return out;
}

/** CPU µs per packet of one direction from → to. */
function direction(from: string, to: string): number {
  const n = seconds * 50;
  const input = packets(from, n);
  const fmt = (c: string): LegFormat => ({ codecs: [{ name: c, payloadType: PT[c] ?? 0 }] });
  const own: OwnStream = { ssrc: 1, seq: 0, ts: 0 };
  const t = new Transcoder(fmt(from), fmt(to), own);
  let sent = 0;
  const send = (): void => void sent++;
  for (let i = 0; i < 100; i++) t.push(input[i % input.length]!, send); // warm-up
  const cpu0 = process.cpuUsage();
  for (const p of input) t.push(p, send);
  const cpu = process.cpuUsage(cpu0);
  t.close();
  if (sent < n) throw new Error(`${from}→${to}: ${sent} packets out of ${n + 100}`);
  return (cpu.user + cpu.system) / n;
}

const pad = (v: string | number, w: number) => String(v).padStart(w);
const pairs: Array<[string, string]> = [["ulaw", "alaw"], ["ulaw", "g722"], ["ulaw", "opus"], ["g722", "opus"]];

process.stdout.write(`Transcoding: ${seconds} s of 20 ms packets per direction, one thread (node ${process.version})\n`);
process.stdout.write(" pair         a→b µs/pkt  b→a µs/pkt  CPU%/call  calls/core  added delay ms\n");
for (const [a, b] of pairs) {
  const ab = direction(a, b);
  const ba = direction(b, a);
  const perCall = ((ab + ba) * 50) / 1e6; // share of one core
  const delay = Math.max(LOOKAHEAD[a] ?? 0, 0) + Math.max(LOOKAHEAD[b] ?? 0, 0) + (RATE[a] !== RATE[b] ? 1 : 0);
  process.stdout.write(
    [` ${`${a}↔${b}`.padEnd(12)}`, pad(ab.toFixed(1), 10), pad(ba.toFixed(1), 11), pad((perCall * 100).toFixed(3), 10), pad(Math.floor(1 / perCall), 11), pad(delay.toFixed(1), 15)].join(" ") + "\n",
  );
}
