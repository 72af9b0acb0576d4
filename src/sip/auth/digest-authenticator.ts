/**
 * Server side of SIP Digest authentication: RFC 3261 §22.4 over RFC 7616 (and RFC 2617 / RFC 2069
 * responses without qop). Builds WWW-Authenticate challenges and verifies Authorization
 * credentials against an account's password or stored HA1.
 *
 * Nonces are stateless (see nonce.ts); the only state is a bounded nonce-count cache for replay
 * detection. Every input from the network is treated as hostile: `verify` never throws, compares
 * digests in constant time, and spends the same hashing work on unknown users as on known ones so
 * response timing does not reveal which accounts exist.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import { PbxError } from "../../core/errors.js";
import type { AuthValue } from "../message/types.js";
import {
  baseAlgorithm,
  computeHA1,
  computeResponse,
  digestHexLength,
  isAlgorithmSupported,
  isSessionAlgorithm,
  parseDigestAlgorithm,
  quoteString,
  type DigestAlgorithm,
} from "./digest-algorithm.js";
import { NonceCountCache } from "./nonce-count-cache.js";
import { NonceIssuer } from "./nonce.js";

export interface DigestCredentials {
  username: string;
  /** Plain-text password (pjsip auth `password`). */
  password?: string;
  /** H(username:realm:password) per algorithm, from pjsip auth `password_digest=ALG:hash`. */
  ha1?: Partial<Record<DigestAlgorithm, string>>;
}

export type VerifyFailureReason =
  | "wrong password"
  | "unknown user"
  | "malformed credentials"
  | "nonce not ours"
  | "realm mismatch"
  | "unsupported scheme"
  | "unsupported algorithm"
  | "unsupported qop"
  | "replayed nonce count";

export type VerifyResult =
  | { outcome: "ok" }
  | { outcome: "stale" }
  | { outcome: "failed"; reason: VerifyFailureReason; expected?: string };

export interface DigestAuthenticatorOptions {
  clock: Clock;
  /** HMAC key for nonces; random per process when omitted. */
  secret?: Buffer;
  /** pjsip auth `nonce_lifetime`, seconds (default 32). */
  nonceLifetimeSec?: number;
  /** Bound of the nonce-count replay cache (default 50 000 nonces). */
  maxTrackedNonces?: number;
}

export interface ChallengeOptions {
  realm: string;
  /** Most preferred first; one WWW-Authenticate value is produced per algorithm. */
  algorithms: readonly DigestAlgorithm[];
  /** Set when the previous attempt failed only because its nonce had expired. */
  stale?: boolean;
  /** Offer qop="auth" (default true). */
  qop?: boolean;
}

export interface VerifyOptions {
  auth: AuthValue;
  method: string;
  realm: string;
  /** The account named by `username=`, or undefined when there is no such account. */
  credentials: DigestCredentials | undefined;
  /** Algorithms the server offered; a response computed with any other is refused. */
  algorithms?: readonly DigestAlgorithm[];
  /**
   * pjsip auth `nonce_lifetime` of the account being checked, in seconds; the authenticator's
   * `nonceLifetimeSec` when absent. An older nonce with a correct digest is answered as stale.
   */
  nonceLifetimeSec?: number;
}

/** nc is 8LHEX in RFC 7616 §3.4; shorter values are tolerated because some UAs drop zeros. */
const NC_PATTERN = /^[0-9a-fA-F]{1,8}$/;
const HEX_PATTERN = /^[0-9a-fA-F]+$/;

function failed(reason: VerifyFailureReason): VerifyResult {
  return { outcome: "failed", reason };
}

export class DigestAuthenticator {
  private readonly clock: Clock;
  private readonly nonces: NonceIssuer;
  private readonly counts: NonceCountCache;
  /** Stands in for the password of accounts that do not exist (timing equalisation). */
  private readonly dummyPassword = randomBytes(16).toString("hex");

  constructor(opts: DigestAuthenticatorOptions) {
    this.clock = opts.clock;
    this.nonces = new NonceIssuer(opts.secret, opts.nonceLifetimeSec ?? 32);
    this.counts = new NonceCountCache(opts.maxTrackedNonces ?? 50_000);
  }

  /**
   * WWW-Authenticate (or Proxy-Authenticate) values for a 401/407, one per algorithm, in the order
   * given. RFC 7616 §3.7 has the server list its challenges in order of preference and the client
   * take the first it supports, so the strongest algorithm should come first.
   */
  challenge(opts: ChallengeOptions): string[] {
    if (opts.algorithms.length === 0) {
      throw new PbxError("INVALID_ARGUMENT", "challenge needs at least one digest algorithm");
    }
    const now = this.clock.now();
    const nonce = this.nonces.issue(opts.realm, now);
    const opaque = this.nonces.opaque(opts.realm);
    const out: string[] = [];
    for (const alg of opts.algorithms) {
      if (!isAlgorithmSupported(alg)) continue;
      let value = `Digest realm=${quoteString(opts.realm)},nonce="${nonce}",opaque="${opaque}"`;
      if (opts.stale) value += ",stale=true";
      value += `,algorithm=${alg}`;
      // RFC 3261 §22.4: "servers MUST always send a "qop" parameter in WWW-Authenticate and
      // Proxy-Authenticate header field values." The option exists only to test old clients.
      if (opts.qop ?? true) value += ',qop="auth"';
      out.push(value);
    }
    if (out.length === 0) {
      throw new PbxError("INVALID_ARGUMENT", `none of the digest algorithms ${opts.algorithms.join(", ")} is supported here`);
    }
    return out;
  }

  /** Checks an Authorization/Proxy-Authorization value. Never throws on client input. */
  verify(opts: VerifyOptions): VerifyResult {
    const { auth } = opts;
    if (auth.scheme.toLowerCase() !== "digest") return failed("unsupported scheme");
    const p = auth.params;
    const username = p.get("username");
    const realm = p.get("realm");
    const nonce = p.get("nonce");
    const uri = p.get("uri");
    const response = p.get("response");
    if (!username || realm === undefined || !nonce || !uri || !response) return failed("malformed credentials");

    const alg = parseDigestAlgorithm(p.get("algorithm"));
    if (alg === undefined || !isAlgorithmSupported(alg)) return failed("unsupported algorithm");
    if (opts.algorithms && !opts.algorithms.includes(alg)) return failed("unsupported algorithm");
    if (response.length !== digestHexLength(alg) || !HEX_PATTERN.test(response)) return failed("malformed credentials");

    const qopRaw = p.get("qop");
    let qop: "auth" | undefined;
    let nc: string | undefined;
    let cnonce: string | undefined;
    if (qopRaw !== undefined) {
      const q = qopRaw.toLowerCase();
      if (q === "auth-int") return failed("unsupported qop");
      if (q !== "auth") return failed("malformed credentials");
      qop = "auth";
      nc = p.get("nc");
      cnonce = p.get("cnonce");
      // Scanners such as sipvicious svcrack send qop=auth with neither nc nor cnonce.
      if (nc === undefined || !NC_PATTERN.test(nc) || !cnonce) return failed("malformed credentials");
    } else {
      cnonce = p.get("cnonce");
      if (isSessionAlgorithm(alg) && !cnonce) return failed("malformed credentials");
    }

    if (realm !== opts.realm) return failed("realm mismatch");
    const nonceState = this.nonces.check(nonce, opts.realm, this.clock.now(), opts.nonceLifetimeSec);
    if (nonceState.state === "invalid") return failed("nonce not ours");

    const creds = opts.credentials;
    const ha1 = creds === undefined ? undefined : this.ha1For(creds, alg, opts.realm);
    // Unknown users (and accounts with nothing to check this algorithm against) cost the same
    // hashing as real ones, so the timing of the 401 does not reveal whether the account exists.
    const effectiveHa1 = ha1 ?? computeHA1(alg, username, opts.realm, this.dummyPassword);
    const expected = computeResponse({
      alg,
      ha1: effectiveHa1,
      method: opts.method,
      uri,
      nonce,
      ...(nc !== undefined ? { nc } : {}),
      ...(cnonce !== undefined ? { cnonce } : {}),
      ...(qop !== undefined ? { qop } : {}),
    });
    const match = timingSafeEqual(Buffer.from(expected, "latin1"), Buffer.from(response.toLowerCase(), "latin1"));
    if (creds === undefined) return failed("unknown user");
    if (ha1 === undefined) return failed("unsupported algorithm");
    if (!match) return { outcome: "failed", reason: "wrong password", expected };

    // RFC 2617 §3.2.1: "The server should only set stale to TRUE if it receives a request for
    // which the nonce is invalid but with a valid digest for that nonce (indicating that the
    // client knows the correct username/password)." RFC 7616 §3.3 shortens this; we keep the
    // stricter reading so a guesser never gets a silent retry.
    if (nonceState.state === "stale") return { outcome: "stale" };

    if (qop !== undefined && nc !== undefined) {
      const count = parseInt(nc, 16);
      const last = this.counts.last(nonce);
      if (last !== undefined && count <= last) return failed("replayed nonce count");
      this.counts.accept(nonce, count);
    }
    return { outcome: "ok" };
  }

  private ha1For(creds: DigestCredentials, alg: DigestAlgorithm, realm: string): string | undefined {
    const stored = creds.ha1?.[baseAlgorithm(alg)] ?? creds.ha1?.[alg];
    if (stored !== undefined) return stored;
    if (creds.password !== undefined) return computeHA1(alg, creds.username, realm, creds.password);
    return undefined;
  }
}
