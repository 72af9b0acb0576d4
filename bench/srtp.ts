/**
 * SRTP per-packet cost (`npm run bench:srtp`): protect and unprotect of 172-byte G.711 RTP packets
 * (12-byte header + 160 bytes, 20 ms) with AES_CM_128_HMAC_SHA1_80 on one core, for our own
 * implementation (src/media/srtp/srtp.ts, node:crypto) and for werift-rtp's SrtpSession, the
 * library we would otherwise use. Each side first checks that the other decrypts what it
 * encrypted (the two are byte-identical), then each operation runs for BENCH_SECONDS (default 3)
 * and prints packets/s and µs per packet.
 *
 * Environment: BENCH_SECONDS (3).
 */
import { randomBytes } from "node:crypto";
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from "werift-rtp";
import { SrtpContext } from "../src/media/srtp/srtp.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const key = randomBytes(16);
const salt = randomBytes(14);
const inline = Buffer.concat([key, salt]).toString("base64");

function rtp(seq: number): Buffer {
  const p = Buffer.alloc(172, 0x55);
  p[0] = 0x80;
  p[1] = 0;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE((seq * 160) >>> 0, 4);
  p.writeUInt32BE(0x11223344, 8);
  return p;
}

function werift(): SrtpSession {
  return new SrtpSession({ profile: ProtectionProfileAes128CmHmacSha1_80, keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt } });
}

function time(label: string, op: (i: number) => void): string {
  for (let i = 0; i < 2000; i++) op(i); // warm-up
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) {
    for (let k = 0; k < 500; k++) op(n++);
  }
  const ms = performance.now() - start;
  const pps = (n * 1000) / ms;
  return `${label.padEnd(34)} ${String(Math.round(pps)).padStart(9)} ${((1000 * ms) / n).toFixed(2).padStart(8)}`;
}

// Cross-check before timing: each decrypts what the other encrypted.
{
  const ours = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", inline);
  const theirs = werift();
  for (let seq = 0; seq < 10; seq++) {
    const p = rtp(seq);
    const a = ours.protect(p);
    const b = theirs.encrypt(p.subarray(12), RtpHeader.deSerialize(p));
    if (!a.equals(b)) throw new Error(`packet ${seq}: our SRTP and werift's differ`);
  }
}

const packets = Array.from({ length: 4096 }, (_, i) => rtp(i));
const oursTx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", inline);
const sealedOurs = packets.map((p) => oursTx.protect(p));

process.stdout.write(`SRTP AES_CM_128_HMAC_SHA1_80, 172-byte RTP packets, ${seconds} s per row, one core\n`);
process.stdout.write(`${"operation".padEnd(34)} ${"packets/s".padStart(9)} ${"µs/pkt".padStart(8)}\n`);
let seq = 0;
const oursP = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", inline);
process.stdout.write(time("ours: protect", () => void oursP.protect(rtp(seq++))) + "\n");
const weriftP = werift();
seq = 0;
process.stdout.write(
  time("werift-rtp: encrypt", () => {
    const p = rtp(seq++);
    void weriftP.encrypt(p.subarray(12), RtpHeader.deSerialize(p));
  }) + "\n",
);
// Unprotect needs fresh packets (the replay window refuses repeats): a new context per pass of 4096.
let rx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", inline);
process.stdout.write(
  time("ours: unprotect (replay window on)", (i) => {
    if (i % 4096 === 0) rx = SrtpContext.fromInlineKey("AES_CM_128_HMAC_SHA1_80", inline);
    const r = rx.unprotect(sealedOurs[i % 4096]!);
    if (!Buffer.isBuffer(r)) throw new Error(`unprotect: ${r}`);
  }) + "\n",
);
let wrx = werift();
process.stdout.write(
  time("werift-rtp: decrypt (no replay check)", (i) => {
    if (i % 4096 === 0) wrx = werift();
    void wrx.decrypt(sealedOurs[i % 4096]!);
  }) + "\n",
);
// The relay's own cost for comparison: a plain RTP packet is copied by nothing.
process.stdout.write(time("baseline: build the RTP packet", () => void rtp(seq++)) + "\n");
