/**
 * Digest algorithms and the response computation of RFC 7616 §3.4 (which keeps RFC 2617 §3.2.2
 * and the RFC 2069 form without qop). Used by SIP as RFC 3261 §22.4 describes, with RFC 8760
 * adding SHA-256 and SHA-512/256 to SIP.
 *
 * `computeHA1` returns H(username ":" realm ":" password), the value pjsip's `password_digest`
 * stores; the `-sess` variants derive their session HA1 from it inside `computeResponse`, so a
 * stored digest serves both `ALG` and `ALG-sess`.
 */
import { createHash, getHashes } from "node:crypto";
import { PbxError } from "../../core/errors.js";

export const DIGEST_ALGORITHMS = [
  "MD5",
  "MD5-sess",
  "SHA-256",
  "SHA-256-sess",
  "SHA-512-256",
  "SHA-512-256-sess",
] as const;

export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** The algorithm with `-sess` removed: the key for stored `password_digest` values. */
export type BaseDigestAlgorithm = "MD5" | "SHA-256" | "SHA-512-256";

const NODE_HASH: Record<BaseDigestAlgorithm, string> = {
  MD5: "md5",
  "SHA-256": "sha256",
  "SHA-512-256": "sha512-256",
};

/** Hex length of each algorithm's output; a response of another length is malformed. */
const HEX_LENGTH: Record<BaseDigestAlgorithm, number> = { MD5: 32, "SHA-256": 64, "SHA-512-256": 64 };

const AVAILABLE = new Set(getHashes());

const BY_LOWER = new Map<string, DigestAlgorithm>(DIGEST_ALGORITHMS.map((a) => [a.toLowerCase(), a]));

/**
 * Reads an `algorithm=` parameter. RFC 7616 §3.3: "If this is not present, it is assumed to be
 * MD5." Token comparison is case-insensitive. Returns undefined for names we do not know.
 */
export function parseDigestAlgorithm(text: string | undefined): DigestAlgorithm | undefined {
  if (text === undefined) return "MD5";
  return BY_LOWER.get(text.trim().toLowerCase());
}

export function baseAlgorithm(alg: DigestAlgorithm): BaseDigestAlgorithm {
  return (alg.endsWith("-sess") ? alg.slice(0, -5) : alg) as BaseDigestAlgorithm;
}

export function isSessionAlgorithm(alg: DigestAlgorithm): boolean {
  return alg.endsWith("-sess");
}

/**
 * Whether this Node build can compute the algorithm. SHA-512/256 needs an OpenSSL that exposes
 * `sha512-256`; where it is missing the algorithm is reported unsupported rather than failing.
 */
export function isAlgorithmSupported(alg: DigestAlgorithm): boolean {
  return AVAILABLE.has(NODE_HASH[baseAlgorithm(alg)]);
}

/** The expected hex length of a `response` computed with this algorithm. */
export function digestHexLength(alg: DigestAlgorithm): number {
  return HEX_LENGTH[baseAlgorithm(alg)];
}

/** H(data) as lower-case hex; strings are hashed as UTF-8 (RFC 7616 §3.4.1). */
export function digestHash(alg: DigestAlgorithm, data: string): string {
  const name = NODE_HASH[baseAlgorithm(alg)];
  if (!AVAILABLE.has(name)) {
    throw new PbxError("INVALID_ARGUMENT", `digest algorithm ${alg} is not supported by this Node/OpenSSL build`);
  }
  return createHash(name).update(data, "utf8").digest("hex");
}

/** RFC 7616 §3.4.2: A1 = username ":" realm ":" passwd; returns H(A1). */
export function computeHA1(alg: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(alg, `${username}:${realm}:${password}`);
}

export interface ResponseInput {
  alg: DigestAlgorithm;
  /** H(username:realm:password), as from `computeHA1` or a stored `password_digest`. */
  ha1: string;
  method: string;
  /** The digest-uri exactly as the client sent it in `uri=`. */
  uri: string;
  nonce: string;
  /** Eight hex digits, as sent (`00000001`). Required with qop. */
  nc?: string;
  /** Required with qop and with `-sess` algorithms. */
  cnonce?: string;
  /** Only `auth` is supported; omit for the RFC 2069 form. */
  qop?: "auth";
}

/**
 * The request-digest of RFC 7616 §3.4.1. With qop:
 *   response = H(H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2))
 * without qop (RFC 2069 compatibility):
 *   response = H(H(A1) ":" nonce ":" H(A2))
 * where A2 = Method ":" request-uri (§3.4.3, qop "auth" or absent).
 */
export function computeResponse(input: ResponseInput): string {
  const { alg, method, uri, nonce } = input;
  let ha1 = input.ha1.toLowerCase();
  if (isSessionAlgorithm(alg)) {
    if (input.cnonce === undefined) {
      throw new PbxError("INVALID_ARGUMENT", `${alg} needs a cnonce to compute the session key`);
    }
    // RFC 7616 §3.4.2: for -sess, A1 = H(username:realm:passwd) ":" nonce ":" cnonce.
    ha1 = digestHash(alg, `${ha1}:${nonce}:${input.cnonce}`);
  }
  const ha2 = digestHash(alg, `${method}:${uri}`);
  if (input.qop === undefined) return digestHash(alg, `${ha1}:${nonce}:${ha2}`);
  if (input.nc === undefined || input.cnonce === undefined) {
    throw new PbxError("INVALID_ARGUMENT", "qop=auth needs nc and cnonce");
  }
  return digestHash(alg, `${ha1}:${nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

/** Quotes a value as an RFC 3261 §25.1 quoted-string, escaping `"` and `\`. */
export function quoteString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => "\\" + c)}"`;
}
