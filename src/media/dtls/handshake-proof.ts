/**
 * Proof that the peer holds the key of the certificate it presented (TLS 1.2, RFC 5246 §7.4.3,
 * §7.4.8, with RFC 4492 §5.4 for ECDHE): a DTLS server signs its ephemeral ECDH parameters
 * together with both hello randoms (ServerKeyExchange); a client signs the handshake messages
 * up to its CertificateVerify. Checking the certificate's fingerprint alone (RFC 5763 §5) would
 * let anyone who copied the peer's certificate off the wire pass; this check closes that.
 *
 *   ServerKeyExchange:  ServerECDHParams | SignatureAndHashAlgorithm (2) | signature<2..2^16-1>
 *                       signed: client_random (32) | server_random (32) | ServerECDHParams
 *   CertificateVerify:  SignatureAndHashAlgorithm (2) | signature<2..2^16-1>
 *                       signed: every handshake message before it, DTLS headers included
 *                       (RFC 6347 §4.2.6), from the ClientHello that carried the cookie on
 *
 * Pure: it reads the handshake messages as they were exchanged (unfragmented, in order).
 */
import { createPublicKey, verify, X509Certificate, type KeyObject } from "node:crypto";

/** A handshake message: its type, its body, and its serialized form (DTLS header + body) for the transcript. */
export interface HandshakeMessage {
  msgType: number;
  body: Buffer;
  raw: Buffer;
}

const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const HELLO_VERIFY_REQUEST = 3;
const SERVER_KEY_EXCHANGE = 12;
const CERTIFICATE_VERIFY = 15;
/** RFC 5246 §7.4.1.4.1 HashAlgorithm codes. */
const HASHES: Readonly<Record<number, string>> = { 2: "sha1", 4: "sha256", 5: "sha384", 6: "sha512" };
/** ECParameters: curve_type named_curve (3), a 2-byte curve id; then the point with a 1-byte length. */
const NAMED_CURVE = 3;

/** Why the peer's signature does not prove its certificate (undefined: it does). `role` is ours. */
export function proofProblem(role: "client" | "server", messages: readonly HandshakeMessage[], peerCertificate: Buffer): string | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey(new X509Certificate(peerCertificate).publicKey.export({ type: "spki", format: "pem" }));
  } catch {
    return "its certificate's public key cannot be read";
  }
  return role === "client" ? serverProof(messages, key) : clientProof(messages, key);
}

/** We are the client: the server's ServerKeyExchange signature over the randoms and its ECDH parameters. */
function serverProof(messages: readonly HandshakeMessage[], key: KeyObject): string | undefined {
  const hello = [...messages].reverse().find((m) => m.msgType === CLIENT_HELLO);
  const serverHello = messages.find((m) => m.msgType === SERVER_HELLO);
  const kx = messages.find((m) => m.msgType === SERVER_KEY_EXCHANGE);
  if (hello === undefined || serverHello === undefined || kx === undefined) return "the handshake lacks a ClientHello, ServerHello or ServerKeyExchange";
  const b = kx.body;
  if (b.length < 4 || b[0] !== NAMED_CURVE) return "its ServerKeyExchange does not carry named-curve ECDH parameters";
  const paramsLength = 4 + (b[3] ?? 0);
  const signed = signature(b, paramsLength);
  if (typeof signed === "string") return `its ServerKeyExchange ${signed}`;
  // client_version (2) then the 32-byte random, in both hellos (RFC 5246 §7.4.1.2-3).
  const data = Buffer.concat([hello.body.subarray(2, 34), serverHello.body.subarray(2, 34), b.subarray(0, paramsLength)]);
  return check(signed, data, key) ? undefined : "its ServerKeyExchange signature does not verify with the certificate's key";
}

/** We are the server: the client's CertificateVerify over the transcript before it. */
function clientProof(messages: readonly HandshakeMessage[], key: KeyObject): string | undefined {
  const at = messages.findIndex((m) => m.msgType === CERTIFICATE_VERIFY);
  if (at < 0) return "it sent no CertificateVerify";
  const cv = messages[at];
  if (cv === undefined) return "it sent no CertificateVerify";
  const signed = signature(cv.body, 0);
  if (typeof signed === "string") return `its CertificateVerify ${signed}`;
  const before = messages.slice(0, at).filter((m) => m.msgType !== HELLO_VERIFY_REQUEST);
  // The transcript starts at the last ClientHello (the one with the cookie, RFC 6347 §4.2.6).
  const first = before.map((m) => m.msgType).lastIndexOf(CLIENT_HELLO);
  const data = Buffer.concat(before.slice(Math.max(0, first)).map((m) => m.raw));
  return check(signed, data, key) ? undefined : "its CertificateVerify signature does not verify with the certificate's key";
}

/** Reads SignatureAndHashAlgorithm and the signature at `offset`; a problem in words otherwise. */
function signature(b: Buffer, offset: number): { hash: string; signature: Buffer } | string {
  if (b.length < offset + 4) return "is cut short";
  const hash = HASHES[b[offset] ?? -1];
  if (hash === undefined) return `uses hash algorithm ${b[offset] ?? "?"}, which we do not check`;
  const length = b.readUInt16BE(offset + 2);
  if (b.length < offset + 4 + length) return "is cut short";
  return { hash, signature: b.subarray(offset + 4, offset + 4 + length) };
}

function check(s: { hash: string; signature: Buffer }, data: Buffer, key: KeyObject): boolean {
  try {
    return verify(s.hash, data, key, s.signature);
  } catch {
    return false;
  }
}
