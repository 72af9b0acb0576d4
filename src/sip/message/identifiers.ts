/**
 * The random identifiers a UA puts into messages: tags (RFC 3261 §19.3), branch IDs (§8.1.1.7),
 * Call-IDs (§8.1.1.4), initial CSeq numbers (§8.1.1.5). All come from the CSPRNG pool in
 * core/random.ts, so none of them can be guessed by someone who saw earlier ones.
 */
import { randomHex, randomPooled, randomToken } from "../../core/random.js";

/** §19.3: "the tag MUST be globally unique and cryptographically random with at least 32 bits of randomness." */
export function newTag(): string {
  return randomHex(6);
}

/** §8.1.1.7: "The branch ID inserted by an element compliant with this specification MUST always begin with the characters "z9hG4bK"." */
export function newBranch(): string {
  return "z9hG4bK" + randomToken(9);
}

/** §8.1.1.4: "use of cryptographically random identifiers (RFC 1750) in the generation of Call-IDs is RECOMMENDED". */
export function newCallId(): string {
  return randomHex(16);
}

/**
 * §8.1.1.5: the initial CSeq "MUST be expressible as a 32-bit unsigned integer and MUST be less
 * than 2**31". Drawn below 2**28 so that a long dialog can count up without reaching the limit.
 */
export function initialCSeq(): number {
  return 1 + (randomPooled(4).readUInt32BE(0) & 0x0fffffff);
}
