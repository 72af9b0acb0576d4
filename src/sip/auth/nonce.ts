/**
 * Stateless server nonces (RFC 7616 §3.3, §5.4). A nonce carries its own issue time and an
 * HMAC over that time, a random part and the realm, so the server can recognise any nonce it
 * issued without keeping a table of them, and can tell an expired nonce (answer `stale=true`)
 * from one it never issued.
 *
 *   nonce = base64url( issuedMs (8 bytes, big-endian) | random (12 bytes) | mac (16 bytes) )
 *   mac   = HMAC-SHA256(secret, issuedMs | random | realm), first 16 bytes
 *
 * RFC 7616 §3.3 suggests a nonce of `time-stamp H(time-stamp ":" ETag ":" secret-data)`; SIP
 * has no ETag, so the realm takes its place and the random part keeps nonces unique even when
 * two challenges are issued in the same millisecond.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { randomPooled } from "../../core/random.js";

const TIME_BYTES = 8;
const RANDOM_BYTES = 12;
const MAC_BYTES = 16;
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES;
/** base64url length of NONCE_BYTES (36 bytes → 48 characters, no padding). */
const NONCE_CHARS = 48;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export type NonceCheck =
  | { state: "valid"; issuedAt: number }
  | { state: "stale"; issuedAt: number }
  | { state: "invalid" };

export class NonceIssuer {
  private readonly secret: Buffer;
  private readonly lifetimeMs: number;
  private readonly opaques = new Map<string, string>();

  /**
   * @param secret HMAC key; a fresh random key per process unless supplied (supply one to keep
   *   nonces valid across restarts or across cluster members).
   * @param lifetimeSec how long a nonce is accepted (pjsip auth `nonce_lifetime`, default 32).
   */
  constructor(secret: Buffer | undefined, lifetimeSec: number) {
    if (!(lifetimeSec > 0)) throw new RangeError(`nonce lifetime must be positive, got ${lifetimeSec}`);
    this.secret = secret ?? randomBytes(32);
    this.lifetimeMs = lifetimeSec * 1000;
  }

  issue(realm: string, nowMs: number): string {
    const body = Buffer.alloc(TIME_BYTES + RANDOM_BYTES);
    body.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(nowMs))), 0);
    randomPooled(RANDOM_BYTES).copy(body, TIME_BYTES);
    return Buffer.concat([body, this.mac(body, realm)]).toString("base64url");
  }

  /**
   * Checks signature and age. Never throws: the nonce comes from the network. `lifetimeSec`
   * overrides the issuer's lifetime for this check: the issue time travels inside the nonce, so
   * each auth section's own `nonce_lifetime` can be applied when its credentials come back.
   */
  check(nonce: string, realm: string, nowMs: number, lifetimeSec?: number): NonceCheck {
    if (nonce.length !== NONCE_CHARS || !BASE64URL.test(nonce)) return { state: "invalid" };
    const raw = Buffer.from(nonce, "base64url");
    if (raw.length !== NONCE_BYTES) return { state: "invalid" };
    const body = raw.subarray(0, TIME_BYTES + RANDOM_BYTES);
    const mac = raw.subarray(TIME_BYTES + RANDOM_BYTES);
    if (!timingSafeEqual(mac, this.mac(body, realm))) return { state: "invalid" };
    const issuedAt = Number(body.readBigUInt64BE(0));
    const age = nowMs - issuedAt;
    // A negative age means our clock stepped backwards after issuing; call it stale so the
    // client retries with a fresh nonce instead of being counted as a failed login.
    const lifetimeMs = lifetimeSec !== undefined && lifetimeSec > 0 ? lifetimeSec * 1000 : this.lifetimeMs;
    if (age < 0 || age > lifetimeMs) return { state: "stale", issuedAt };
    return { state: "valid", issuedAt };
  }

  /**
   * A per-realm opaque value. RFC 7616 §3.3: opaque "SHOULD be returned by the client unchanged";
   * we do not rely on it (the nonce is self-validating) but send it because pjsip does and some
   * clients expect it.
   */
  opaque(realm: string): string {
    // Constant per realm, and asked for on every challenge: computed once.
    let value = this.opaques.get(realm);
    if (value === undefined) {
      value = createHmac("sha256", this.secret).update("opaque\0").update(realm, "utf8").digest("hex").slice(0, 32);
      if (this.opaques.size < 1024) this.opaques.set(realm, value);
    }
    return value;
  }

  private mac(body: Buffer, realm: string): Buffer {
    return createHmac("sha256", this.secret).update(body).update(realm, "utf8").digest().subarray(0, MAC_BYTES);
  }
}
