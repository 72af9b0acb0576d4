/**
 * STUN Binding messages (RFC 5389): build a request, read the mapped address out of a response,
 * and the FINGERPRINT that both carry (§15.5). MESSAGE-INTEGRITY is not implemented: `stunaddr`
 * asks a public server without credentials. Responses are untrusted bytes: junk gives
 * `undefined`, never an exception.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |0 0|     STUN Message Type     |         Message Length        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Magic Cookie                          |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                     Transaction ID (96 bits)                  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

export const STUN_MAGIC_COOKIE = 0x2112a442;
export const STUN_BINDING_REQUEST = 0x0001;
export const STUN_BINDING_SUCCESS = 0x0101;
const ATTR_MAPPED_ADDRESS = 0x0001;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
const ATTR_FINGERPRINT = 0x8028;
/** §15.5: "the CRC-32 of the STUN message up to (but excluding) the FINGERPRINT attribute ... XOR'ed with the 32-bit value 0x5354554e". */
const FINGERPRINT_XOR = 0x5354554e;
const HEADER = 20;

export interface MappedAddress {
  address: string;
  port: number;
}

/**
 * A Binding request and its 12-byte transaction id. It carries only a FINGERPRINT, which lets a
 * server tell it from other traffic on the port and makes RFC 5389 servers fingerprint their
 * answer too ("The FINGERPRINT attribute MAY be present in all STUN messages", §15.5).
 */
export function buildBindingRequest(transactionId: Buffer = randomBytes(12)): { packet: Buffer; transactionId: Buffer } {
  const packet = Buffer.alloc(HEADER + 8);
  packet.writeUInt16BE(STUN_BINDING_REQUEST, 0);
  packet.writeUInt16BE(8, 2);
  packet.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  transactionId.copy(packet, 8, 0, 12);
  writeFingerprint(packet, HEADER);
  return { packet, transactionId };
}

/** Writes the FINGERPRINT attribute at `off`, the end of `msg` (whose header length already counts it). */
function writeFingerprint(msg: Buffer, off: number): void {
  msg.writeUInt16BE(ATTR_FINGERPRINT, off);
  msg.writeUInt16BE(4, off + 2);
  msg.writeUInt32BE((crc32(msg.subarray(0, off)) ^ FINGERPRINT_XOR) >>> 0, off + 4);
}

/**
 * Checks the FINGERPRINT of a STUN message: true when present and right; false when present and
 * wrong, not the last attribute (§15.5 "MUST be the last attribute"), or when the attributes do
 * not tile the message exactly (then nothing in it can be trusted); undefined when the message
 * is well framed and has none.
 */
export function verifyFingerprint(buf: Buffer): boolean | undefined {
  if (buf.length < HEADER) return false;
  const end = HEADER + buf.readUInt16BE(2);
  if (end > buf.length) return false;
  let off = HEADER;
  while (off + 4 <= end) {
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (off + 4 + len > end) return false;
    if (type === ATTR_FINGERPRINT) {
      if (len !== 4 || off + 8 !== end) return false;
      return ((crc32(buf.subarray(0, off)) ^ FINGERPRINT_XOR) >>> 0) === buf.readUInt32BE(off + 4);
    }
    off += 4 + len + ((4 - (len % 4)) % 4);
  }
  return off === end ? undefined : false;
}

/** Builds a Binding success response carrying XOR-MAPPED-ADDRESS (used by tests and a future STUN responder). */
export function buildBindingSuccess(transactionId: Buffer, mapped: MappedAddress): Buffer {
  const v6 = mapped.address.includes(":");
  const valueLen = v6 ? 20 : 8;
  const out = Buffer.alloc(HEADER + 4 + valueLen);
  out.writeUInt16BE(STUN_BINDING_SUCCESS, 0);
  out.writeUInt16BE(4 + valueLen, 2);
  out.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  transactionId.copy(out, 8, 0, 12);
  out.writeUInt16BE(ATTR_XOR_MAPPED_ADDRESS, 20);
  out.writeUInt16BE(valueLen, 22);
  out[25] = v6 ? 0x02 : 0x01;
  out.writeUInt16BE(mapped.port ^ (STUN_MAGIC_COOKIE >>> 16), 26);
  const raw = v6 ? ipv6Bytes(mapped.address) : Buffer.from(mapped.address.split(".").map(Number));
  const key = Buffer.concat([out.subarray(4, 8), transactionId]);
  for (let i = 0; i < raw.length; i++) out[28 + i] = (raw[i] ?? 0) ^ (key[i] ?? 0);
  return out;
}

export function ipv6Bytes(address: string): Buffer {
  const [head = "", tail = ""] = address.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = address.includes("::") ? [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2));
  return out;
}

export function formatIpv6(b: Buffer): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
  return parts.join(":").replace(/(^|:)0(:0)+(:|$)/, "::").replace(/:::+/, "::");
}

/**
 * Reads the mapped address from a Binding success response whose transaction id matches.
 * "the client MUST ... use XOR-MAPPED-ADDRESS"; MAPPED-ADDRESS is read only when the server
 * sent no XOR form (RFC 3489 servers).
 */
export function parseBindingResponse(buf: Buffer, transactionId: Buffer): MappedAddress | undefined {
  if (buf.length < HEADER || (buf[0] ?? 0) >> 6 !== 0) return undefined;
  if (buf.readUInt16BE(0) !== STUN_BINDING_SUCCESS || buf.readUInt32BE(4) !== STUN_MAGIC_COOKIE) return undefined;
  if (!buf.subarray(8, 20).equals(transactionId)) return undefined;
  const length = buf.readUInt16BE(2);
  if (HEADER + length > buf.length || length % 4 !== 0) return undefined;
  // §7.3: "if the FINGERPRINT extension is being used, the agent checks that the FINGERPRINT
  // attribute is present and contains the correct value". Ours always is, so a response that
  // carries a wrong one (or whose attributes do not add up) is corrupted or not STUN at all; one
  // without (RFC 3489 servers) is read.
  if (verifyFingerprint(buf) === false) return undefined;
  let plain: MappedAddress | undefined;
  for (let off = HEADER; off + 4 <= HEADER + length; ) {
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    const v = off + 4;
    if (v + len > HEADER + length) return undefined;
    if ((type === ATTR_XOR_MAPPED_ADDRESS || type === ATTR_MAPPED_ADDRESS) && len >= 8) {
      const family = buf[v + 1];
      const xor = type === ATTR_XOR_MAPPED_ADDRESS;
      const port = buf.readUInt16BE(v + 2) ^ (xor ? STUN_MAGIC_COOKIE >>> 16 : 0);
      const key = Buffer.concat([buf.subarray(4, 8), transactionId]);
      const size = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
      if (size === 0 || len < 4 + size) return undefined;
      const raw = Buffer.alloc(size);
      for (let i = 0; i < size; i++) raw[i] = (buf[v + 4 + i] ?? 0) ^ (xor ? (key[i] ?? 0) : 0);
      const address = size === 4 ? [...raw].join(".") : formatIpv6(raw);
      if (xor) return { address, port };
      plain = { address, port };
    }
    off = v + len + ((4 - (len % 4)) % 4);
  }
  return plain;
}
