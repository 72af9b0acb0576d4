/**
 * One DTLS association on one leg's RTP port (RFC 5764 §4): the handshake as client or server
 * with the use_srtp extension, the check of the peer's certificate against the fingerprint its SDP
 * announced (RFC 5763 §5) and against dtls_ca_file, then the SRTP master keys exported as RFC
 * 5764 §4.2 lays them out. Runs in the media worker that owns the socket.
 *
 * The record layer and handshake are werift's (its DtlsClient/DtlsServer, fed through a small
 * transport adapter: datagrams in from the leg's socket, out through `send`); the SRTP that
 * follows is ours (media/srtp), so a DTLS leg and an SDES leg encrypt the same way.
 *
 *   new ── start() ──► waiting (server) ── ClientHello ──► handshaking ──► connected
 *                      handshaking (client) ─────────────────────────────┘    │
 *                         └──── no answer, bad certificate, alert ──► failed ◄┘ (a new handshake
 *                                                                    from the peer re-keys)
 */
import { X509Certificate } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { DtlsClient, DtlsServer } from "werift";
import { certificateMatches, fingerprintOf } from "./fingerprint.js";
import { proofProblem } from "./handshake-proof.js";
import type { DtlsLegState, DtlsSrtpKeys, LegDtls } from "./types.js";

/** RFC 5764 §4.1.2 SRTP protection profiles, and the SDES names of the same transforms (RFC 4568 §6.2). */
const PROFILES = {
  1: { name: "SRTP_AES128_CM_HMAC_SHA1_80", suite: "AES_CM_128_HMAC_SHA1_80" },
  2: { name: "SRTP_AES128_CM_HMAC_SHA1_32", suite: "AES_CM_128_HMAC_SHA1_32" },
} as const;
/** RFC 5764 §4.1.2: both profiles use a 128-bit master key and a 112-bit master salt. */
const KEY_BYTES = 16;
const SALT_BYTES = 14;
/** Datagrams kept while the library loads (a peer retransmits anyway). */
const MAX_EARLY = 8;

export interface DtlsAssociationIo {
  /** Sends a DTLS record toward the peer, on the leg's RTP socket. */
  send(record: Buffer): void;
  /** New SRTP keys (after each completed handshake). */
  keys(keys: DtlsSrtpKeys): void;
  /** The state changed (for the main thread's log and `core show channel`). */
  changed(state: DtlsLegState): void;
}

type WeriftModule = typeof import("werift");
let werift: Promise<WeriftModule> | undefined;

/** The library is large; a worker loads it with its first DTLS leg only. */
function loadWerift(): Promise<WeriftModule> {
  werift ??= import("werift");
  return werift;
}

/** The adapter werift's DtlsSocket reads and writes through; it replaces `onData` with its own handler. */
interface AdapterTransport {
  type: string;
  address: AddressInfo;
  closed: boolean;
  onData: (data: Buffer, addr: readonly [string, number]) => void;
  send: (data: Buffer) => Promise<void>;
  close: () => Promise<void>;
}

export class DtlsAssociation {
  readonly state: DtlsLegState;
  private socket: DtlsClient | DtlsServer | undefined;
  private transport: AdapterTransport | undefined;
  private readonly early: Buffer[] = [];
  private closed = false;

  constructor(
    readonly params: LegDtls,
    private readonly io: DtlsAssociationIo,
  ) {
    this.state = { role: params.role, state: params.role === "client" ? "handshaking" : "waiting" };
  }

  /** Loads the library and creates the endpoint; a client sends its ClientHello at once. */
  start(): void {
    loadWerift().then(
      (w) => this.begin(w),
      (err: unknown) => this.fail(`the DTLS library did not load: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /** A datagram from the peer whose first byte says DTLS (media/rtp/demux.ts). */
  receive(record: Buffer): void {
    if (this.closed) return;
    const t = this.transport;
    if (t === undefined) {
      if (this.early.length < MAX_EARLY) this.early.push(Buffer.from(record));
      return;
    }
    // Untrusted bytes: the library reads record headers without checking their length, so only
    // whole records reach it, and nothing it throws leaves here.
    if (!wholeRecords(record)) return;
    if (this.state.state === "waiting") this.update({ state: "handshaking" });
    try {
      // The library keeps references to what it parses; the socket's buffer is ours only until we return.
      t.onData(Buffer.from(record), ["", 0]);
    } catch {
      // A record it cannot parse is dropped, as a DTLS stack drops an invalid record (RFC 6347 §4.1.2.7).
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.transport !== undefined) this.transport.closed = true;
    this.early.length = 0;
  }

  private begin(w: WeriftModule): void {
    if (this.closed) return;
    const p = this.params;
    const transport: AdapterTransport = {
      type: "udp",
      address: { address: "0.0.0.0", family: "IPv4", port: 0 },
      closed: false,
      onData: () => {},
      send: (data: Buffer) => {
        if (!this.closed) this.io.send(data);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    // werift types its profile list as the two it implements itself (_80 and AES-GCM); the
    // extension carries any RFC 5764 number, and _32 (2) is one our SRTP implements.
    const srtpProfiles = (p.tag32 ? [1, 2] : [1]) as unknown as [1];
    const options = {
      transport,
      srtpProfiles,
      cert: p.certPem,
      key: p.keyPem,
      signatureHash: { hash: w.HashAlgorithm.sha256_4, signature: p.signature === "ecdsa" ? w.SignatureAlgorithm.ecdsa_3 : w.SignatureAlgorithm.rsa_1 },
      // RFC 5763 §5: each side presents a certificate; the server asks for the client's.
      certificateRequest: true,
      extendedMasterSecret: true,
    };
    let socket: DtlsClient | DtlsServer;
    try {
      socket = p.role === "client" ? new w.DtlsClient(options) : new w.DtlsServer(options);
    } catch (err) {
      this.fail(`our DTLS certificate or key is not usable: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.socket = socket;
    this.transport = transport;
    socket.onConnect.subscribe(() => this.connected());
    socket.onError.subscribe((err: Error) => this.fail(`DTLS handshake failed: ${err.message}`));
    socket.onClose.subscribe(() => {
      if (this.state.state !== "connected" && !this.closed) this.fail("the peer sent a DTLS alert and ended the handshake");
    });
    if (socket instanceof w.DtlsClient) {
      socket.connect().catch((err: unknown) => {
        const text = err instanceof Error ? err.message : String(err);
        this.fail(/retransmit/i.test(text) ? "no answer to our DTLS ClientHello (the peer never replied; is it the DTLS server, a=setup:passive, and does its RTP port reach us?)" : `DTLS handshake failed: ${text}`);
      });
    }
    for (const d of this.early.splice(0)) this.receive(d);
  }

  /** A handshake completed: check the peer's certificate, then hand the keys to SRTP. */
  private connected(): void {
    const socket = this.socket;
    if (socket === undefined || this.closed) return;
    const der = socket.remoteCertificate;
    if (der === undefined) return this.fail("the peer presented no certificate (RFC 5763 requires one)");
    const peerFingerprint = fingerprintOf(der, "sha-256")?.value;
    const p = this.params;
    const checked: string[] = [];
    if (p.verifyFingerprint) {
      if (!certificateMatches(der, p.remoteFingerprints)) {
        const announced = p.remoteFingerprints.map((f) => `${f.hash} ${f.value}`).join(", ") || "none";
        return this.fail(`the peer's DTLS certificate (sha-256 ${peerFingerprint ?? "?"}) does not match the a=fingerprint of its SDP (${announced}): someone may be in the middle, or the phone signs with another certificate than it announces; no media is relayed`, peerFingerprint);
      }
      checked.push("fingerprint");
    }
    if (p.verifyFingerprint || p.caPem !== undefined) {
      // The library does not check the peer's signature; a copied certificate must not pass.
      const messages = socket.dtls.sortedHandshakeCache.map((h) => ({ msgType: h.msg_type, body: h.fragment, raw: h.serialize() }));
      const why = proofProblem(p.role, messages, der);
      if (why !== undefined) return this.fail(`the peer presented a certificate without proving it holds its key: ${why}; no media is relayed`, peerFingerprint);
    }
    if (p.caPem !== undefined) {
      const why = caProblem(der, p.caPem);
      if (why !== undefined) return this.fail(`the peer's DTLS certificate is not trusted (dtls_verify with dtls_ca_file/dtls_ca_path): ${why}; no media is relayed`, peerFingerprint);
      checked.push("certificate");
    }
    const number = socket.srtp.srtpProfile as number | undefined;
    const profile = number === 1 || number === 2 ? PROFILES[number] : undefined;
    if (profile === undefined) return this.fail(`no SRTP protection profile agreed (the peer's use_srtp offered ${number === undefined ? "none" : `only profile ${number}`}; we take SRTP_AES128_CM_HMAC_SHA1_80${p.tag32 ? " and _32" : ""})`, peerFingerprint);
    const k: { localKey: Buffer; localSalt: Buffer; remoteKey: Buffer; remoteSalt: Buffer } = socket.extractSessionKeys(KEY_BYTES, SALT_BYTES);
    this.io.keys({
      suite: profile.suite,
      localKey: Buffer.concat([k.localKey, k.localSalt]).toString("base64"),
      remoteKey: Buffer.concat([k.remoteKey, k.remoteSalt]).toString("base64"),
    });
    const verified = checked.length === 0 ? "no" : (checked.join("+") as DtlsLegState["verified"] & string);
    this.update({ state: "connected", profile: profile.name, ...(peerFingerprint !== undefined ? { peerFingerprint } : {}), verified });
  }

  private fail(reason: string, peerFingerprint?: string): void {
    if (this.closed) return;
    this.update({ state: "failed", reason, ...(peerFingerprint !== undefined ? { peerFingerprint } : {}) });
  }

  private update(change: Partial<DtlsLegState>): void {
    Object.assign(this.state, change);
    if (change.state !== "failed") delete this.state.reason;
    this.io.changed({ ...this.state });
  }
}

/** The DTLS record header (RFC 6347 §4.1): type, version, epoch, sequence number, length. */
const RECORD_HEADER = 13;

/** True when `datagram` is one or more complete DTLS records. */
export function wholeRecords(datagram: Buffer): boolean {
  let at = 0;
  while (at < datagram.length) {
    if (datagram.length - at < RECORD_HEADER) return false;
    const end = at + RECORD_HEADER + datagram.readUInt16BE(at + 11);
    if (end > datagram.length) return false;
    at = end;
  }
  return datagram.length > 0;
}

/** Why `der` is not issued by one of the CA certificates in `caPem` (or is outside its validity), or undefined. */
export function caProblem(der: Buffer, caPem: string, now = new Date()): string | undefined {
  let peer: X509Certificate;
  try {
    peer = new X509Certificate(der);
  } catch {
    return "it does not parse as X.509";
  }
  if (now < new Date(peer.validFrom) || now > new Date(peer.validTo)) return `it is valid from ${peer.validFrom} to ${peer.validTo}`;
  const blocks = caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  for (const b of blocks) {
    try {
      const ca = new X509Certificate(b);
      if (peer.checkIssued(ca) && peer.verify(ca.publicKey)) return undefined;
    } catch {
      // An unreadable CA entry cannot vouch for anyone; the others may.
    }
  }
  return `it is issued by ${peer.issuer.replace(/\n/g, ", ")}, which none of the ${blocks.length} trusted CA certificate${blocks.length === 1 ? "" : "s"} signed`;
}
