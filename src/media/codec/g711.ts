/**
 * G.711 μ-law and A-law (ITU-T G.711, 1988), table-driven: decoding is a 256-entry lookup, encoding
 * a lookup of the top 14 (μ-law) or 13 (A-law) bits of the linear sample, which is exactly the
 * precision G.711 keeps. The tables are computed once from the segment rules of the standard.
 */

/** Segment end points (inclusive) of the eight G.711 chords, in the law's own input scale. */
const ULAW_SEG_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
const ULAW_BIAS = 0x84;
const ULAW_CLIP = 8159;

function segmentOf(value: number, ends: readonly number[]): number {
  let seg = 0;
  while (seg < 8 && value > (ends[seg] ?? 0)) seg++;
  return seg;
}

/** Encodes one 14-bit signed sample (linear >> 2) to μ-law. */
function ulawFrom14(v: number): number {
  const mask = v < 0 ? 0x7f : 0xff;
  let mag = Math.min(v < 0 ? -v : v, ULAW_CLIP) + (ULAW_BIAS >> 2);
  const seg = segmentOf(mag, ULAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  mag = (seg << 4) | ((mag >> (seg + 1)) & 0x0f);
  return mag ^ mask;
}

/** Encodes one 13-bit signed sample (linear >> 3) to A-law (even bits inverted: XOR 0x55). */
function alawFrom13(v: number): number {
  const mask = v >= 0 ? 0xd5 : 0x55;
  const mag = v >= 0 ? v : -v - 1;
  const seg = segmentOf(mag, ALAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  const quant = seg < 2 ? (mag >> 1) & 0x0f : (mag >> seg) & 0x0f;
  return ((seg << 4) | quant) ^ mask;
}

function ulawToLinear(u: number): number {
  const b = ~u & 0xff;
  const t = (((b & 0x0f) << 3) + ULAW_BIAS) << ((b & 0x70) >> 4);
  return b & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

function alawToLinear(a: number): number {
  const b = a ^ 0x55;
  const seg = (b & 0x70) >> 4;
  let t = (b & 0x0f) << 4;
  t = seg === 0 ? t + 8 : (t + 0x108) << (seg - 1);
  return b & 0x80 ? t : -t;
}

const ULAW_ENCODE = new Uint8Array(1 << 14);
const ALAW_ENCODE = new Uint8Array(1 << 13);
const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
for (let i = 0; i < ULAW_ENCODE.length; i++) ULAW_ENCODE[i] = ulawFrom14(i - (1 << 13));
for (let i = 0; i < ALAW_ENCODE.length; i++) ALAW_ENCODE[i] = alawFrom13(i - (1 << 12));
for (let i = 0; i < 256; i++) {
  ULAW_DECODE[i] = ulawToLinear(i);
  ALAW_DECODE[i] = alawToLinear(i);
}

/*
 * 16 bits are reduced to the law's 14 (μ) or 13 (A) bits by rounding half up, with the top
 * clipped, rather than by truncation: about half a step less error, and the same bytes sox writes.
 */
const ulawIndex = (sample: number): number => Math.min(8191, (sample + 2) >> 2) + 8192;
const alawIndex = (sample: number): number => Math.min(4095, (sample + 4) >> 3) + 4096;

/** μ-law byte of a 16-bit signed linear sample. */
export const linearToUlaw = (sample: number): number => ULAW_ENCODE[ulawIndex(sample)] ?? 0xff;
/** A-law byte of a 16-bit signed linear sample. */
export const linearToAlaw = (sample: number): number => ALAW_ENCODE[alawIndex(sample)] ?? 0xd5;
/** 16-bit linear sample of a μ-law byte. */
export const ulawToSample = (byte: number): number => ULAW_DECODE[byte & 0xff] ?? 0;
/** 16-bit linear sample of an A-law byte. */
export const alawToSample = (byte: number): number => ALAW_DECODE[byte & 0xff] ?? 0;

export type G711Law = "PCMU" | "PCMA";

/** Encodes `samples` into `out` (same length or longer) and returns the byte count written. */
export function encodeG711(law: G711Law, samples: Int16Array, out: Uint8Array, outOffset = 0): number {
  const table = law === "PCMU" ? ULAW_ENCODE : ALAW_ENCODE;
  const index = law === "PCMU" ? ulawIndex : alawIndex;
  for (let i = 0; i < samples.length; i++) out[outOffset + i] = table[index(samples[i] ?? 0)] ?? 0;
  return samples.length;
}

/** Decodes G.711 bytes to 16-bit linear samples. */
export function decodeG711(law: G711Law, bytes: Uint8Array): Int16Array {
  const table = law === "PCMU" ? ULAW_DECODE : ALAW_DECODE;
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i] ?? 0] ?? 0;
  return out;
}

/** The encoded value of digital silence (linear 0) for the law. */
export const g711Silence = (law: G711Law): number => (law === "PCMU" ? 0xff : 0xd5);
