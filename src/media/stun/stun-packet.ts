/**
 * General STUN messages (RFC 8489 §5, §14) for ICE connectivity checks and TURN: any method and
 * class, the attributes as a list, MESSAGE-INTEGRITY (HMAC-SHA1, §14.5) and FINGERPRINT (§14.7).
 * `stun-message.ts` keeps the minimal Binding client for `stunaddr`; this one is what the media
 * workers use on the RTP ports. Datagrams are untrusted: `parseStun` returns `undefined` for
 * anything that is not a well-framed STUN message, never throws.
 *
 * The message type (§5) interleaves the method (M0–M11) and the class (C0, C1):
 *
 *      0                 1
 *      2  3  4 5 6 7 8 9 0 1 2 3 4 5
 *     +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
 *     |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
 *     +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { isIPv4 } from "node:net";
import { crc32 } from "node:zlib";
import { formatIpv6, ipv6Bytes, STUN_MAGIC_COOKIE } from "./stun-message.js";

export const StunMethod = { Binding: 0x001, Allocate: 0x003, Refresh: 0x004, Send: 0x006, Data: 0x007, CreatePermission: 0x008, ChannelBind: 0x009 } as const;
export type StunClass = "request" | "indication" | "success" | "error";

/** Attribute types used by ICE (RFC 8445 §16.1) and TURN (RFC 8656 §18). */
export const StunAttr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedTransport: 0x0019,
  XorMappedAddress: 0x0020,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  Software: 0x8022,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
} as const;

const HEADER = 20;
const FINGERPRINT_XOR = 0x5354554e;
const CLASS_BITS: Record<StunClass, number> = { request: 0x000, indication: 0x010, success: 0x100, error: 0x110 };

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunPacket {
  method: number;
  cls: StunClass;
  transactionId: Buffer;
  attributes: StunAttribute[];
}

export interface ParsedStun extends StunPacket {
  /** The whole datagram, for MESSAGE-INTEGRITY checks. */
  raw: Buffer;
  /** Offset of the MESSAGE-INTEGRITY attribute, -1 without one. */
  integrityAt: number;
}

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

/** True for a datagram whose first two bits are 0 and whose second word is the magic cookie. */
export function isStun(buf: Buffer): boolean {
  return buf.length >= HEADER && (buf[0]! & 0xc0) === 0 && buf.readUInt32BE(4) === STUN_MAGIC_COOKIE;
}

function typeOf(method: number, cls: StunClass): number {
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | CLASS_BITS[cls];
}

/** Parses a STUN message; a FINGERPRINT present must be right (§14.7), attributes must tile the body. */
export function parseStun(buf: Buffer): ParsedStun | undefined {
  if (!isStun(buf)) return undefined;
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER + length > buf.length) return undefined;
  const raw = buf.subarray(0, HEADER + length);
  const t = raw.readUInt16BE(0);
  const method = ((t >> 2) & 0xf80) | ((t >> 1) & 0x070) | (t & 0x00f);
  const c = t & 0x110;
  const cls: StunClass = c === 0 ? "request" : c === 0x010 ? "indication" : c === 0x100 ? "success" : "error";
  const attributes: StunAttribute[] = [];
  let integrityAt = -1;
  let off = HEADER;
  while (off < raw.length) {
    if (off + 4 > raw.length) return undefined;
    const type = raw.readUInt16BE(off);
    const len = raw.readUInt16BE(off + 2);
    if (off + 4 + len > raw.length) return undefined;
    if (type === StunAttr.Fingerprint) {
      // "MUST be the last attribute" (§14.7).
      if (len !== 4 || off + 8 !== raw.length) return undefined;
      if (((crc32(raw.subarray(0, off)) ^ FINGERPRINT_XOR) >>> 0) !== raw.readUInt32BE(off + 4)) return undefined;
      break;
    }
    // §14.5: "agents MUST ignore all other attributes that follow MESSAGE-INTEGRITY", except FINGERPRINT.
    if (integrityAt < 0) {
      if (type === StunAttr.MessageIntegrity) {
        if (len !== 20) return undefined;
        integrityAt = off;
      }
      attributes.push({ type, value: raw.subarray(off + 4, off + 4 + len) });
    }
    off += 4 + len + ((4 - (len % 4)) % 4);
  }
  return { method, cls, transactionId: raw.subarray(8, 20), attributes, raw, integrityAt };
}

export function attr(p: StunPacket, type: number): Buffer | undefined {
  return p.attributes.find((a) => a.type === type)?.value;
}

/**
 * Checks MESSAGE-INTEGRITY with `key` (§14.5): the HMAC over the message up to the attribute,
 * with the header length counting up to and including it. False when absent.
 */
export function checkIntegrity(p: ParsedStun, key: Buffer): boolean {
  if (p.integrityAt < 0) return false;
  const copy = Buffer.from(p.raw.subarray(0, p.integrityAt));
  copy.writeUInt16BE(p.integrityAt + 24 - HEADER, 2);
  const mac = createHmac("sha1", key).update(copy).digest();
  return timingSafeEqual(mac, p.raw.subarray(p.integrityAt + 4, p.integrityAt + 24));
}

/** Short-term credential key (§9.1): the password itself. */
export function shortTermKey(password: string): Buffer {
  return Buffer.from(password, "utf8");
}

/** Long-term credential key (§9.2.2): MD5(username ":" realm ":" password). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash("md5").update(`${username}:${realm}:${password}`, "utf8").digest();
}

/**
 * Serializes a message: its attributes padded to 4 bytes, then MESSAGE-INTEGRITY when `key` is
 * given, then FINGERPRINT when `fingerprint` (ICE requires it on every check, RFC 8445 §7.2.2).
 */
export function buildStun(p: StunPacket, key?: Buffer, fingerprint = true): Buffer {
  let size = HEADER;
  for (const a of p.attributes) size += 4 + a.value.length + ((4 - (a.value.length % 4)) % 4);
  const miAt = size;
  if (key !== undefined) size += 24;
  const fpAt = size;
  if (fingerprint) size += 8;
  const out = Buffer.alloc(size);
  out.writeUInt16BE(typeOf(p.method, p.cls), 0);
  out.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  p.transactionId.copy(out, 8, 0, 12);
  let off = HEADER;
  for (const a of p.attributes) {
    out.writeUInt16BE(a.type, off);
    out.writeUInt16BE(a.value.length, off + 2);
    a.value.copy(out, off + 4);
    off += 4 + a.value.length + ((4 - (a.value.length % 4)) % 4);
  }
  if (key !== undefined) {
    out.writeUInt16BE(miAt + 24 - HEADER, 2);
    out.writeUInt16BE(StunAttr.MessageIntegrity, miAt);
    out.writeUInt16BE(20, miAt + 2);
    createHmac("sha1", key).update(out.subarray(0, miAt)).digest().copy(out, miAt + 4);
  }
  if (fingerprint) {
    out.writeUInt16BE(fpAt + 8 - HEADER, 2);
    out.writeUInt16BE(StunAttr.Fingerprint, fpAt);
    out.writeUInt16BE(4, fpAt + 2);
    out.writeUInt32BE((crc32(out.subarray(0, fpAt)) ^ FINGERPRINT_XOR) >>> 0, fpAt + 4);
  } else out.writeUInt16BE(size - HEADER, 2);
  return out;
}

export interface TransportAddress {
  address: string;
  port: number;
}

/** XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS value (§14.2). */
export function xorAddress(a: TransportAddress, transactionId: Buffer): Buffer {
  const v6 = !isIPv4(a.address);
  const out = Buffer.alloc(v6 ? 20 : 8);
  out[1] = v6 ? 0x02 : 0x01;
  out.writeUInt16BE(a.port ^ (STUN_MAGIC_COOKIE >>> 16), 2);
  const raw = v6 ? ipv6Bytes(a.address) : Buffer.from(a.address.split(".").map(Number));
  const key = Buffer.alloc(16);
  key.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
  transactionId.copy(key, 4, 0, 12);
  for (let i = 0; i < raw.length; i++) out[4 + i] = raw[i]! ^ key[i]!;
  return out;
}

export function readXorAddress(v: Buffer | undefined, transactionId: Buffer): TransportAddress | undefined {
  if (v === undefined || v.length < 8) return undefined;
  const size = v[1] === 0x01 ? 4 : v[1] === 0x02 ? 16 : 0;
  if (size === 0 || v.length < 4 + size) return undefined;
  const key = Buffer.alloc(16);
  key.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
  transactionId.copy(key, 4, 0, 12);
  const raw = Buffer.alloc(size);
  for (let i = 0; i < size; i++) raw[i] = v[4 + i]! ^ key[i]!;
  return { address: size === 4 ? [...raw].join(".") : formatIpv6(raw), port: v.readUInt16BE(2) ^ (STUN_MAGIC_COOKIE >>> 16) };
}

/** ERROR-CODE value (§14.8): class and number, then the reason phrase. */
export function errorCode(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, "utf8");
  const out = Buffer.alloc(4 + text.length);
  out[2] = Math.floor(code / 100);
  out[3] = code % 100;
  text.copy(out, 4);
  return out;
}

export function readErrorCode(v: Buffer | undefined): number | undefined {
  if (v === undefined || v.length < 4) return undefined;
  return (v[2]! & 0x07) * 100 + v[3]!;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
