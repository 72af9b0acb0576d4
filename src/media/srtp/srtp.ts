/**
 * SRTP and SRTCP (RFC 3711) with the AES_CM_128_HMAC_SHA1_80 and _32 suites of RFC 4568 §6.2,
 * on node:crypto: AES-128 in counter mode for confidentiality, HMAC-SHA1 (80- or 32-bit tag) for
 * integrity, session keys derived from the master key and salt (§4.3, key derivation rate 0),
 * the rollover counter estimated from sequence numbers (§3.3.1), and a 64-packet replay window
 * (§3.3.2). One context protects one direction of one leg: a sender keeps its own, the receiver
 * the mirror one built from the same master key.
 *
 * SRTCP's tag is always 80 bits (RFC 4568 §6.2.1: the _32 suite shortens only SRTP's).
 */
import { createCipheriv, createHmac, timingSafeEqual } from "node:crypto";

export type SrtpSuite = "AES_CM_128_HMAC_SHA1_80" | "AES_CM_128_HMAC_SHA1_32";

/** A Master Key Identifier (RFC 3711 §3.1): `value` written big-endian in `length` bytes (RFC 4568: 1 to 128). */
export interface SrtpMki {
  value: number;
  length: number;
}

function mkiBytes(m: SrtpMki): Buffer {
  const b = Buffer.alloc(m.length);
  let v = m.value;
  for (let i = m.length - 1; i >= 0; i--) {
    b[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return b;
}

/** §4.3.1 labels. */
const LABEL = { rtpKey: 0, rtpAuth: 1, rtpSalt: 2, rtcpKey: 3, rtcpAuth: 4, rtcpSalt: 5 } as const;

const MASTER_KEY_BYTES = 16;
const MASTER_SALT_BYTES = 14;
const AUTH_KEY_BYTES = 20;
const REPLAY_WINDOW = 64;
const SRTCP_TAG_BYTES = 10;

/**
 * §4.3.1/§4.3.3 with kdr = 0: AES-CM under the master key, keystream from the IV
 * (label at octet 7 of the salt, XORed) followed by a zero 16-bit block counter.
 */
export function deriveSessionKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, MASTER_SALT_BYTES);
  iv[7] = (iv[7] ?? 0) ^ label;
  const cipher = createCipheriv("aes-128-ctr", masterKey, iv);
  return cipher.update(Buffer.alloc(length));
}

interface SessionKeys {
  key: Buffer;
  salt: Buffer;
  auth: Buffer;
}

function sessionKeys(masterKey: Buffer, masterSalt: Buffer, rtcp: boolean): SessionKeys {
  return {
    key: deriveSessionKey(masterKey, masterSalt, rtcp ? LABEL.rtcpKey : LABEL.rtpKey, 16),
    salt: deriveSessionKey(masterKey, masterSalt, rtcp ? LABEL.rtcpSalt : LABEL.rtpSalt, MASTER_SALT_BYTES),
    auth: deriveSessionKey(masterKey, masterSalt, rtcp ? LABEL.rtcpAuth : LABEL.rtpAuth, AUTH_KEY_BYTES),
  };
}

/** §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16), index 48 bits. */
function counterIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv, 0, 0, MASTER_SALT_BYTES);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  const high = Math.floor(index / 0x100000000);
  const low = index >>> 0;
  iv.writeUInt16BE((iv.readUInt16BE(8) ^ high) & 0xffff, 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ low) >>> 0, 10);
  return iv;
}

/** The AES-CM keystream of a packet (RFC 3711 Appendix B.2's test vector checks it). */
export function keystream(sessionKey: Buffer, sessionSalt: Buffer, ssrc: number, index: number, length: number): Buffer {
  return aesCm(sessionKey, counterIv(sessionSalt, ssrc, index), Buffer.alloc(length));
}

function aesCm(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  return createCipheriv("aes-128-ctr", key, iv).update(data);
}

/** Why a packet was not accepted; the caller counts these, never logs per packet. */
export type UnprotectFailure = "short" | "auth" | "replay";

/** Per-SSRC counters: sender — the rollover counter and the highest index sent; receiver — the highest index received and the replay window. */
interface StreamState {
  roc: number;
  lastSeq: number;
  maxIndex: number;
  window: bigint;
}

/** What a context has counted, to carry it to another worker with the leg (structured-clone safe). */
export interface SrtpState {
  streams: Array<[number, StreamState]>;
  srtcpIndex: number;
  rtcpStreams: Array<[number, { maxIndex: number; window: bigint }]>;
}

export class SrtpContext {
  private readonly rtp: SessionKeys;
  private readonly rtcp: SessionKeys;
  private readonly tagBytes: number;
  /** RFC 3711 §3.1 MKI the peer puts before the tag (RFC 4568 `|value:length`); not authenticated. */
  private readonly mki: Buffer | undefined;
  /** Sender: per SSRC the ROC and the last sequence number sent. Receiver: the highest index seen and the window. */
  private readonly streams = new Map<number, StreamState>();
  private srtcpIndex = 0;
  private readonly rtcpStreams = new Map<number, { maxIndex: number; window: bigint }>();

  /** `replayProtection` false (rtp.conf srtpreplayprotection=no) accepts a repeated index; the window is still kept. */
  constructor(suite: SrtpSuite, masterKey: Buffer, masterSalt: Buffer, mki?: SrtpMki, private readonly replayProtection = true) {
    if (masterKey.length !== MASTER_KEY_BYTES || masterSalt.length !== MASTER_SALT_BYTES) {
      throw new Error(`SRTP: ${suite} needs a 16-byte master key and a 14-byte master salt (got ${masterKey.length} and ${masterSalt.length})`);
    }
    this.rtp = sessionKeys(masterKey, masterSalt, false);
    this.rtcp = sessionKeys(masterKey, masterSalt, true);
    this.tagBytes = suite === "AES_CM_128_HMAC_SHA1_32" ? 4 : 10;
    if (mki !== undefined) this.mki = mkiBytes(mki);
  }

  /**
   * The counters, so that a leg moved to another worker goes on where it was: a fresh context
   * would restart the rollover counter and the SRTCP index under the same key (keystream reuse,
   * RFC 3711 §9.1) and forget the replay window.
   */
  state(): SrtpState {
    return {
      streams: [...this.streams].map(([k, v]) => [k, { ...v }]),
      srtcpIndex: this.srtcpIndex,
      rtcpStreams: [...this.rtcpStreams].map(([k, v]) => [k, { ...v }]),
    };
  }

  restoreState(s: SrtpState): void {
    for (const [k, v] of s.streams) this.streams.set(k, { ...v });
    for (const [k, v] of s.rtcpStreams) this.rtcpStreams.set(k, { ...v });
    this.srtcpIndex = s.srtcpIndex;
  }

  /** RFC 4568 inline key: base64 of the 30 bytes master key || master salt. */
  static fromInlineKey(suite: SrtpSuite, base64: string, mki?: SrtpMki, replayProtection = true): SrtpContext {
    const raw = Buffer.from(base64, "base64");
    return new SrtpContext(suite, raw.subarray(0, MASTER_KEY_BYTES), raw.subarray(MASTER_KEY_BYTES, MASTER_KEY_BYTES + MASTER_SALT_BYTES), mki, replayProtection);
  }

  /** §3.1: encrypts the payload of an RTP packet (header, CSRCs and extension stay clear) and appends the tag. */
  protect(packet: Buffer): Buffer {
    const headerLength = rtpHeaderLength(packet);
    if (headerLength === undefined) throw new Error("SRTP: not an RTP packet");
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    // §3.3.1: the sender's index follows the highest one sent, estimated as the receiver will
    // (a packet relayed late, just across a wrap, keeps its own rollover counter and does not
    // move the highest index back).
    let s = this.streams.get(ssrc);
    if (s === undefined) {
      s = { roc: 0, lastSeq: seq, maxIndex: seq, window: 0n };
      this.streams.set(ssrc, s);
    }
    const roc = estimateRoc(s.maxIndex, seq);
    const index = roc * 0x10000 + seq;
    if (index > s.maxIndex) {
      s.maxIndex = index;
      s.roc = roc;
      s.lastSeq = seq;
    }
    const mki = this.mki?.length ?? 0;
    const out = Buffer.allocUnsafe(packet.length + mki + this.tagBytes);
    packet.copy(out, 0, 0, headerLength);
    aesCm(this.rtp.key, counterIv(this.rtp.salt, ssrc, index), packet.subarray(headerLength)).copy(out, headerLength);
    if (this.mki !== undefined) this.mki.copy(out, packet.length);
    this.rtpTag(out.subarray(0, packet.length), roc).copy(out, packet.length + mki, 0, this.tagBytes);
    return out;
  }

  /** §3.3: checks the tag and the replay window, then decrypts; the RTP packet, or why not. */
  unprotect(packet: Buffer): Buffer | UnprotectFailure {
    const headerLength = rtpHeaderLength(packet);
    const mki = this.mki?.length ?? 0;
    if (headerLength === undefined || packet.length < headerLength + mki + this.tagBytes) return "short";
    const body = packet.subarray(0, packet.length - mki - this.tagBytes);
    if (this.mki !== undefined && !this.mki.equals(packet.subarray(body.length, body.length + mki))) return "auth";
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const s = this.streams.get(ssrc);
    const roc = s === undefined || s.maxIndex < 0 ? 0 : estimateRoc(s.maxIndex, seq);
    const index = roc * 0x10000 + seq;
    if (this.replayProtection && s !== undefined && s.maxIndex >= 0 && !fresh(s, index)) return "replay";
    const tag = packet.subarray(packet.length - this.tagBytes);
    if (!timingSafeEqual(tag, this.rtpTag(body, roc).subarray(0, this.tagBytes))) return "auth";
    const st = s ?? { roc: 0, lastSeq: seq, maxIndex: -1, window: 0n };
    if (s === undefined) this.streams.set(ssrc, st);
    accept(st, index);
    const out = Buffer.allocUnsafe(body.length);
    body.copy(out, 0, 0, headerLength);
    aesCm(this.rtp.key, counterIv(this.rtp.salt, ssrc, index), body.subarray(headerLength)).copy(out, headerLength);
    return out;
  }

  /** §3.4: SRTCP, everything after the first 8 bytes encrypted, E flag and 31-bit index, 80-bit tag. */
  protectRtcp(packet: Buffer): Buffer {
    if (packet.length < 8) throw new Error("SRTCP: not an RTCP packet");
    const ssrc = packet.readUInt32BE(4);
    const index = this.srtcpIndex;
    this.srtcpIndex = (this.srtcpIndex + 1) & 0x7fffffff;
    const mki = this.mki?.length ?? 0;
    const out = Buffer.allocUnsafe(packet.length + 4 + mki + SRTCP_TAG_BYTES);
    packet.copy(out, 0, 0, 8);
    aesCm(this.rtcp.key, counterIv(this.rtcp.salt, ssrc, index), packet.subarray(8)).copy(out, 8);
    out.writeUInt32BE((0x80000000 | index) >>> 0, packet.length);
    const signed = out.subarray(0, packet.length + 4);
    if (this.mki !== undefined) this.mki.copy(out, packet.length + 4);
    createHmac("sha1", this.rtcp.auth).update(signed).digest().copy(out, packet.length + 4 + mki, 0, SRTCP_TAG_BYTES);
    return out;
  }

  unprotectRtcp(packet: Buffer): Buffer | UnprotectFailure {
    const mki = this.mki?.length ?? 0;
    if (packet.length < 8 + 4 + mki + SRTCP_TAG_BYTES) return "short";
    const signed = packet.subarray(0, packet.length - mki - SRTCP_TAG_BYTES);
    if (this.mki !== undefined && !this.mki.equals(packet.subarray(signed.length, signed.length + mki))) return "auth";
    const tag = packet.subarray(packet.length - SRTCP_TAG_BYTES);
    if (!timingSafeEqual(tag, createHmac("sha1", this.rtcp.auth).update(signed).digest().subarray(0, SRTCP_TAG_BYTES))) return "auth";
    const word = packet.readUInt32BE(signed.length - 4);
    const encrypted = (word & 0x80000000) !== 0;
    const index = word & 0x7fffffff;
    const ssrc = packet.readUInt32BE(4);
    let s = this.rtcpStreams.get(ssrc);
    if (this.replayProtection && s !== undefined && !fresh(s, index)) return "replay";
    s ??= { maxIndex: -1, window: 0n };
    this.rtcpStreams.set(ssrc, s);
    accept(s, index);
    const body = signed.subarray(0, signed.length - 4);
    if (!encrypted) return Buffer.from(body);
    const out = Buffer.allocUnsafe(body.length);
    body.copy(out, 0, 0, 8);
    aesCm(this.rtcp.key, counterIv(this.rtcp.salt, ssrc, index), body.subarray(8)).copy(out, 8);
    return out;
  }

  /** §4.2: HMAC-SHA1 over the authenticated portion followed by the 32-bit ROC. */
  private rtpTag(authenticated: Buffer, roc: number): Buffer {
    const r = Buffer.allocUnsafe(4);
    r.writeUInt32BE(roc >>> 0, 0);
    return createHmac("sha1", this.rtp.auth).update(authenticated).update(r).digest();
  }
}

/** Length of the RTP header with CSRCs and extension, or undefined when it is not RTP v2 or is cut short. */
function rtpHeaderLength(p: Buffer): number | undefined {
  if (p.length < 12 || ((p[0] ?? 0) >> 6) !== 2) return undefined;
  let n = 12 + ((p[0] ?? 0) & 0x0f) * 4;
  if (((p[0] ?? 0) & 0x10) !== 0) {
    if (p.length < n + 4) return undefined;
    n += 4 + p.readUInt16BE(n + 2) * 4;
  }
  return n <= p.length ? n : undefined;
}

/** §3.3.1 (Appendix A): the ROC that puts `seq` closest to the highest index received. */
function estimateRoc(maxIndex: number, seq: number): number {
  const sl = maxIndex % 0x10000;
  const roc = Math.floor(maxIndex / 0x10000);
  if (sl < 0x8000) return seq - sl > 0x8000 && roc > 0 ? roc - 1 : roc;
  return sl - 0x8000 > seq ? (roc + 1) >>> 0 : roc;
}

/** §3.3.2: not seen before and not older than the window. */
function fresh(s: { maxIndex: number; window: bigint }, index: number): boolean {
  if (s.maxIndex < 0 || index > s.maxIndex) return true;
  const age = s.maxIndex - index;
  if (age >= REPLAY_WINDOW) return false;
  return (s.window & (1n << BigInt(age))) === 0n;
}

function accept(s: { maxIndex: number; window: bigint }, index: number): void {
  if (s.maxIndex < 0) {
    s.maxIndex = index;
    s.window = 1n;
    return;
  }
  if (index > s.maxIndex) {
    const shift = index - s.maxIndex;
    s.window = shift >= REPLAY_WINDOW ? 1n : ((s.window << BigInt(shift)) | 1n) & ((1n << BigInt(REPLAY_WINDOW)) - 1n);
    s.maxIndex = index;
  } else {
    s.window |= 1n << BigInt(s.maxIndex - index);
  }
}
