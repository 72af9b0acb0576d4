/**
 * Certificate fingerprints as SDP carries them (RFC 8122 §5, which RFC 5763 §5 uses): the hash
 * function's name from the IANA "Hash Function Textual Names" registry, then the hash of the DER
 * certificate as upper-case hex pairs separated by colons:
 *
 *   a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB
 */
import { createHash } from "node:crypto";

/** The hash functions we compute (RFC 8122 §5: "sha-1", "sha-224", "sha-256", "sha-384", "sha-512", "md5", "md2"). */
const HASHES: Readonly<Record<string, string>> = { "sha-1": "sha1", "sha-224": "sha224", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512" };

export interface CertificateFingerprint {
  /** Lower-case textual name ("sha-256"), RFC 8122 says it is compared case-insensitively. */
  hash: string;
  /** Upper-case hex pairs with colons. */
  value: string;
}

/** The fingerprint of a DER certificate under `hash` ("sha-256", "SHA-1" …); undefined for a hash we cannot compute. */
export function fingerprintOf(der: Buffer, hash: string): CertificateFingerprint | undefined {
  const name = hash.toLowerCase();
  const algorithm = HASHES[name];
  if (algorithm === undefined) return undefined;
  const hex = createHash(algorithm).update(der).digest("hex").toUpperCase();
  return { hash: name, value: hex.match(/../g)?.join(":") ?? "" };
}

/** Reads an a=fingerprint value ("sha-256 AB:CD:…"); undefined when it is not one. */
export function parseFingerprint(hash: unknown, value: unknown): CertificateFingerprint | undefined {
  if (typeof hash !== "string" || typeof value !== "string") return undefined;
  if (!/^[A-Za-z0-9-]{1,16}$/.test(hash) || !/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){15,63}$/.test(value)) return undefined;
  return { hash: hash.toLowerCase(), value: value.toUpperCase() };
}

/**
 * RFC 8122 §5: the certificate presented in the handshake must match a fingerprint of the SDP.
 * True when one of `expected` (whose hash we can compute) equals the certificate's.
 */
export function certificateMatches(der: Buffer, expected: readonly CertificateFingerprint[]): boolean {
  return expected.some((f) => fingerprintOf(der, f.hash)?.value === f.value.toUpperCase());
}

/** The a=fingerprint line's value: "sha-256 AB:CD:…". */
export function formatFingerprint(f: CertificateFingerprint): string {
  return `${f.hash} ${f.value}`;
}
