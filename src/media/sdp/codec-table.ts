/**
 * The mapping between Asterisk format names and their RTP descriptions: rtpmap encoding name,
 * clock rate, channels and static payload type (RFC 3551 §6, Tables 4 and 5).
 */
import type { MediaCodec } from "./types.js";

/** One audio format we can name in SDP. */
export interface CodecDescription {
  readonly name: string;
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels?: number;
  /** Static payload type from RFC 3551; absent for formats that need a dynamic one. */
  readonly staticPayloadType?: number;
  /** fmtp we put in our own offers. */
  readonly fmtp?: string;
  /** Matches whatever clock rate the peer writes (see G.722 below). */
  readonly anyRate?: boolean;
}

export const AUDIO_CODECS: readonly CodecDescription[] = [
  { name: "ulaw", encoding: "PCMU", clockRate: 8000, staticPayloadType: 0 },
  { name: "alaw", encoding: "PCMA", clockRate: 8000, staticPayloadType: 8 },
  // RFC 3551 §4.5.2: G.722 samples at 16 kHz, yet its RTP clock rate stays 8000 for backward
  // compatibility with RFC 1890. A few phones write G722/16000 anyway, so the rate is not compared.
  { name: "g722", encoding: "G722", clockRate: 8000, staticPayloadType: 9, anyRate: true },
  // RFC 7587 §7: the rtpmap for Opus is always opus/48000/2, whatever is actually sent; we can
  // use the sender's in-band FEC to conceal lost packets (§6.1).
  { name: "opus", encoding: "opus", clockRate: 48000, channels: 2, fmtp: "useinbandfec=1" },
  { name: "gsm", encoding: "GSM", clockRate: 8000, staticPayloadType: 3 },
  { name: "g729", encoding: "G729", clockRate: 8000, staticPayloadType: 18 },
  { name: "ilbc", encoding: "iLBC", clockRate: 8000, fmtp: "mode=30" },
  { name: "speex", encoding: "speex", clockRate: 8000 },
  { name: "speex16", encoding: "speex", clockRate: 16000 },
  { name: "speex32", encoding: "speex", clockRate: 32000 },
  { name: "slin", encoding: "L16", clockRate: 8000 },
  { name: "slin16", encoding: "L16", clockRate: 16000 },
  { name: "slin32", encoding: "L16", clockRate: 32000 },
  { name: "slin48", encoding: "L16", clockRate: 48000 },
  { name: "g726", encoding: "G726-32", clockRate: 8000 },
  { name: "g726aal2", encoding: "AAL2-G726-32", clockRate: 8000 },
  { name: "adpcm", encoding: "DVI4", clockRate: 8000, staticPayloadType: 5 },
  { name: "g723", encoding: "G723", clockRate: 8000, staticPayloadType: 4 },
  { name: "lpc10", encoding: "LPC", clockRate: 8000, staticPayloadType: 7 },
  { name: "siren7", encoding: "G7221", clockRate: 16000, fmtp: "bitrate=32000" },
  { name: "siren14", encoding: "G7221", clockRate: 32000, fmtp: "bitrate=48000" },
  { name: "g719", encoding: "G719", clockRate: 48000 },
  { name: "codec2", encoding: "codec2", clockRate: 8000 },
];

/**
 * RFC 3551 Table 4: static audio payload types that are valid without an rtpmap line.
 * 13 (CN) is here so that it can be recognised and skipped.
 */
const STATIC_AUDIO: ReadonlyMap<number, { encoding: string; clockRate: number; channels?: number }> = new Map([
  [0, { encoding: "PCMU", clockRate: 8000 }],
  [3, { encoding: "GSM", clockRate: 8000 }],
  [4, { encoding: "G723", clockRate: 8000 }],
  [5, { encoding: "DVI4", clockRate: 8000 }],
  [6, { encoding: "DVI4", clockRate: 16000 }],
  [7, { encoding: "LPC", clockRate: 8000 }],
  [8, { encoding: "PCMA", clockRate: 8000 }],
  [9, { encoding: "G722", clockRate: 8000 }],
  [10, { encoding: "L16", clockRate: 44100, channels: 2 }],
  [11, { encoding: "L16", clockRate: 44100 }],
  [12, { encoding: "QCELP", clockRate: 8000 }],
  [13, { encoding: "CN", clockRate: 8000 }],
  [14, { encoding: "MPA", clockRate: 90000 }],
  [15, { encoding: "G728", clockRate: 8000 }],
  [16, { encoding: "DVI4", clockRate: 11025 }],
  [17, { encoding: "DVI4", clockRate: 22050 }],
  [18, { encoding: "G729", clockRate: 8000 }],
]);

/** The encoding a static payload type stands for when no rtpmap is given. */
export function staticPayload(pt: number): { encoding: string; clockRate: number; channels?: number } | undefined {
  return STATIC_AUDIO.get(pt);
}

/** Looks up the description of an Asterisk format name; undefined for video, text or unmapped names. */
export function codecByName(name: string): CodecDescription | undefined {
  return AUDIO_CODECS.find((c) => c.name === name);
}

const KNOWN_NAMES = new Set(AUDIO_CODECS.map((c) => c.name));

/**
 * Names an rtpmap entry. Encoding names compare case-insensitively (RFC 4855 §3); a missing clock
 * rate takes the table's. Unknown encodings keep their lowercased name (suffixed with the rate if
 * it would otherwise pass for one of ours), so they show up in log lines but never match.
 */
export function nameForEncoding(encoding: string, clockRate: number | undefined, channels: number | undefined): string {
  const enc = encoding.toLowerCase();
  const candidates = AUDIO_CODECS.filter((c) => c.encoding.toLowerCase() === enc);
  const match =
    clockRate === undefined
      ? candidates[0]
      : candidates.find((c) => c.anyRate === true || c.clockRate === clockRate);
  // Opus in stereo or mono rtpmap both name the same format; other channel counts are not ours.
  if (match !== undefined && (channels === undefined || match.channels === undefined || channels <= match.channels)) return match.name;
  return KNOWN_NAMES.has(enc) ? `${enc}/${clockRate ?? "?"}` : enc;
}

/** The clock rate the table gives an encoding, used when an rtpmap omits it. */
export function defaultClockRate(encoding: string): number | undefined {
  const enc = encoding.toLowerCase();
  return AUDIO_CODECS.find((c) => c.encoding.toLowerCase() === enc)?.clockRate;
}

/** "ulaw|alaw" for log lines, Asterisk style; "(nothing)" for an empty list. */
export function describeCodecs(list: readonly { readonly name: string }[]): string {
  return list.length === 0 ? "(nothing)" : list.map((c) => c.name).join("|");
}

/** Copies a codec description into a MediaCodec with the given payload type. */
export function toMediaCodec(d: CodecDescription, payloadType: number): MediaCodec {
  const codec: MediaCodec = { name: d.name, encoding: d.encoding, payloadType, clockRate: d.clockRate };
  if (d.channels !== undefined) codec.channels = d.channels;
  if (d.fmtp !== undefined) codec.fmtp = d.fmtp;
  return codec;
}
