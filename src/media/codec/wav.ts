/**
 * Reads RIFF/WAVE sound files for Playback(): 16-bit PCM (any rate, any channel count) and
 * G.711 μ-law/A-law WAVs. Everything becomes 8 kHz mono 16-bit samples: channels are averaged and
 * other rates are resampled by linear interpolation (good enough for prompts; convert with sox
 * for best quality). Bad files throw `PbxError("MEDIA_FILE")` naming the file and the fix.
 */
import { PbxError } from "../../core/errors.js";
import { alawToSample, ulawToSample } from "./g711.js";

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_ULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;
const CONVERT_HINT = "convert it with: sox in.wav -r 8000 -c 1 -b 16 -e signed-integer out.wav";

export interface DecodedWav {
  readonly sampleRate: number;
  readonly channels: number;
  /** Mono samples at `sampleRate`. */
  readonly samples: Int16Array;
}

function bad(name: string, why: string): PbxError {
  return new PbxError("MEDIA_FILE", `${name}: ${why}; ${CONVERT_HINT}`);
}

/** Parses a WAV file image; throws MEDIA_FILE for anything it cannot play. */
export function parseWav(buf: Buffer, name: string): DecodedWav {
  if (buf.length < 12 || buf.toString("latin1", 0, 4) !== "RIFF" || buf.toString("latin1", 8, 12) !== "WAVE") {
    throw bad(name, "not a RIFF/WAVE file");
  }
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString("latin1", off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > buf.length) throw bad(name, "truncated fmt chunk");
      let format = buf.readUInt16LE(body);
      if (format === FORMAT_EXTENSIBLE && size >= 40) format = buf.readUInt16LE(body + 24);
      fmt = { format, channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === "data") {
      if (fmt === undefined) throw bad(name, "data chunk before fmt chunk");
      // Recorders killed mid-file leave a size of 0 or past the end: read to the end.
      if (size === 0 || body + size > buf.length) size = buf.length - body;
      return decodeData(buf.subarray(body, body + size), fmt, name);
    }
    off = body + size + (size % 2);
  }
  throw bad(name, "no data chunk");
}

function decodeData(data: Buffer, fmt: { format: number; channels: number; rate: number; bits: number }, name: string): DecodedWav {
  const { channels, rate } = fmt;
  if (channels < 1 || rate < 1000 || rate > 192000) throw bad(name, `unusable format (${channels} channels, ${rate} Hz)`);
  const pcm16 = fmt.format === FORMAT_PCM && fmt.bits === 16;
  const g711 = (fmt.format === FORMAT_ULAW || fmt.format === FORMAT_ALAW) && fmt.bits === 8;
  if (!pcm16 && !g711) throw bad(name, `format ${fmt.format} with ${fmt.bits} bits is not supported (16-bit PCM or 8-bit G.711 only)`);
  const width = pcm16 ? 2 : 1;
  const frames = Math.floor(data.length / (width * channels));
  const samples = new Int16Array(frames);
  const decode = fmt.format === FORMAT_ULAW ? ulawToSample : alawToSample;
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const at = (i * channels + c) * width;
      sum += pcm16 ? data.readInt16LE(at) : decode(data[at] ?? 0);
    }
    samples[i] = Math.round(sum / channels);
  }
  return { sampleRate: rate, channels, samples };
}

/** Resamples mono samples to `targetRate` by linear interpolation (identity when rates match). */
export function resampleLinear(samples: Int16Array, fromRate: number, targetRate = 8000): Int16Array {
  if (fromRate === targetRate) return samples;
  const outLength = Math.floor((samples.length * targetRate) / fromRate);
  const out = new Int16Array(outLength);
  const step = fromRate / targetRate;
  for (let i = 0; i < outLength; i++) {
    const pos = i * step;
    const k = Math.floor(pos);
    const frac = pos - k;
    const a = samples[k] ?? 0;
    const b = samples[k + 1] ?? a;
    out[i] = Math.round(a + (b - a) * frac);
  }
  return out;
}

/** Loads a WAV image as 8 kHz mono samples. */
export function wavTo8kMono(buf: Buffer, name: string): Int16Array {
  const wav = parseWav(buf, name);
  return resampleLinear(wav.samples, wav.sampleRate, 8000);
}
