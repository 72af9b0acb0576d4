/**
 * A minimal RTP fixed-header reader (RFC 3550 §5.1). The relay forwards packets untouched; this
 * reader exists for learning sources (sequence numbers), statistics (payload type, SSRC) and
 * tests. Bytes from the network are untrusted: junk gives `undefined`, never an exception.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                           timestamp                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |           synchronization source (SSRC) identifier            |
 *    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *    |            contributing source (CSRC) identifiers             |
 *    |                             ....                              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

export const RTP_HEADER_SIZE = 12;

export interface RtpHeader {
  readonly version: number;
  readonly padding: boolean;
  readonly extension: boolean;
  readonly csrcCount: number;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  /** Offset of the payload: after the CSRC list and the header extension, if any. */
  readonly payloadOffset: number;
  /** Payload length without padding. */
  readonly payloadLength: number;
}

/**
 * Cheap check used per packet on the relay path: version 2 and at least a fixed header. RTCP
 * packets also pass; tell them apart with {@link isRtcpPayloadType}.
 */
export function looksLikeRtp(buf: Uint8Array): boolean {
  return buf.length >= RTP_HEADER_SIZE && (buf[0] ?? 0) >> 6 === 2;
}

/**
 * RTCP multiplexed on the RTP port: "payload type" values 64-95 are RTCP packet types 192-223
 * (RFC 5761 §4), which RTP must not use.
 */
export function isRtcpPayloadType(buf: Uint8Array): boolean {
  const pt = (buf[1] ?? 0) & 0x7f;
  return pt >= 64 && pt <= 95;
}

/** Parses the fixed header, CSRC list, extension header and padding; `undefined` on junk. */
export function parseRtpHeader(buf: Uint8Array): RtpHeader | undefined {
  if (buf.length < RTP_HEADER_SIZE) return undefined;
  const b0 = buf[0] ?? 0;
  const b1 = buf[1] ?? 0;
  const version = b0 >> 6;
  if (version !== 2) return undefined;
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let offset = RTP_HEADER_SIZE + 4 * csrcCount;
  if (offset > buf.length) return undefined;
  if (extension) {
    // RFC 3550 §5.3.1: a 16-bit profile field, then the extension length in 32-bit words.
    if (offset + 4 > buf.length) return undefined;
    offset += 4 + 4 * view.getUint16(offset + 2);
    if (offset > buf.length) return undefined;
  }
  let end = buf.length;
  if (padding) {
    // "The last octet of the padding contains a count of how many padding octets should be ignored, including itself."
    const count = buf[buf.length - 1] ?? 0;
    if (count === 0 || end - count < offset) return undefined;
    end -= count;
  }
  return {
    version,
    padding,
    extension,
    csrcCount,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payloadOffset: offset,
    payloadLength: end - offset,
  };
}

/** Writes a fixed 12-byte header (no CSRC, no extension) into `out`. */
export function writeRtpHeader(out: Buffer, pt: number, seq: number, ts: number, ssrc: number, marker = false): void {
  out[0] = 0x80;
  out[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
  out.writeUInt16BE(seq & 0xffff, 2);
  out.writeUInt32BE(ts >>> 0, 4);
  out.writeUInt32BE(ssrc >>> 0, 8);
}
