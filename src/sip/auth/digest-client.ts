/**
 * Client side of SIP Digest authentication (RFC 3261 §22.2–22.3, RFC 7616 §3.4): reads a
 * WWW-Authenticate / Proxy-Authenticate challenge and answers it with an Authorization value.
 * Used for outbound registration and calls, and by tests to drive the server side.
 */
import { randomBytes } from "node:crypto";
import type { AuthValue } from "../message/types.js";
import {
  computeHA1,
  computeResponse,
  isAlgorithmSupported,
  parseDigestAlgorithm,
  quoteString,
  type DigestAlgorithm,
} from "./digest-algorithm.js";

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** qop options offered, lower-cased (empty for an RFC 2069 challenge). */
  qop: string[];
  stale: boolean;
}

/**
 * Reads a Digest challenge. Returns undefined for other schemes, for challenges without realm or
 * nonce, for algorithms we cannot compute, and for challenges that offer qop but not "auth"
 * (auth-int is not supported).
 */
export function parseChallenge(value: AuthValue): DigestChallenge | undefined {
  if (value.scheme.toLowerCase() !== "digest") return undefined;
  const p = value.params;
  const realm = p.get("realm");
  const nonce = p.get("nonce");
  if (realm === undefined || !nonce) return undefined;
  const algorithm = parseDigestAlgorithm(p.get("algorithm"));
  if (algorithm === undefined || !isAlgorithmSupported(algorithm)) return undefined;
  const qopRaw = p.get("qop");
  const qop = qopRaw === undefined ? [] : qopRaw.split(",").map((q) => q.trim().toLowerCase()).filter((q) => q !== "");
  if (qop.length > 0 && !qop.includes("auth")) return undefined;
  const opaque = p.get("opaque");
  return {
    realm,
    nonce,
    ...(opaque !== undefined ? { opaque } : {}),
    algorithm,
    qop,
    stale: (p.get("stale") ?? "").toLowerCase() === "true",
  };
}

/**
 * Picks the challenge to answer from several WWW-Authenticate values: the first one we support,
 * since RFC 7616 §3.7 has servers list them in order of preference. Optionally only challenges
 * for one realm.
 */
export function selectChallenge(values: readonly AuthValue[], realm?: string): DigestChallenge | undefined {
  for (const v of values) {
    const c = parseChallenge(v);
    if (c && (realm === undefined || realm === "*" || c.realm === realm)) return c;
  }
  return undefined;
}

export interface AuthorizationOptions {
  challenge: DigestChallenge;
  username: string;
  password: string;
  /** A stored H(username:realm:password) in the challenge's algorithm (password_digest=), used instead of `password`. */
  ha1?: string;
  method: string;
  /** The Request-URI of the request being authorised. */
  uri: string;
  /** Requests sent so far with this nonce, including this one (default 1). */
  nc?: number;
  /** Client nonce; random when omitted. */
  cnonce?: string;
}

/** Formats nc as the 8LHEX RFC 7616 §3.4 requires. */
export function formatNonceCount(nc: number): string {
  if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff) throw new RangeError(`nonce count out of range: ${nc}`);
  return nc.toString(16).padStart(8, "0");
}

/** Builds the Authorization (or Proxy-Authorization) header value answering `challenge`. */
export function buildAuthorization(opts: AuthorizationOptions): string {
  const { challenge: c, username, password, method, uri } = opts;
  const ha1 = opts.ha1 ?? computeHA1(c.algorithm, username, c.realm, password);
  // RFC 3261 §22.4: "If a client receives a "qop" parameter in a challenge header field, it MUST
  // send the "qop" parameter in any resulting authorization header field."
  const useQop = c.qop.includes("auth");
  const needsCnonce = useQop || c.algorithm.endsWith("-sess");
  const cnonce = needsCnonce ? (opts.cnonce ?? randomBytes(12).toString("base64url")) : undefined;
  const nc = useQop ? formatNonceCount(opts.nc ?? 1) : undefined;
  const response = computeResponse({
    alg: c.algorithm,
    ha1,
    method,
    uri,
    nonce: c.nonce,
    ...(nc !== undefined ? { nc } : {}),
    ...(cnonce !== undefined ? { cnonce } : {}),
    ...(useQop ? { qop: "auth" as const } : {}),
  });
  const parts = [
    `username=${quoteString(username)}`,
    `realm=${quoteString(c.realm)}`,
    `nonce=${quoteString(c.nonce)}`,
    `uri=${quoteString(uri)}`,
    `response="${response}"`,
    `algorithm=${c.algorithm}`,
  ];
  if (cnonce !== undefined) parts.push(`cnonce=${quoteString(cnonce)}`);
  if (useQop && nc !== undefined) parts.push("qop=auth", `nc=${nc}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quoteString(c.opaque)}`);
  return `Digest ${parts.join(",")}`;
}
