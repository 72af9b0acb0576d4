/**
 * L16 (RFC 3551 §4.5.11): uncompressed 16-bit signed samples, "in network byte order", as
 * Asterisk's slin formats are carried in RTP.
 */

/** Big-endian 16-bit payload to samples (a trailing odd byte is ignored). */
export function decodeL16(payload: Uint8Array): Int16Array {
  const n = payload.length >> 1;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const v = ((payload[2 * i] ?? 0) << 8) | (payload[2 * i + 1] ?? 0);
    out[i] = v >= 0x8000 ? v - 0x10000 : v;
  }
  return out;
}

/** Samples to a big-endian 16-bit payload. */
export function encodeL16(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16BE(samples[i] ?? 0, 2 * i);
  return out;
}
