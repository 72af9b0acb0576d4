/**
 * SDP for the B2BUA: parse a peer's audio stream, answer it with an endpoint's policy
 * (RFC 3264 offer/answer) and write fresh descriptions for each leg. Knows nothing of SIP.
 */
export type {
  AudioOffer,
  EndpointMediaPolicy,
  MediaCodec,
  MediaDirection,
  MediaLineLayout,
  NegotiationResult,
  TelephoneEvent,
} from "./types.js";
export { parseAudioSdp } from "./parse-audio.js";
export type { ParseAudioResult } from "./parse-audio.js";
export { negotiate } from "./negotiate.js";
export { answersWithDtls, answersWithSdes, offerTransport, transportMismatch } from "./transport-check.js";
export { answeredCrypto, chooseCrypto, formatCrypto, freshCrypto, offerKeys, parseCrypto, SDES_SUITES } from "./sdes.js";
export type { SdesCrypto } from "./sdes.js";
export type { OfferTransport, OfferKeying } from "./transport-check.js";
export { buildSdp, offerCodecs, offerFor, offerProfile, TELEPHONE_EVENT_PT } from "./build-sdp.js";
export type { BuildSdpOptions, OfferForOptions, OfferedMedia } from "./build-sdp.js";
export { AUDIO_CODECS, codecByName, describeCodecs, nameForEncoding, staticPayload, toMediaCodec } from "./codec-table.js";
export type { CodecDescription } from "./codec-table.js";
