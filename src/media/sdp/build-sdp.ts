/**
 * Writes the SDP we send on each leg (RFC 4566 §5, RFC 3264 §5 offers and §6 answers) with
 * sdp-transform. Each leg gets a fresh description: we never edit the peer's body and forward it.
 */
import { write } from "sdp-transform";
import type { MediaDescription, SessionDescription } from "sdp-transform";
import { PbxError } from "../../core/errors.js";
import { codecKind } from "../../config/schema/codecs.js";
import { codecByName, toMediaCodec } from "./codec-table.js";
import type { SdesCrypto } from "./sdes.js";
import { formatFingerprint, type CertificateFingerprint } from "../dtls/fingerprint.js";
import type { IceCandidate } from "../ice/candidate.js";
import type { EndpointMediaPolicy, MediaCodec, MediaDirection, MediaLineLayout, TelephoneEvent } from "./types.js";

export interface BuildSdpOptions {
  origin: { username?: string; sessionId: string; sessionVersion: number; address: string };
  /** Our media address for c=. */
  address: string;
  port: number;
  codecs: readonly MediaCodec[];
  telephoneEvent?: TelephoneEvent;
  /** Packetization time in ms; 20 when not given. */
  ptime?: number;
  direction: MediaDirection;
  rtcpPort?: number;
  /** RTP/AVP unless the negotiation said otherwise (RTP/AVPF, RTP/SAVP …; see offerProfile). */
  profile?: string;
  /** Our SDES keys (RFC 4568 §9.1 a=crypto), one per suite we offer or the one we answer with. */
  crypto?: readonly SdesCrypto[];
  /**
   * The offer's m= lines when answering. RFC 3264 §6: "The answer MUST contain exactly the same
   * number of "m=" lines as the offer"; the streams we do not handle are answered with port 0.
   */
  layout?: MediaLineLayout;
  /** DTLS-SRTP (RFC 5763 §5): our certificate's fingerprint, our a=setup and a=connection. */
  dtls?: { fingerprint: CertificateFingerprint; setup: "active" | "passive" | "actpass"; connection: "new" | "existing" };
  /** a=rtcp-mux (RFC 5761): RTCP on the RTP port. */
  rtcpMux?: boolean;
  /** Our ICE credentials and candidates (RFC 8839 §5.1, §5.4), written in the audio section. */
  ice?: { ufrag: string; pwd: string; candidates: readonly IceCandidate[] };
}

/** Payload type Asterisk (and most phones) use for RFC 4733 events at 8000 Hz. */
export const TELEPHONE_EVENT_PT = 101;
/** The maximum packetization time (ms) Asterisk announces for G.711; we relay, so it is a ceiling. */
const MAXPTIME = 150;

/** Serializes one audio session description with CRLF line endings. */
export function buildSdp(o: BuildSdpOptions): string {
  if (o.codecs.length === 0) throw new PbxError("INVALID_ARGUMENT", "buildSdp needs at least one codec for the m=audio line");
  const ipVer = ipVersion(o.address);
  const audio: MediaDescription = {
    type: "audio",
    port: o.port,
    protocol: o.profile ?? "RTP/AVP",
    payloads: [...o.codecs.map((c) => c.payloadType), ...(o.telephoneEvent ? [o.telephoneEvent.payloadType] : [])].join(" "),
    rtp: o.codecs.map((c) => rtpmap(c.payloadType, c.encoding, c.clockRate, c.channels)),
    fmtp: o.codecs.flatMap((c) => (c.fmtp !== undefined ? [{ payload: c.payloadType, config: c.fmtp }] : [])),
    ptime: o.ptime ?? 20,
    maxptime: MAXPTIME,
    direction: o.direction,
  };
  if (o.telephoneEvent !== undefined) {
    const te = o.telephoneEvent;
    audio.rtp.push(rtpmap(te.payloadType, "telephone-event", te.clockRate, undefined));
    // RFC 4733 event codes 0-15 are the DTMF digits and 16 is flash, the set Asterisk announces.
    audio.fmtp.push({ payload: te.payloadType, config: te.fmtp ?? "0-16" });
  }
  if (o.rtcpPort !== undefined) audio.rtcp = { port: o.rtcpPort };
  if (o.rtcpMux === true) audio.rtcpMux = "rtcp-mux";
  if (o.dtls !== undefined) {
    const [type, hash] = formatFingerprint(o.dtls.fingerprint).split(" ") as [string, string];
    audio.fingerprint = { type, hash };
    audio.setup = o.dtls.setup;
    audio.connectionType = o.dtls.connection;
  }
  if (o.ice !== undefined) {
    audio.iceUfrag = o.ice.ufrag;
    audio.icePwd = o.ice.pwd;
    audio.candidates = o.ice.candidates.map((c) => ({
      foundation: c.foundation,
      component: c.component,
      transport: "UDP",
      priority: c.priority,
      ip: c.address,
      port: c.port,
      type: c.type,
      ...(c.relatedAddress !== undefined ? { raddr: c.relatedAddress, rport: c.relatedPort ?? 0 } : {}),
    }));
  }
  if (o.crypto !== undefined && o.crypto.length > 0) audio.crypto = o.crypto.map((c) => ({ id: c.tag, suite: c.suite, config: `inline:${c.inlineKey}` }));

  const media: MediaDescription[] = [];
  const lines = o.layout?.lines ?? [];
  if (o.layout === undefined || lines.length === 0) media.push(audio);
  else {
    lines.forEach((line, i) => {
      if (i === o.layout?.audioIndex) media.push(audio);
      else media.push(declined(line));
    });
  }

  const session: SessionDescription = {
    version: 0,
    origin: {
      username: o.origin.username ?? "-",
      sessionId: o.origin.sessionId,
      sessionVersion: o.origin.sessionVersion,
      netType: "IN",
      ipVer: ipVersion(o.origin.address),
      address: o.origin.address,
    },
    name: "Switchboard",
    connection: { version: ipVer, ip: o.address },
    timing: { start: 0, stop: 0 },
    media,
  };
  return write(session);
}

/**
 * RFC 3264 §6: "An offered stream MAY be rejected in the answer, for any reason. If a stream is
 * rejected, the offerer and answerer MUST NOT generate media (or RTCP packets) for that stream.
 * To reject an offered stream, the port number in the corresponding stream in the answer MUST be
 * set to zero." The format list is copied because the m= line still needs at least one.
 */
function declined(line: MediaLineLayout["lines"][number]): MediaDescription {
  const type = /^[a-z]+$/i.test(line.type) ? line.type : "application";
  const protocol = /^[\w/.-]+$/.test(line.protocol) ? line.protocol : "RTP/AVP";
  const formats = line.formats.trim().length > 0 && /^[\w *.:/-]+$/.test(line.formats) ? line.formats.trim() : "0";
  return { type, port: 0, protocol, payloads: formats, rtp: [], fmtp: [] };
}

function rtpmap(payload: number, codec: string, rate: number, channels: number | undefined): MediaDescription["rtp"][number] {
  return channels !== undefined && channels > 1 ? { payload, codec, rate, encoding: channels } : { payload, codec, rate };
}

function ipVersion(address: string): number {
  return address.includes(":") ? 6 : 4;
}

/** What we offer an endpoint: its `allow` list in order, with payload types assigned. */
export interface OfferedMedia {
  codecs: MediaCodec[];
  telephoneEvent?: TelephoneEvent;
  ptime?: number;
}

/**
 * Assigns payload types to the endpoint's audio codecs: the RFC 3551 static number where one
 * exists, otherwise dynamic numbers from 96 upwards (RFC 3551 §3), skipping 101 for events.
 */
export function offerCodecs(policy: EndpointMediaPolicy, dtmf: boolean): OfferedMedia {
  const codecs: MediaCodec[] = [];
  let next = 96;
  for (const pref of policy.codecs) {
    if (codecKind(pref.name) !== "audio") continue;
    const d = codecByName(pref.name);
    if (d === undefined || codecs.some((c) => c.name === d.name)) continue;
    let pt = d.staticPayloadType;
    if (pt === undefined) {
      if (dtmf && next === TELEPHONE_EVENT_PT) next++;
      if (next > 127) continue;
      pt = next++;
    }
    codecs.push(toMediaCodec(d, pt));
  }
  const offered: OfferedMedia = { codecs };
  if (dtmf) offered.telephoneEvent = { payloadType: TELEPHONE_EVENT_PT, clockRate: 8000, fmtp: "0-16" };
  const first = policy.codecs.find((c) => c.name === codecs[0]?.name);
  if (first?.ptime !== undefined) offered.ptime = first.ptime;
  return offered;
}

export interface OfferForOptions {
  address: string;
  port: number;
  sessionId: string;
  sessionVersion: number;
  /** Offer telephone-event/8000 (dtmf_mode rfc4733 or auto). */
  dtmf: boolean;
  rtcpPort?: number;
  direction?: MediaDirection;
  username?: string;
  /** Our keys when the endpoint has media_encryption=sdes (sdes.ts offerKeys). */
  crypto?: readonly SdesCrypto[];
}

/**
 * The profile of our offer to an endpoint, with Asterisk's rules: media_encryption=dtls offers
 * UDP/TLS/RTP/SAVP(F) (RFC 5764 §8), or RTP/SAVP(F) with force_avp=yes; otherwise force_avp=yes
 * always offers RTP/AVP(F); media_encryption=sdes offers RTP/SAVP(F), except that
 * media_encryption_optimistic=yes puts the a=crypto lines in plain RTP/AVP so that a phone without
 * SRTP still answers (RFC 8643's opportunistic SRTP); the F (RFC 4585 feedback) follows use_avpf.
 */
export function offerProfile(policy: EndpointMediaPolicy): string {
  const f = policy.useAvpf ? "F" : "";
  if (policy.mediaEncryption === "dtls" && !policy.mediaEncryptionOptimistic) return policy.forceAvp ? `RTP/SAVP${f}` : `UDP/TLS/RTP/SAVP${f}`;
  if (policy.forceAvp) return `RTP/AVP${f}`;
  return policy.mediaEncryption === "sdes" && !policy.mediaEncryptionOptimistic ? `RTP/SAVP${f}` : `RTP/AVP${f}`;
}

/**
 * Builds our offer to a callee from its endpoint policy, in `offerProfile`'s profile with the
 * given SDES keys. Throws when the endpoint allows no audio codec we can name.
 */
export function offerFor(policy: EndpointMediaPolicy, o: OfferForOptions): string {
  const offered = offerCodecs(policy, o.dtmf);
  if (offered.codecs.length === 0) {
    throw new PbxError("INVALID_ARGUMENT", `endpoint '${policy.endpointId}' allows no audio codec that can be offered in SDP`);
  }
  const build: BuildSdpOptions = {
    origin: { sessionId: o.sessionId, sessionVersion: o.sessionVersion, address: o.address },
    address: o.address,
    port: o.port,
    codecs: offered.codecs,
    direction: o.direction ?? "sendrecv",
    profile: offerProfile(policy),
  };
  if (o.crypto !== undefined) build.crypto = o.crypto;
  if (o.username !== undefined) build.origin.username = o.username;
  if (offered.telephoneEvent !== undefined) build.telephoneEvent = offered.telephoneEvent;
  if (offered.ptime !== undefined) build.ptime = offered.ptime;
  if (o.rtcpPort !== undefined) build.rtcpPort = o.rtcpPort;
  return buildSdp(build);
}
