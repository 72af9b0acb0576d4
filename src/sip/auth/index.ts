/** SIP Digest authentication (RFC 3261 §22, RFC 7616): server challenge/verify and client answer. */
export {
  DIGEST_ALGORITHMS,
  baseAlgorithm,
  computeHA1,
  computeResponse,
  digestHash,
  isAlgorithmSupported,
  isSessionAlgorithm,
  parseDigestAlgorithm,
  type BaseDigestAlgorithm,
  type DigestAlgorithm,
  type ResponseInput,
} from "./digest-algorithm.js";
export {
  DigestAuthenticator,
  type ChallengeOptions,
  type DigestAuthenticatorOptions,
  type DigestCredentials,
  type VerifyFailureReason,
  type VerifyOptions,
  type VerifyResult,
} from "./digest-authenticator.js";
export {
  buildAuthorization,
  formatNonceCount,
  parseChallenge,
  selectChallenge,
  type AuthorizationOptions,
  type DigestChallenge,
} from "./digest-client.js";
export { NonceIssuer, type NonceCheck } from "./nonce.js";
export { NonceCountCache } from "./nonce-count-cache.js";
