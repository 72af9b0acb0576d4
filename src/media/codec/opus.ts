/**
 * Opus (RFC 6716) for the media workers, over the libopus WebAssembly build that the `@evan/opus`
 * package ships (its native addon is not safe in worker threads: it crashes when a worker
 * exits). The module is compiled once per thread; each encoder and decoder owns its state in the
 * module's memory and frees it on `close()` (or, as a backstop, when it is garbage collected).
 *
 * RTP carries Opus with a 48 kHz clock whatever the audio's rate (RFC 7587 §4.1), so our codec
 * instances work at the rate of the other leg's codec when Opus supports it (8, 12, 16, 24 or
 * 48 kHz): a G.711 leg needs no resampling at all. Decoding is mono (a stereo stream is downmixed
 * by libopus); encoding is mono.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** Opus CTL requests and values (the Opus API, opus_defines.h). */
const CTL = {
  setBitrate: 4002,
  setMaxBandwidth: 4004,
  setComplexity: 4010,
  setInbandFec: 4012,
  setPacketLossPerc: 4014,
  setDtx: 4016,
} as const;
const APPLICATION_VOIP = 2048;
/** OPUS_BANDWIDTH_NARROWBAND … FULLBAND and the audio bandwidth (Hz) each carries. */
const BANDWIDTHS: ReadonlyArray<readonly [number, number]> = [
  [8000, 1101],
  [12000, 1102],
  [16000, 1103],
  [24000, 1104],
  [48000, 1105],
];
export const OPUS_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];
/** The longest Opus packet: 120 ms at 48 kHz. */
const MAX_FRAME = 5760;
const MAX_PACKET = 4000;

/** The part of the WebAssembly JS API used here (the project's TypeScript libs leave out the DOM's typings). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface OpusExports {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
  free(ptr: number): void;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(st: number, rate: number, channels: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frameSize: number, decodeFec: number): number;
  opus_decoder_ctl_set(st: number, request: number, value: number): number;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(st: number, rate: number, channels: number, application: number): number;
  opus_encode(st: number, pcm: number, frameSize: number, data: number, maxBytes: number): number;
  opus_encoder_ctl_set(st: number, request: number, value: number): number;
}

interface Runtime {
  wasm: OpusExports;
  /** Scratch areas for one packet and one frame of samples, shared by every instance of the thread. */
  packet: number;
  pcm: number;
}

let runtime: Runtime | undefined;

function load(): Runtime {
  if (runtime !== undefined) return runtime;
  const require = createRequire(import.meta.url);
  const dir = require.resolve("@evan/opus/package.json").replace(/package\.json$/, "wasm/");
  // The SIMD build when the engine validates a SIMD instruction, else the plain one.
  const simd = WebAssembly.validate(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11));
  const module = new WebAssembly.Module(readFileSync(`${dir}${simd ? "simd" : "opus"}.wasm`));
  const noop = (): number => 0;
  const instance = new WebAssembly.Instance(module, {
    wasi_snapshot_preview1: { fd_seek: noop, fd_write: noop, fd_close: noop, proc_exit: noop },
    env: { emscripten_notify_memory_growth: noop },
  });
  const wasm = instance.exports as OpusExports;
  runtime = { wasm, packet: wasm.malloc(MAX_PACKET), pcm: wasm.malloc(MAX_FRAME * 2 * 2) };
  return runtime;
}

const freed = new FinalizationRegistry<number>((ptr) => runtime?.wasm.free(ptr));

function check(code: number, what: string): number {
  if (code < 0) throw new Error(`opus: ${what} failed (error ${code})`);
  return code;
}

/** Encoder settings from the receiver's fmtp (RFC 7587 §6.1). */
export interface OpusEncoderSettings {
  /** maxaveragebitrate, bits per second. */
  bitrate?: number;
  /** useinbandfec=1: the receiver can use in-band FEC, so send it. */
  fec?: boolean;
  /** usedtx=1. */
  dtx?: boolean;
  /** maxplaybackrate: no wider audio than the receiver plays. */
  maxPlaybackRate?: number;
}

/** An encoder's or decoder's state in the module's memory, freed once by `close()` (or when collected). */
abstract class OpusState {
  protected readonly rt = load();
  protected readonly st: number;
  private closed = false;

  constructor(size: number) {
    this.st = this.rt.wasm.malloc(size);
    freed.register(this, this.st, this);
  }

  /** The state's address; using a closed instance is a programming error, not a use of freed memory. */
  protected get state(): number {
    if (this.closed) throw new Error("opus: used after close()");
    return this.st;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    freed.unregister(this);
    this.rt.wasm.free(this.st);
  }
}

export class OpusEncoder extends OpusState {
  constructor(
    readonly sampleRate: number,
    settings: OpusEncoderSettings = {},
  ) {
    super(load().wasm.opus_encoder_get_size(1));
    const w = this.rt.wasm;
    try {
      check(w.opus_encoder_init(this.st, sampleRate, 1, APPLICATION_VOIP), "encoder init");
    } catch (err) {
      this.close();
      throw err;
    }
    if (settings.bitrate !== undefined) w.opus_encoder_ctl_set(this.st, CTL.setBitrate, Math.min(510000, Math.max(6000, settings.bitrate)));
    if (settings.fec === true) {
      w.opus_encoder_ctl_set(this.st, CTL.setInbandFec, 1);
      w.opus_encoder_ctl_set(this.st, CTL.setPacketLossPerc, 10);
    }
    if (settings.dtx === true) w.opus_encoder_ctl_set(this.st, CTL.setDtx, 1);
    if (settings.maxPlaybackRate !== undefined) {
      const bw = BANDWIDTHS.find(([hz]) => settings.maxPlaybackRate !== undefined && settings.maxPlaybackRate <= hz)?.[1] ?? 1105;
      w.opus_encoder_ctl_set(this.st, CTL.setMaxBandwidth, bw);
    }
    w.opus_encoder_ctl_set(this.st, CTL.setComplexity, 5);
  }

  /** One frame (2.5 … 60 ms at `sampleRate`) to one Opus packet. */
  encode(samples: Int16Array): Buffer {
    const { wasm: w, pcm, packet } = this.rt;
    if (samples.length > MAX_FRAME) throw new Error(`opus: a frame of ${samples.length} samples is longer than 120 ms`);
    new Int16Array(w.memory.buffer, pcm, samples.length).set(samples);
    const n = check(w.opus_encode(this.state, pcm, samples.length, packet, MAX_PACKET), "encode");
    return Buffer.from(new Uint8Array(w.memory.buffer, packet, n));
  }

}

export class OpusDecoder extends OpusState {
  constructor(readonly sampleRate: number) {
    super(load().wasm.opus_decoder_get_size(1));
    try {
      check(this.rt.wasm.opus_decoder_init(this.st, sampleRate, 1), "decoder init");
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** One packet to mono samples at `sampleRate`. */
  decode(payload: Uint8Array): Int16Array {
    return this.run(payload, (this.sampleRate * 120) / 1000, false);
  }

  /**
   * Audio for `samples` (at `sampleRate`, a multiple of 2.5 ms) that were lost: from the in-band
   * FEC of the packet after them (`next`), else packet-loss concealment (RFC 6716 §4.4).
   */
  conceal(samples: number, next?: Uint8Array): Int16Array {
    return this.run(next, Math.min(samples, (this.sampleRate * 120) / 1000), next !== undefined);
  }

  private run(payload: Uint8Array | undefined, frameSize: number, fec: boolean): Int16Array {
    const { wasm: w, pcm, packet } = this.rt;
    const len = payload === undefined ? 0 : Math.min(MAX_PACKET, payload.length);
    if (payload !== undefined) new Uint8Array(w.memory.buffer, packet, len).set(payload.subarray(0, len));
    const n = w.opus_decode(this.state, len === 0 ? 0 : packet, len, pcm, frameSize, fec ? 1 : 0);
    if (n < 0) return new Int16Array(0);
    return new Int16Array(w.memory.buffer.slice(pcm, pcm + n * 2));
  }

}
