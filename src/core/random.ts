/**
 * Cheap random tokens for the hot path (tags, branches, Call-IDs). Drawing a few bytes from
 * `crypto.randomBytes` per message costs a syscall-sized call each time; this keeps a pool of
 * random bytes and refills it in bulk. The output is still CSPRNG material.
 */
import { randomFillSync } from "node:crypto";

const POOL_SIZE = 16 * 1024;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** `n` random bytes as a fresh Buffer view into the pool (copied, so callers may keep it). */
export function randomPooled(n: number): Buffer {
  if (n > POOL_SIZE) throw new RangeError("randomPooled: request larger than the pool");
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  offset += n;
  return out;
}

export function randomHex(bytes: number): string {
  return randomPooled(bytes).toString("hex");
}

export function randomToken(bytes: number): string {
  return randomPooled(bytes).toString("base64url");
}
