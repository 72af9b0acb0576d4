/**
 * The codecs the media workers can decode and encode, by their Asterisk format names (`allow=`):
 * one instance per direction of a transcoded leg, since some keep state between frames (ADPCM,
 * Opus). `sampleRate` is the rate of the linear audio the codec takes and gives; `rtpClockRate`
 * the RTP timestamp rate, which differs for G.722 (16 kHz audio, 8000 Hz clock, RFC 3551 §4.5.2)
 * and for Opus (48 kHz clock whatever the audio's rate, RFC 7587 §4.1).
 */
import { decodeG711, encodeG711, type G711Law } from "./g711.js";
import { G722Decoder, G722Encoder } from "./g722.js";
import { decodeL16, encodeL16 } from "./l16.js";
import { OPUS_RATES, OpusDecoder, OpusEncoder, type OpusEncoderSettings } from "./opus.js";

export interface AudioCodec {
  readonly name: string;
  readonly sampleRate: number;
  readonly rtpClockRate: number;
  /** The payload of one RTP packet to linear 16-bit samples at `sampleRate`. */
  decode(payload: Uint8Array): Int16Array;
  /** One frame of samples at `sampleRate` to the payload of one RTP packet. */
  encode(samples: Int16Array): Buffer;
  /**
   * Audio for `samples` that were lost, when the codec can do better than repeating what came
   * before: Opus from the in-band FEC of the packet after the loss (`next`), or its concealment.
   */
  conceal?(samples: number, next?: Uint8Array): Int16Array;
  /** Frees what the instance holds outside the JavaScript heap. */
  close?(): void;
}

export interface CodecOptions {
  /** The rate the other side works at: a codec that can run at several (Opus) takes it. */
  rate?: number;
  /** The receiving phone's fmtp for this format (Opus: maxaveragebitrate, useinbandfec …). */
  fmtp?: string;
}

type CodecFactory = (o: CodecOptions) => AudioCodec;

function g711(name: string, law: G711Law): CodecFactory {
  return () => ({
    name,
    sampleRate: 8000,
    rtpClockRate: 8000,
    decode: (payload) => decodeG711(law, payload),
    encode: (samples) => {
      const out = Buffer.allocUnsafe(samples.length);
      encodeG711(law, samples, out);
      return out;
    },
  });
}

function l16(name: string, rate: number): CodecFactory {
  return () => ({ name, sampleRate: rate, rtpClockRate: rate, decode: decodeL16, encode: encodeL16 });
}

/** RFC 7587 §6.1 fmtp parameters that shape what we send. */
function opusSettings(fmtp: string | undefined): OpusEncoderSettings {
  const p = new Map<string, string>();
  for (const kv of (fmtp ?? "").split(";")) {
    const eq = kv.indexOf("=");
    if (eq > 0) p.set(kv.slice(0, eq).trim().toLowerCase(), kv.slice(eq + 1).trim());
  }
  const num = (k: string): number | undefined => {
    const v = Number(p.get(k));
    return Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const settings: OpusEncoderSettings = {};
  const bitrate = num("maxaveragebitrate");
  if (bitrate !== undefined) settings.bitrate = bitrate;
  const playback = num("maxplaybackrate");
  if (playback !== undefined) settings.maxPlaybackRate = playback;
  if (p.get("useinbandfec") === "1") settings.fec = true;
  if (p.get("usedtx") === "1") settings.dtx = true;
  return settings;
}

function opus(o: CodecOptions): AudioCodec {
  const rate = o.rate !== undefined && OPUS_RATES.includes(o.rate) ? o.rate : 48000;
  let encoder: OpusEncoder | undefined;
  let decoder: OpusDecoder | undefined;
  const dec = (): OpusDecoder => (decoder ??= new OpusDecoder(rate));
  return {
    name: "opus",
    sampleRate: rate,
    rtpClockRate: 48000,
    decode: (p) => dec().decode(p),
    encode: (s) => (encoder ??= new OpusEncoder(rate, opusSettings(o.fmtp))).encode(s),
    conceal: (samples, next) => dec().conceal(samples, next),
    close: () => {
      encoder?.close();
      decoder?.close();
    },
  };
}

function g722(): AudioCodec {
  const encoder = new G722Encoder();
  const decoder = new G722Decoder();
  return { name: "g722", sampleRate: 16000, rtpClockRate: 8000, decode: (p) => decoder.decode(p), encode: (s) => encoder.encode(s) };
}

const FACTORIES: ReadonlyMap<string, CodecFactory> = new Map([
  ["ulaw", g711("ulaw", "PCMU")],
  ["alaw", g711("alaw", "PCMA")],
  ["g722", g722],
  ["opus", opus],
  ["slin", l16("slin", 8000)],
  ["slin16", l16("slin16", 16000)],
  ["slin32", l16("slin32", 32000)],
  ["slin48", l16("slin48", 48000)],
]);

/** True when the workers can decode and encode this format, so a leg using it can be transcoded. */
export function canTranscode(name: string): boolean {
  return FACTORIES.has(name);
}

/** The format names the workers can transcode, in the order `core show codecs` lists them. */
export function transcodableCodecs(): string[] {
  return [...FACTORIES.keys()];
}

/** A fresh codec instance for one direction of one leg; undefined for a format we cannot transcode. */
export function createCodec(name: string, o: CodecOptions = {}): AudioCodec | undefined {
  return FACTORIES.get(name)?.(o);
}

/** The rate a codec works at when nothing else decides it (Opus: 48 kHz). */
export function naturalRate(name: string): number | undefined {
  return RATES.get(name);
}

const RATES: ReadonlyMap<string, number> = new Map([
  ["ulaw", 8000],
  ["alaw", 8000],
  ["g722", 16000],
  ["opus", 48000],
  ["slin", 8000],
  ["slin16", 16000],
  ["slin32", 32000],
  ["slin48", 48000],
]);
