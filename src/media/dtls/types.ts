/**
 * DTLS-SRTP shapes that cross `postMessage` between the main thread (MediaSession, MediaEngine)
 * and the media workers. Plain data only.
 */
import type { CertificateFingerprint } from "./fingerprint.js";
import type { DtlsRole } from "./setup-role.js";

/** What a leg's DTLS association needs (RFC 5763 §5, RFC 5764 §4). */
export interface LegDtls {
  role: DtlsRole;
  /** Our certificate and its key (PKCS#8), PEM. */
  certPem: string;
  keyPem: string;
  signature: "ecdsa" | "rsa";
  /** The peer's a=fingerprint values. */
  remoteFingerprints: CertificateFingerprint[];
  /** dtls_verify=fingerprint|yes: a certificate that matches none of them gets no keys. */
  verifyFingerprint: boolean;
  /** dtls_verify=certificate|yes with dtls_ca_file/dtls_ca_path: CA certificates (PEM) the peer's must be signed by. */
  caPem?: string;
  /** Offer SRTP_AES128_CM_HMAC_SHA1_32 too (after _80). */
  tag32: boolean;
  /**
   * Changes when the SDP asks for a new association (a=connection:new with another fingerprint or
   * role, RFC 4145 §5): the worker then starts a fresh handshake; the same value keeps the one it has.
   */
  association: number;
}

/** The SRTP master keys a handshake exported (RFC 5764 §4.2), as SDES-style inline keys (base64 of key || salt). */
export interface DtlsSrtpKeys {
  suite: "AES_CM_128_HMAC_SHA1_80" | "AES_CM_128_HMAC_SHA1_32";
  /** Ours: encrypts what we send. */
  localKey: string;
  /** The peer's: decrypts what it sends. */
  remoteKey: string;
}

/** Where a leg's DTLS association stands, for `core show channel` and the log. */
export interface DtlsLegState {
  role: DtlsRole;
  state: "waiting" | "handshaking" | "connected" | "failed";
  /** The SRTP protection profile agreed (RFC 5764 §4.1.2 name). */
  profile?: string;
  /** The peer certificate's SHA-256 fingerprint, once seen. */
  peerFingerprint?: string;
  /** Whether it was checked against the SDP (dtls_verify) and matched. */
  verified?: "fingerprint" | "certificate" | "fingerprint+certificate" | "no";
  /** Why it failed, in plain words. */
  reason?: string;
}
