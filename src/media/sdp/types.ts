/**
 * Shapes shared by the SDP parser, the offer/answer negotiator and the writer (RFC 4566, RFC 3264).
 * Nothing here knows SIP: the B2BUA hands us the body of a message and gets a body back.
 */
import type { IceParameters } from "../ice/candidate.js";
import type { CodecPreference } from "../../config/schema/codecs.js";
import type { SdesCrypto } from "./sdes.js";
import type { CertificateFingerprint } from "../dtls/fingerprint.js";
import type { DtlsSetup } from "../dtls/setup-role.js";

/** One audio format as it appears on an m= line: our Asterisk-style name plus its RTP description. */
export interface MediaCodec {
  /** Asterisk format name (`ulaw`, `alaw`, `g722`, `opus` …); unknown encodings keep their lowercased rtpmap name. */
  name: string;
  /** The rtpmap encoding name (`PCMU`, `PCMA`, `G722`, `opus` …). */
  encoding: string;
  payloadType: number;
  /** RTP clock rate; 8000 for G.722 (RFC 3551 §4.5.2). */
  clockRate: number;
  channels?: number;
  fmtp?: string;
}

/** RFC 4733 named telephone events (DTMF) as carried in the SDP. */
export interface TelephoneEvent {
  payloadType: number;
  clockRate: number;
  fmtp?: string;
}

export type MediaDirection = "sendrecv" | "sendonly" | "recvonly" | "inactive";

/** Every m= line of an SDP in order, so an answer can decline the streams we do not handle (RFC 3264 §6). */
export interface MediaLineLayout {
  /** Index of the audio stream we use among `lines`. */
  audioIndex: number;
  lines: { type: string; protocol: string; formats: string }[];
}

/** What we learned from a peer's SDP (offer or answer) about its audio stream. */
export interface AudioOffer {
  /** Connection address (c=, media level before session level). */
  address: string;
  /** Port 0 means the stream is declined (RFC 3264 §5.1, §6). */
  port: number;
  /** From a=rtcp (RFC 3605); otherwise RTCP goes to port + 1. */
  rtcpPort?: number;
  /** RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, UDP/TLS/RTP/SAVPF … exactly as written. */
  profile: string;
  /** Formats in the peer's order; dynamic payload types without an rtpmap are left out. */
  codecs: MediaCodec[];
  /** The preferred telephone-event entry (8000 Hz when offered, else the first). */
  telephoneEvent?: TelephoneEvent;
  /** Every telephone-event entry (browsers offer one per clock rate). */
  telephoneEvents?: TelephoneEvent[];
  ptime?: number;
  maxptime?: number;
  /** Effective direction; an RFC 2543 hold (c=0.0.0.0) turns sendrecv into sendonly. */
  direction: MediaDirection;
  /** True when the peer put the stream on hold the RFC 2543 way, with a null connection address. */
  nullAddressHold?: boolean;
  /** a=crypto present (SDES keys, RFC 4568). */
  crypto: boolean;
  /** The a=crypto values after `a=crypto:`, in the peer's order (sdes.ts reads them). */
  cryptoLines: string[];
  /** a=fingerprint present (DTLS-SRTP, RFC 5763). */
  fingerprint: boolean;
  /** The a=fingerprint values we can read (media level, else session level; RFC 8122 §5). */
  fingerprints?: CertificateFingerprint[];
  /** a=setup (RFC 4145 §4, RFC 5763 §5): who starts the DTLS handshake. */
  setup?: DtlsSetup;
  /** a=connection (RFC 4145 §5): "new" asks for a new DTLS association, "existing" keeps it. */
  connectionType?: "new" | "existing";
  /** a=ice-ufrag or a=candidate present (RFC 8839). */
  ice: boolean;
  /** a=rtcp-mux present (RFC 5761). */
  rtcpMux: boolean;
  /** The ICE ufrag, password and candidates (RFC 8839), when the stream has both credentials. */
  iceParams?: IceParameters;
  /** o= session id and version, verbatim (they can exceed 2^53). */
  sessionId: string;
  sessionVersion: string;
  layout?: MediaLineLayout;
}

/** The endpoint options that decide what media we accept and offer (pjsip.conf endpoint). */
export interface EndpointMediaPolicy {
  /** `allow`/`disallow` result in preference order; non-audio entries are ignored. */
  codecs: readonly CodecPreference[];
  mediaEncryption: "no" | "sdes" | "dtls";
  useAvpf: boolean;
  forceAvp: boolean;
  mediaEncryptionOptimistic: boolean;
  endpointId: string;
  /** Whether RFC 4733 events are negotiated (dtmf_mode rfc4733/auto); default true. */
  dtmf?: boolean;
  /** srtp_tag_32=yes: prefer AES_CM_128_HMAC_SHA1_32 (answers and the order of our offer). */
  srtpTag32?: boolean;
  /** dtls_setup: the a=setup we offer, and how we answer an actpass offer. */
  dtlsSetup?: "active" | "passive" | "actpass";
}

/** Outcome of answering an offer with an endpoint's policy. */
export type NegotiationResult =
  | {
      ok: true;
      /** Joint formats in OUR preference order (Asterisk's incoming_call_offer_pref=local); first = chosen. */
      codecs: MediaCodec[];
      telephoneEvent?: TelephoneEvent;
      ptime?: number;
      /** Answer direction per RFC 3264 §6.1. */
      direction: MediaDirection;
      /** Profile to answer with (the offer's; without its S unless the answer is SRTP). */
      profile: string;
      /** The offer's a=crypto line we take (SDES-SRTP, RFC 4568 §7.1.1): its key decrypts what the peer sends. */
      crypto?: SdesCrypto;
      /** DTLS-SRTP answer (RFC 5763 §5): our a=setup. */
      dtls?: { setup: "active" | "passive" };
    }
  | {
      ok: false;
      status: 488;
      /** RFC 3261 §20.43 warn-code for the Warning header. */
      warnCode: 302 | 304 | 305 | 399;
      /** Warning text: "Incompatible media format", "Incompatible transport protocol" … */
      warning: string;
      /** One log line in plain words naming the endpoint and what to change. */
      notice: string;
    };
