/**
 * Answers a peer's audio offer with an endpoint's media policy (RFC 3264 §6, §6.1): checks the
 * transport profile and keying, intersects the formats in the endpoint's `allow` order, and picks
 * the answer direction, ptime and telephone-event. Pure: the caller logs `notice` and sends the 488.
 */
import { codecKind } from "../../config/schema/codecs.js";
import { describeCodecs } from "./codec-table.js";
import { chooseCrypto } from "./sdes.js";
import { answersWithDtls, answersWithSdes, offerTransport, transportMismatch } from "./transport-check.js";
import { answerSetup } from "../dtls/setup-role.js";
import type { AudioOffer, EndpointMediaPolicy, MediaCodec, MediaDirection, NegotiationResult, TelephoneEvent } from "./types.js";

/**
 * RFC 3264 §6.1: "If a stream is offered as sendonly, the corresponding stream MUST be marked as
 * recvonly or inactive in the answer. … If the offered stream is marked as recvonly, the answer
 * MUST be marked sendonly or inactive. … If the offered stream is marked as inactive, the answer
 * MUST be marked inactive." A sendrecv offer gets a sendrecv answer from us.
 */
const ANSWER_DIRECTION: Readonly<Record<MediaDirection, MediaDirection>> = {
  sendrecv: "sendrecv",
  sendonly: "recvonly",
  recvonly: "sendonly",
  inactive: "inactive",
};

/** Computes our answer to `offer` for the endpoint described by `policy`. */
export function negotiate(offer: AudioOffer, policy: EndpointMediaPolicy): NegotiationResult {
  const who = `endpoint '${policy.endpointId}'`;
  if (offer.port === 0) {
    return fail(304, "Media type not available", `SDP from ${who} has no active audio stream (m=audio port 0); nothing to answer`);
  }

  const mismatch = transportMismatch(offer, policy);
  if (mismatch !== undefined) return fail(302, "Incompatible transport protocol", mismatch);

  const ours = policy.codecs.filter((c) => codecKind(c.name) === "audio");
  // Asterisk's default incoming_call_offer_pref=local: joint formats in our order, with the
  // offerer's payload numbers and fmtp. RFC 3264 §6.1: "if a particular codec was referenced with
  // a specific payload type number in the offer, that same payload type number SHOULD be used for
  // that codec in the answer."
  const joint: MediaCodec[] = [];
  for (const pref of ours) {
    const match = offer.codecs.find((c) => c.name === pref.name);
    if (match !== undefined && !joint.some((j) => j.payloadType === match.payloadType)) joint.push({ ...match });
  }
  const chosen = joint[0];
  if (chosen === undefined) {
    return fail(
      305,
      "Incompatible media format",
      `No joint capabilities for 'audio' media stream between our configuration(${describeCodecs(ours)}) and incoming SDP(${describeCodecs(offer.codecs)}) from ${who}`,
    );
  }

  const result: NegotiationResult & { ok: true } = {
    ok: true,
    codecs: joint,
    direction: ANSWER_DIRECTION[offer.direction],
    profile: answerProfile(offer.profile, false),
  };
  if (answersWithSdes(offer, policy)) {
    const { chosen, skipped } = chooseCrypto(offer.cryptoLines, policy.srtpTag32 === true);
    const optional = offerTransport(offer).optimisticSdes;
    if (chosen !== undefined) {
      result.crypto = chosen;
      result.profile = answerProfile(offer.profile, !policy.forceAvp);
    } else if (!optional || !policy.mediaEncryptionOptimistic) {
      const why = skipped.length > 0 ? skipped.join("; ") : "it has none";
      return fail(
        399,
        "No usable SRTP key",
        `SDP offer from ${who} asks for SRTP (${offer.profile}) but none of its a=crypto lines can be used: ${why}; Switchboard takes AES_CM_128_HMAC_SHA1_80 or AES_CM_128_HMAC_SHA1_32 with one inline key (set the phone's SRTP suite to one of them)`,
      );
    }
  }
  if (answersWithDtls(offer, policy)) {
    // RFC 5763 §5: the offer names the certificate the handshake must present, and who connects.
    if ((offer.fingerprints ?? []).length === 0) {
      return fail(399, "No usable DTLS fingerprint", `SDP offer from ${who} asks for DTLS-SRTP (${offer.profile}) but has no a=fingerprint with a hash we know (sha-1, sha-256, sha-384, sha-512); RFC 5763 requires one`);
    }
    const setup = answerSetup(offer.setup, policy.dtlsSetup ?? "active");
    if (setup === undefined) return fail(399, "DTLS connection on hold", `SDP offer from ${who} has a=setup:holdconn: it wants no DTLS connection, so there is no media to answer`);
    result.dtls = { setup };
    result.profile = dtlsAnswerProfile(offer.profile);
  }
  // Our configured framing (allow=ulaw:30) wins; otherwise we mirror what the peer asked for.
  const ptime = ours.find((c) => c.name === chosen.name)?.ptime ?? offer.ptime;
  if (ptime !== undefined) result.ptime = ptime;
  const event = telephoneEventFor(offer, chosen, policy);
  if (event !== undefined) result.telephoneEvent = event;
  return result;
}

/**
 * RFC 4733 recommends that events sent in the audio stream use the audio codec's clock rate, so
 * among the offered telephone-event entries (browsers list one per rate) prefer that one.
 */
function telephoneEventFor(offer: AudioOffer, chosen: MediaCodec, policy: EndpointMediaPolicy): TelephoneEvent | undefined {
  if (policy.dtmf === false || offer.telephoneEvent === undefined) return undefined;
  const all = offer.telephoneEvents ?? [offer.telephoneEvent];
  const event = all.find((e) => e.clockRate === chosen.clockRate) ?? offer.telephoneEvent;
  return { ...event };
}

/**
 * The answer keeps the offer's profile when it is SRTP that we answer with SRTP (RTP/SAVP stays
 * RTP/SAVP); it loses its "S" when the answer is plain RTP (force_avp let an SRTP offer through,
 * or the endpoint does not encrypt). AVPF stays when the endpoint accepted it (feedback messages
 * are relayed untouched).
 */
function answerProfile(profile: string, secure: boolean): string {
  const upper = profile.toUpperCase();
  const s = secure && upper.includes("SAVP") ? "S" : "";
  return upper.endsWith("AVPF") ? `RTP/${s}AVPF` : `RTP/${s}AVP`;
}

/** A DTLS-SRTP answer keeps the offer's profile (UDP/TLS/RTP/SAVP, UDP/TLS/RTP/SAVPF, or an older RTP/SAVP with a fingerprint). */
function dtlsAnswerProfile(profile: string): string {
  const upper = profile.toUpperCase();
  const f = upper.endsWith("AVPF") ? "F" : "";
  return upper.startsWith("UDP/TLS/") ? `UDP/TLS/RTP/SAVP${f}` : `RTP/SAVP${f}`;
}

function fail(warnCode: 302 | 304 | 305 | 399, warning: string, notice: string): NegotiationResult {
  return { ok: false, status: 488, warnCode, warning, notice };
}
