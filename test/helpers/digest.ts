/**
 * HTTP Digest client side for SIP (RFC 2617, RFC 7616 for SHA-256, RFC 8760 for SIP), written
 * independently of src/ so that the harness cannot share a bug with the code under test.
 */
import { createHash, randomBytes } from "node:crypto";

export type DigestAlgorithm = "MD5" | "SHA-256";

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  /** As the challenge spells it, e.g. "MD5" or "SHA-256" ({@link DigestAlgorithm}); others kept as given. */
  readonly algorithm: string;
  /** Offered qop values, e.g. ["auth"]; empty when the challenge had no qop. */
  readonly qop: string[];
  readonly stale: boolean;
  /** Every parameter as received (names lower-cased, quotes removed). */
  readonly params: Readonly<Record<string, string>>;
}

/** Parses a `WWW-Authenticate` / `Proxy-Authenticate` value; undefined unless it is Digest. */
export function parseChallenge(value: string): DigestChallenge | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (m?.[1] === undefined) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let p = re.exec(m[1]); p !== null; p = re.exec(m[1])) {
    const name = (p[1] ?? "").toLowerCase();
    params[name] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  }
  if (params.realm === undefined || params.nonce === undefined) return undefined;
  return {
    realm: params.realm,
    nonce: params.nonce,
    ...(params.opaque !== undefined ? { opaque: params.opaque } : {}),
    algorithm: params.algorithm ?? "MD5",
    qop: (params.qop ?? "").split(",").map((q) => q.trim()).filter((q) => q !== ""),
    stale: (params.stale ?? "").toLowerCase() === "true",
    params,
  };
}

function hash(algorithm: string, text: string): string {
  const name = algorithm.toUpperCase().replace(/-SESS$/, "");
  if (name === "MD5") return createHash("md5").update(text).digest("hex");
  if (name === "SHA-256") return createHash("sha256").update(text).digest("hex");
  if (name === "SHA-512-256") return createHash("sha512-256").update(text).digest("hex");
  throw new Error(`unsupported digest algorithm ${algorithm}`);
}

export interface DigestInput {
  readonly algorithm?: string;
  readonly username: string;
  readonly realm: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  /** "auth" or undefined (RFC 2069 compatibility form). */
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
}

/**
 * The `response` value. RFC 2617 §3.2.2.1: request-digest = KD(H(A1), nonce ":" nc ":" cnonce ":"
 * qop ":" H(A2)) with qop, and KD(H(A1), nonce ":" H(A2)) without; A1 = user:realm:password and
 * A2 = method:uri for qop=auth.
 */
export function digestResponse(d: DigestInput): string {
  const alg = d.algorithm ?? "MD5";
  let ha1 = hash(alg, `${d.username}:${d.realm}:${d.password}`);
  if (/-sess$/i.test(alg)) ha1 = hash(alg, `${ha1}:${d.nonce}:${d.cnonce ?? ""}`);
  const ha2 = hash(alg, `${d.method}:${d.uri}`);
  if (d.qop !== undefined) return hash(alg, `${ha1}:${d.nonce}:${d.nc ?? "00000001"}:${d.cnonce ?? ""}:${d.qop}:${ha2}`);
  return hash(alg, `${ha1}:${d.nonce}:${ha2}`);
}

export interface AuthorizationOptions {
  readonly username: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nc?: number;
  readonly cnonce?: string;
  /** Force a qop even when the challenge offered none (svcrack-style broken clients). */
  readonly forceQop?: string;
}

/** Builds an `Authorization` header value answering `challenge`. */
export function buildAuthorization(challenge: DigestChallenge, o: AuthorizationOptions): string {
  const qop = o.forceQop ?? (challenge.qop.includes("auth") ? "auth" : undefined);
  const nc = (o.nc ?? 1).toString(16).padStart(8, "0");
  const cnonce = o.cnonce ?? randomBytes(8).toString("hex");
  const response = digestResponse({
    algorithm: challenge.algorithm,
    username: o.username,
    realm: challenge.realm,
    password: o.password,
    method: o.method,
    uri: o.uri,
    nonce: challenge.nonce,
    ...(qop !== undefined ? { qop, nc, cnonce } : {}),
  });
  const parts = [
    `username="${o.username}"`,
    `realm="${challenge.realm}"`,
    `nonce="${challenge.nonce}"`,
    `uri="${o.uri}"`,
    `response="${response}"`,
    `algorithm=${challenge.algorithm}`,
  ];
  if (challenge.opaque !== undefined) parts.push(`opaque="${challenge.opaque}"`);
  if (qop !== undefined) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  return `Digest ${parts.join(", ")}`;
}
