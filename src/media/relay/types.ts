/**
 * Public shapes of the media plane shared by the main thread (`MediaEngine`) and the relay
 * workers. Plain data only: everything here crosses `postMessage`.
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { StrictRtpMode } from "../../config/rtp/rtp-schema.js";
import type { LegFormat } from "../transcode/leg-format.js";
import type { DtlsLegState } from "../dtls/types.js";
import type { LegIceStats } from "../ice/leg-ice.js";

export interface MediaEngineOptions {
  /** rtp.conf `rtpstart`/`rtpend`: RTP uses even ports, RTCP the next (odd) one, both inside the range. */
  rtpStart: number;
  rtpEnd: number;
  /** "0.0.0.0", "::" or one local IP; `allocate({ bindAddress })` overrides it per leg (endpoint `media_address` with `bind_rtp_to_media_address`). */
  bindAddress: string;
  /** Worker threads running the packet loop; default min(2, os.availableParallelism()). */
  workers?: number;
  /** rtp.conf `strictrtp`. */
  strictRtp: StrictRtpMode;
  /** rtp.conf `probation`: consecutive in-sequence packets a new source needs before it is accepted. */
  probation: number;
  /** rtp.conf `srtpreplayprotection`: SRTP legs drop replayed packets; default true. */
  srtpReplayProtection?: boolean;
  /** A bridged leg that receives no RTP for this long after `bridge()` is reported once (`noMedia`). Default 5000. */
  noMediaMs?: number;
  log: Logger;
  clock?: Clock;
}

export interface RemoteAddress {
  address: string;
  port: number;
  /** SDP `a=rtcp:`; default port + 1. */
  rtcpPort?: number;
}

export interface LegOptions {
  /** Endpoint `rtp_symmetric`: send to the observed (latched) source instead of the SDP address. */
  symmetric: boolean;
  /** Endpoint `rtp_timeout`, seconds without inbound RTP before a `timeout` event (0 = off). */
  timeoutSec: number;
  /** Endpoint `rtp_timeout_hold`, the same while the call is on hold (0 = off). */
  timeoutHoldSec: number;
  /** Endpoint `rtp_keepalive`: seconds of send silence after which a comfort-noise packet is sent (0 = off). */
  keepaliveSec: number;
  onHold?: boolean;
  /**
   * False while this leg's phone does not want to receive media (its SDP says sendonly or
   * inactive: it has put us on hold); the partner's RTP is then not relayed to it. RFC 3264 §8.4:
   * a hold offer is a request "that it temporarily stops sending", and our answer says recvonly.
   */
  remoteReceives?: boolean;
  /** Muted toward the partner (ARI mute in): the audio this leg's phone sends is not relayed; key events still are. */
  muteIn?: boolean;
  /** Muted toward this phone (ARI mute out): the partner's audio is not relayed to it; key events still are. */
  muteOut?: boolean;
  /**
   * The endpoint insists on SRTP (media_encryption=sdes, not optimistic): until the leg has keys
   * nothing is sent to its phone or taken from it, so no audio crosses in the clear while an
   * answer is missing or was unusable.
   */
  srtpRequired?: boolean;
  /**
   * The formats this leg's phone negotiated. When the bridged legs' first formats differ, each
   * direction is transcoded in the worker; without a format on either leg packets pass untouched.
   */
  format?: LegFormat;
  /**
   * DTMF this leg's phone sends in its audio (dtmf_mode=inband, or auto without telephone-event):
   * the worker decodes what it sends and reports the digits it hears.
   */
  dtmfDetect?: "inband" | "off";
  /** False when this leg's phone takes no RFC 4733 events (not negotiated): the partner's are not relayed to it. */
  dtmfEvents?: boolean;
  /**
   * True while the PBX watches this leg's keys for feature codes (features.conf): its phone's
   * RFC 4733 events are reported but not relayed; the PBX passes on the keys that are no code.
   */
  holdEvents?: boolean;
  /** RTCP multiplexed on the RTP port toward this phone (RFC 5761, endpoint rtcp_mux with a=rtcp-mux agreed). */
  rtcpMux?: boolean;
}

/** Where a digit came from: RFC 4733 events, the audio itself, or SIP INFO (the PBX's). */
export type DtmfSource = "rfc4733" | "inband" | "info";

export const DEFAULT_LEG_OPTIONS: LegOptions = { symmetric: false, timeoutSec: 0, timeoutHoldSec: 0, keepaliveSec: 0, onHold: false, remoteReceives: true };

/** The media doctor's raw data for one leg. */
export interface LegStats {
  id: string;
  localPort: number;
  /** From SDP (`setRemote`). */
  advertised?: RemoteAddress;
  /** Current accepted source of inbound RTP. */
  observed?: { address: string; port: number };
  /** True when RTP is sent to `observed` rather than `advertised` (rtp_symmetric with a learned source). */
  latched: boolean;
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  rtcpIn: number;
  rtcpOut: number;
  /** Milliseconds since the last accepted inbound RTP packet; absent when none arrived yet. */
  lastPacketAgeMs?: number;
  payloadType?: number;
  ssrc?: number;
  /** Packets not accepted: strict RTP source checks, malformed datagrams. */
  dropped: number;
  /** Of `dropped`, datagrams that were not RTP/RTCP at all. */
  malformed: number;
  /** Id of the leg this one is bridged to. */
  bridgedTo?: string;
  /** The formats this leg's SDP agreed (payload types), with telephone-event's, when known. */
  agreed?: { codecs: Array<{ name: string; payloadType: number }>; eventPayloadType?: number };
  /** Set while what this leg receives is transcoded for its partner: the two formats and the packet counts. */
  transcoding?: { from: string; to: string; decoded: number; encoded: number; undecodable: number; concealed: number };
  /** SDES-SRTP on this leg: the suite, and how many inbound packets failed authentication or replay checks (counted in `dropped`). */
  srtp?: { suite: string; refused: number };
  /** DTLS-SRTP on this leg (RFC 5764): the association's role and state; its keys then drive `srtp`. */
  dtls?: DtlsLegState;
  echo: boolean;
  playing: boolean;
  startedAt: number;
  /** ICE on this leg: candidates, pairs tried and their outcome, the selected pairs. */
  ice?: LegIceStats;
}

/**
 * What `play()` sends. Tones are sums of sines; `onMs`/`offMs` give the cadence (absent: continuous).
 * `level` is the peak amplitude of the sum as a fraction of full scale (default 0.35, about -9 dBFS).
 */
export type PlaybackSource =
  | { kind: "tone"; frequencies: number[]; durationMs: number; onMs?: number; offMs?: number; level?: number }
  | { kind: "file"; path: string }
  | { kind: "silence"; durationMs: number }
  /** Samples at 8 kHz made in the main thread (music on hold's built-in music); `loop` repeats them until stopped. */
  | { kind: "samples"; samples: Int16Array; loop?: boolean };

export interface PlayOptions {
  payloadType: number;
  /** The leg's codec: an Asterisk format name the workers can encode (ulaw, alaw, g722, opus, slin…); PCMU and PCMA are read as ulaw and alaw. */
  codec: string;
  /** The phone's fmtp for it (Opus: maxaveragebitrate, useinbandfec …). */
  fmtp?: string;
  /** Packetization time, default 20 ms. */
  ptimeMs?: number;
}

export type PlayResult = "done" | "stopped";

export type MediaEngineEvents = {
  /** A DTMF digit this leg's phone sent, reported as it ended. */
  /** `relayed`: the key already went on to the bridged partner in the relayed media (RFC 4733 events, inband tones). */
  dtmf: [legId: string, digit: string, durationMs: number, source: DtmfSource, relayed?: boolean];
  /** No inbound RTP for rtp_timeout (or rtp_timeout_hold) seconds; once per silent period. */
  timeout: [legId: string, direction: "in"];
  /** A bridged leg received no RTP within `noMediaMs` after `bridge()`; once per leg. */
  noMedia: [legId: string, stats: LegStats];
  /** The leg's DTLS association changed state: connected (keys in use) or failed (why). */
  dtls: [legId: string, state: DtlsLegState];
  error: [Error];
};

/**
 * SDES-keyed SRTP on one leg (RFC 3711, RFC 4568): `remoteKey` decrypts what the phone sends (the
 * key of its a=crypto), `localKey` encrypts what we send it (ours). Inline keys, base64 of the
 * 30-byte master key || salt.
 */
export interface LegSrtp {
  suite: "AES_CM_128_HMAC_SHA1_80" | "AES_CM_128_HMAC_SHA1_32";
  remoteKey: string;
  localKey: string;
  /** The MKI the phone's a=crypto names (RFC 4568 `|value:length`), found before each tag. */
  remoteMki?: { value: number; length: number };
}
