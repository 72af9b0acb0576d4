/**
 * DTLS-SRTP (RFC 5763, RFC 5764): certificates and fingerprints for the SDP (main thread), the
 * handshake on a leg's RTP port (media workers), and the RFC 7983 demultiplexing of that port.
 */
export { certificateFor, loadCertificateFiles, localFingerprint, prepareEphemeralCertificate } from "./certificate.js";
export type { CertificateChoice, DtlsCertificate } from "./certificate.js";
export { certificateMatches, fingerprintOf, formatFingerprint, parseFingerprint } from "./fingerprint.js";
export type { CertificateFingerprint } from "./fingerprint.js";
export { answerSetup, parseSetup, roleOf } from "./setup-role.js";
export type { DtlsRole, DtlsSetup } from "./setup-role.js";
export { datagramKind } from "../rtp/demux.js";
export type { DatagramKind } from "../rtp/demux.js";
export type { DtlsLegState, DtlsSrtpKeys, LegDtls } from "./types.js";
