/**
 * Decides whether an offer's transport profile and keying can be met by an endpoint, with
 * Asterisk's rules (AVPF must match `use_avpf`; encryption must match `media_encryption` unless
 * `force_avp` or `media_encryption_optimistic`), and, unlike Asterisk, says why when it cannot:
 * Asterisk declines such a stream with only a trace message and the caller sees a bare 488.
 *
 * SDES-keyed SRTP (negotiate.ts picks the key) and DTLS-SRTP (media_encryption=dtls; the media
 * worker runs the handshake) are supported. Plain RTP offered to an endpoint with
 * media_encryption_optimistic=yes still works, as does an RTP/AVP offer whose a=crypto lines are
 * optional to an endpoint without media_encryption.
 */
import type { AudioOffer, EndpointMediaPolicy } from "./types.js";

export type OfferKeying = "none" | "sdes" | "dtls";

/** What the offer asks for, read from its profile and attributes (RFC 3711, RFC 4568, RFC 5763). */
export interface OfferTransport {
  avpf: boolean;
  /** Keying the offer requires (its profile says SAVP). */
  keying: OfferKeying;
  /** An RTP/AVP offer with a=crypto: SRTP if the answerer wants it, plain RTP otherwise. */
  optimisticSdes: boolean;
}

export function offerTransport(offer: AudioOffer): OfferTransport {
  const profile = offer.profile.toUpperCase();
  const avpf = profile.endsWith("F");
  const secure = profile.includes("SAVP");
  // UDP/TLS/RTP/SAVP(F) is DTLS-SRTP by definition (RFC 5764 §8); SAVP with a fingerprint is too.
  const dtls = profile.startsWith("UDP/TLS/") || (secure && offer.fingerprint && !offer.crypto);
  const keying: OfferKeying = dtls ? "dtls" : secure ? "sdes" : "none";
  return { avpf, keying, optimisticSdes: !secure && offer.crypto };
}

function describeOffer(offer: AudioOffer, t: OfferTransport): string {
  if (t.keying === "dtls") {
    const webrtc = t.avpf && offer.fingerprint ? ", as WebRTC browsers do" : "";
    return `${offer.profile} (DTLS-SRTP with a=fingerprint${t.avpf ? " and AVPF feedback" : ""}${webrtc})`;
  }
  if (t.keying === "sdes") return `${offer.profile} (SRTP with SDES keys${t.avpf ? " and AVPF feedback" : ""})`;
  return `${offer.profile} (plain RTP${t.avpf ? " with AVPF feedback" : ""})`;
}

/**
 * Returns undefined when the offer's transport is acceptable to the endpoint and to us, else one
 * plain-words line naming the offer, the endpoint option at fault and what to set instead.
 */
export function transportMismatch(offer: AudioOffer, policy: EndpointMediaPolicy): string | undefined {
  const t = offerTransport(offer);
  const who = `endpoint '${policy.endpointId}'`;
  const offered = `Incompatible transport for 'audio' media stream: SDP offered ${describeOffer(offer, t)}`;
  const settings: string[] = [];
  const fixes: string[] = [];

  if (t.avpf && !policy.useAvpf) {
    settings.push("use_avpf=no");
    fixes.push("use_avpf=yes");
  } else if (!t.avpf && policy.useAvpf) {
    settings.push("use_avpf=yes");
    fixes.push("use_avpf=no");
  }

  const { encryption, fix } = agreedEncryption(t, policy);
  if (encryption === "mismatch") {
    settings.push(`media_encryption=${policy.mediaEncryption}`);
    fixes.push(fix);
  }

  if (settings.length > 0) {
    // A browser offer against a plain endpoint is the classic case; the preset fixes all of it.
    const browser = t.keying === "dtls" && t.avpf;
    const advice = browser ? `set webrtc=yes (or ${fixes.join(" and ")})` : `set ${fixes.join(" and ")}${t.keying === "dtls" ? " (or webrtc=yes)" : ""}`;
    return `${offered} but ${who} has ${settings.join(", ")}; ${advice}`;
  }

  // The endpoint accepts the offer; what remains is what we can do ourselves. DTLS-SRTP needs our
  // certificate, which only media_encryption=dtls gives an endpoint.
  if (encryption === "dtls" && policy.mediaEncryption !== "dtls") {
    const options = [`media_encryption=${policy.mediaEncryption}`];
    if (policy.forceAvp) options.push("force_avp=yes");
    if (policy.mediaEncryptionOptimistic) options.push("media_encryption_optimistic=yes");
    return `${offered} and ${who} (${options.join(", ")}) lets it through, but DTLS-SRTP is answered only by endpoints with media_encryption=dtls (and a certificate: dtls_auto_generate_cert=yes or dtls_cert_file); set media_encryption=dtls, or webrtc=yes for a browser`;
  }
  return undefined;
}

/**
 * Whether the answer to this offer is SDES-SRTP: the endpoint has media_encryption=sdes and the
 * offer carries keys (RTP/SAVP, or RTP/AVP with a=crypto). An endpoint without media_encryption
 * that force_avp or media_encryption_optimistic let an SRTP offer through answers plain RTP, as
 * Asterisk's does. Call after transportMismatch found nothing.
 */
export function answersWithSdes(offer: AudioOffer, policy: EndpointMediaPolicy): boolean {
  if (policy.mediaEncryption !== "sdes") return false;
  return agreedEncryption(offerTransport(offer), policy).encryption === "sdes";
}

/** Whether the answer to this offer is DTLS-SRTP: the endpoint has media_encryption=dtls and the offer asks for it. Call after transportMismatch found nothing. */
export function answersWithDtls(offer: AudioOffer, policy: EndpointMediaPolicy): boolean {
  return policy.mediaEncryption === "dtls" && offerTransport(offer).keying === "dtls";
}

/**
 * The keying an Asterisk endpoint would settle on for this offer: the offer's own when it equals
 * media_encryption or when force_avp/media_encryption_optimistic let anything through; plain RTP
 * for an RTP/AVP offer whose a=crypto lines are optional (opportunistic SRTP, RFC 8643) unless the
 * endpoint asks for SDES; else a mismatch, with the option to change.
 */
function agreedEncryption(t: OfferTransport, policy: EndpointMediaPolicy): { encryption: OfferKeying | "mismatch"; fix: string } {
  const incoming: OfferKeying = t.keying !== "none" ? t.keying : t.optimisticSdes ? "sdes" : "none";
  const wanted: OfferKeying = policy.mediaEncryption === "no" ? "none" : policy.mediaEncryption;
  if (t.optimisticSdes && wanted === "none") return { encryption: "none", fix: "" };
  if (incoming === wanted || policy.forceAvp || policy.mediaEncryptionOptimistic) return { encryption: incoming, fix: "" };
  if (t.optimisticSdes) return { encryption: "none", fix: "" };
  if (incoming === "sdes") return { encryption: "mismatch", fix: "media_encryption=sdes (or media_encryption_optimistic=yes)" };
  if (incoming === "dtls") return { encryption: "mismatch", fix: "media_encryption=dtls" };
  return { encryption: "mismatch", fix: "media_encryption=no (or media_encryption_optimistic=yes to accept plain RTP)" };
}

