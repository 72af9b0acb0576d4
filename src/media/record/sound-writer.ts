/**
 * Writes a sound file as its audio arrives (MixMonitor), instead of all at once at the end as
 * Record() does: a call may last hours. A WAV file's RIFF and data chunk sizes are rewritten
 * after every write, so the file on disk is a valid WAV at every moment, also when the PBX dies
 * mid-call. Headerless formats (`.sln`, `.raw`, `.sln16`, `.ulaw`, `.alaw`) are only appended to.
 *
 * WAV header written (RIFF, 16-bit PCM, mono), 44 bytes:
 *
 *    0 "RIFF"  4 riff size (file - 8)  8 "WAVE"
 *   12 "fmt "  16 16  20 1 (PCM)  22 1 (mono)  24 rate  28 rate*2  32 2  34 16
 *   36 "data"  40 data size          44 samples, little-endian
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { PbxError } from "../../core/errors.js";
import { encodeG711 } from "../codec/g711.js";

/** The formats a monitor can write, by Asterisk's extension (`wav16` is 16 kHz WAV). */
export type MonitorFormat = "wav" | "wav16" | "sln" | "sln16" | "ulaw" | "alaw";

export const MONITOR_FORMATS: Readonly<Record<string, MonitorFormat>> = {
  wav: "wav",
  wav16: "wav16",
  sln: "sln",
  raw: "sln",
  sln16: "sln16",
  ulaw: "ulaw",
  pcm: "ulaw",
  alaw: "alaw",
};

/** The sample rate a format is written at. */
export function monitorRate(format: MonitorFormat): number {
  return format === "wav16" || format === "sln16" ? 16000 : 8000;
}

const WAV_HEADER = 44;

export function wavHeader(rate: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER);
  h.write("RIFF", 0, "latin1");
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write("WAVEfmt ", 8, "latin1");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "latin1");
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/**
 * Where an existing WAV's data chunk is, when its format is the one we would write (16-bit mono
 * PCM at `rate`) and the data chunk is its last chunk; undefined otherwise.
 */
function appendableWav(fd: number, size: number, rate: number): { dataSizeAt: number; dataBytes: number } | undefined {
  const head = Buffer.alloc(Math.min(size, 4096));
  readSync(fd, head, 0, head.length, 0);
  if (head.length < 12 || head.toString("latin1", 0, 4) !== "RIFF" || head.toString("latin1", 8, 12) !== "WAVE") return undefined;
  let off = 12;
  let fmtOk = false;
  while (off + 8 <= head.length) {
    const id = head.toString("latin1", off, off + 4);
    const len = head.readUInt32LE(off + 4);
    if (id === "fmt ") {
      if (off + 24 > head.length) return undefined;
      fmtOk = head.readUInt16LE(off + 8) === 1 && head.readUInt16LE(off + 10) === 1 && head.readUInt32LE(off + 12) === rate && head.readUInt16LE(off + 22) === 16;
    } else if (id === "data") {
      // The data runs to the end of the file (a writer that died may have left a wrong size).
      return fmtOk ? { dataSizeAt: off + 4, dataBytes: size - (off + 8) } : undefined;
    }
    off += 8 + len + (len % 2);
  }
  return undefined;
}

export class SoundWriter {
  private fd: number | undefined;
  private readonly wav: boolean;
  readonly rate: number;
  /** Bytes of audio in the file (the data chunk's size for a WAV). */
  private dataBytes = 0;
  /** Where the data chunk's size is (WAV). */
  private dataSizeAt = 40;
  private end = 0;
  /** Samples written by this writer (not counting what an appended file already held). */
  samplesWritten = 0;

  /** Opens (creating its directory) or, with `append`, continues `path`. Throws MEDIA_FILE when it cannot. */
  constructor(
    readonly path: string,
    readonly format: MonitorFormat,
    append: boolean,
  ) {
    this.rate = monitorRate(format);
    this.wav = format === "wav" || format === "wav16";
    try {
      mkdirSync(dirname(path), { recursive: true });
      // Not "a": with O_APPEND, Linux ignores the position of a write, and the header could not
      // be rewritten.
      this.fd = openSync(path, append && existsSync(path) ? "r+" : "w", 0o640);
      const size = fstatSync(this.fd).size;
      if (append && size > 0) {
        if (this.wav) {
          const at = appendableWav(this.fd, size, this.rate);
          if (at === undefined) throw new Error(`it is not a 16-bit mono ${this.rate} Hz WAV file, which option a can append to`);
          this.dataSizeAt = at.dataSizeAt;
          this.dataBytes = at.dataBytes;
        } else this.dataBytes = size;
        this.end = size;
      } else if (this.wav) {
        writeSync(this.fd, wavHeader(this.rate, 0), 0, WAV_HEADER, 0);
        this.end = WAV_HEADER;
      }
    } catch (err) {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      throw new PbxError("MEDIA_FILE", `${path}: cannot write the recording (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }

  /** Appends samples at this writer's rate; a WAV's sizes are brought up to date. */
  write(samples: Int16Array): void {
    if (this.fd === undefined || samples.length === 0) return;
    let bytes: Buffer;
    if (this.format === "ulaw" || this.format === "alaw") {
      bytes = Buffer.allocUnsafe(samples.length);
      encodeG711(this.format === "ulaw" ? "PCMU" : "PCMA", samples, bytes);
    } else {
      bytes = Buffer.allocUnsafe(samples.length * 2);
      for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i]!, i * 2);
    }
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off, this.end + off);
    this.end += bytes.length;
    this.dataBytes += bytes.length;
    this.samplesWritten += samples.length;
    if (this.wav) this.updateSizes();
  }

  private updateSizes(): void {
    if (this.fd === undefined) return;
    const b = Buffer.alloc(4);
    b.writeUInt32LE(this.dataBytes, 0);
    writeSync(this.fd, b, 0, 4, this.dataSizeAt);
    b.writeUInt32LE(this.end - 8, 0);
    writeSync(this.fd, b, 0, 4, 4);
  }

  /** Closes the file. Safe twice. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}
