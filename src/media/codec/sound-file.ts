/**
 * Sound files in Asterisk's formats, named by extension as Asterisk names them: `.wav` (RIFF,
 * 16-bit PCM or G.711, any rate), `.ulaw`/`.pcm`, `.alaw`, `.sln` (8 kHz 16-bit little-endian),
 * `.sln16`, `.g722` (raw G.722 at 64 kbit/s). Prompts are read into 8 kHz mono samples for the
 * player; recordings are written from 8 kHz samples. GSM (`.gsm`, and `.WAV`, Asterisk's wav49)
 * is not among them: Switchboard has no GSM 06.10 codec.
 */
import { PbxError } from "../../core/errors.js";
import { createCodec } from "./audio-codec.js";
import { Resampler } from "./resampler.js";
import { wavTo8kMono } from "./wav.js";

export type SoundFormat = "wav" | "ulaw" | "alaw" | "sln" | "sln16" | "g722";

/** File extensions Switchboard reads and writes, and their format. */
export const SOUND_EXTENSIONS: Readonly<Record<string, SoundFormat>> = {
  wav: "wav",
  ulaw: "ulaw",
  pcm: "ulaw",
  alaw: "alaw",
  sln: "sln",
  raw: "sln",
  sln16: "sln16",
  g722: "g722",
};

/** Asterisk format names that exist but that Switchboard cannot read or write. */
export const UNSUPPORTED_SOUND_FORMATS: ReadonlySet<string> = new Set(["gsm", "wav49", "WAV", "g729", "ilbc", "siren7", "siren14", "h263", "vox", "ogg", "g723"]);

/** The extension a recording in `format` gets (`wav49` is Asterisk's `.WAV`). */
export function soundFormatOf(name: string): SoundFormat | undefined {
  return SOUND_EXTENSIONS[name];
}

/**
 * The extensions to try for a prompt played to a leg in `codec`, best first: the file already in
 * the leg's codec (no decoding loss, no resampling), then the others.
 */
export function preferredExtensions(codec: string | undefined): string[] {
  const first: Readonly<Record<string, string[]>> = {
    ulaw: ["ulaw", "pcm"],
    alaw: ["alaw"],
    g722: ["g722", "sln16"],
    slin16: ["sln16", "g722"],
    slin: ["sln", "raw"],
  };
  const lead = (codec !== undefined ? first[codec] : undefined) ?? [];
  return [...lead, ...["wav", "ulaw", "pcm", "alaw", "sln", "raw", "sln16", "g722"].filter((e) => !lead.includes(e))];
}

function resample(samples: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return samples;
  return new Resampler(from, to).process(samples);
}

function readLe16(buf: Buffer): Int16Array {
  const out = new Int16Array(buf.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2);
  return out;
}

function writeLe16(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, i * 2);
  return out;
}

/** Decodes a sound file image to 8 kHz mono samples; the format comes from the file's extension. */
export function decodeSoundFile(buf: Buffer, path: string): Int16Array {
  const ext = path.slice(path.lastIndexOf(".") + 1);
  const format = SOUND_EXTENSIONS[ext];
  switch (format) {
    case "wav":
      return wavTo8kMono(buf, path);
    case "sln":
      return readLe16(buf);
    case "sln16":
      return resample(readLe16(buf), 16000, 8000);
    case "ulaw":
    case "alaw":
    case "g722": {
      const codec = createCodec(format);
      if (codec === undefined) throw new PbxError("MEDIA_FILE", `${path}: no ${format} decoder`);
      const out = codec.decode(buf);
      return resample(out, codec.sampleRate, 8000);
    }
    default:
      throw new PbxError("MEDIA_FILE", `${path}: .${ext} files cannot be played here (Switchboard reads ${Object.keys(SOUND_EXTENSIONS).map((e) => `.${e}`).join(", ")}); convert it with: sox in.${ext} -r 8000 -c 1 out.wav`);
  }
}

/** A RIFF/WAVE image of 16-bit mono PCM. */
export function encodeWav(samples: Int16Array, rate = 8000): Buffer {
  const data = writeLe16(samples);
  const h = Buffer.alloc(44);
  h.write("RIFF", 0, "latin1");
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVEfmt ", 8, "latin1");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "latin1");
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Encodes 8 kHz mono samples as a file in `format`. */
export function encodeSoundFile(samples: Int16Array, format: SoundFormat): Buffer {
  switch (format) {
    case "wav":
      return encodeWav(samples);
    case "sln":
      return writeLe16(samples);
    case "sln16":
      return writeLe16(resample(samples, 8000, 16000));
    case "ulaw":
    case "alaw":
    case "g722": {
      const codec = createCodec(format);
      if (codec === undefined) throw new PbxError("MEDIA_FILE", `no ${format} encoder`);
      return codec.encode(resample(samples, 8000, codec.sampleRate));
    }
  }
}
