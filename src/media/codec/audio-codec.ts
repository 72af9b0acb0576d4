/**
 * The codecs the media workers can decode and encode, by their Asterisk format names (`allow=`):
 * one instance per direction of a transcoded leg, since some keep state between frames (ADPCM,
 * Opus). `sampleRate` is the rate of the linear audio the codec takes and gives; `rtpClockRate`
 * the RTP timestamp rate, which differs for G.722 (16 kHz audio, 8000 Hz clock, RFC 3551 §4.5.2).
 */
import { decodeG711, encodeG711, type G711Law } from "./g711.js";
import { G722Decoder, G722Encoder } from "./g722.js";
import { decodeL16, encodeL16 } from "./l16.js";

export interface AudioCodec {
  readonly name: string;
  readonly sampleRate: number;
  readonly rtpClockRate: number;
  /** The payload of one RTP packet to linear 16-bit samples at `sampleRate`. */
  decode(payload: Uint8Array): Int16Array;
  /** One frame of samples at `sampleRate` to the payload of one RTP packet. */
  encode(samples: Int16Array): Buffer;
}

type CodecFactory = () => AudioCodec;

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

function g722(): AudioCodec {
  const encoder = new G722Encoder();
  const decoder = new G722Decoder();
  return { name: "g722", sampleRate: 16000, rtpClockRate: 8000, decode: (p) => decoder.decode(p), encode: (s) => encoder.encode(s) };
}

const FACTORIES: ReadonlyMap<string, CodecFactory> = new Map([
  ["ulaw", g711("ulaw", "PCMU")],
  ["alaw", g711("alaw", "PCMA")],
  ["g722", g722],
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
export function createCodec(name: string): AudioCodec | undefined {
  return FACTORIES.get(name)?.();
}
