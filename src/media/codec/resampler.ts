/**
 * A streaming rational resampler for the fixed rates of telephony (8, 16, 32, 48 kHz): the input
 * is upsampled by L, low-pass filtered and downsampled by M (L/M = out/in, reduced), computed in
 * polyphase form so that only the taps of the output's phase are summed. The prototype filter is a
 * windowed sinc (Blackman window) cut off at the lower of the two Nyquist frequencies, with a
 * little margin so the transition band stays inside the audio band; it spans TAPS samples of the
 * lower rate. State carries over between calls, so 20 ms chunks join without clicks; the delay is
 * TAPS / 2 samples of the lower rate (1 ms at 8 kHz).
 */

/** Filter span in samples of the lower of the two rates. */
const TAPS = 16;
/** The cut-off as a fraction of the lower Nyquist frequency. */
const CUTOFF = 0.9;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Taps per phase: the filter spans TAPS samples of the lower rate, i.e. TAPS·max(L, M) upsampled ones. */
const tapsPerPhase = (up: number, down: number): number => TAPS * Math.ceil(Math.max(up, down) / up);

/** The polyphase bank: phase p holds the taps h[p + k·L], k = 0 … tapsPerPhase-1. */
function designBank(up: number, down: number): Float32Array[] {
  const perPhase = tapsPerPhase(up, down);
  const length = perPhase * up;
  const fc = (CUTOFF * 0.5) / Math.max(up, down);
  const centre = (length - 1) / 2;
  const h = new Float64Array(length);
  for (let n = 0; n < length; n++) {
    const x = n - centre;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (length - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (length - 1));
    h[n] = sinc * w * up;
  }
  const bank: Float32Array[] = [];
  for (let p = 0; p < up; p++) {
    const taps = new Float32Array(perPhase);
    for (let k = 0; k < perPhase; k++) taps[k] = h[p + k * up] ?? 0;
    bank.push(taps);
  }
  return bank;
}

export class Resampler {
  readonly up: number;
  readonly down: number;
  private readonly bank: Float32Array[];
  private readonly perPhase: number;
  /** The last perPhase - 1 input samples, oldest first, ahead of the next chunk. */
  private history: Float32Array;
  /** Position of the next output in the upsampled stream, relative to the next chunk's first sample · L. */
  private position = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    const g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    this.bank = designBank(this.up, this.down);
    this.perPhase = tapsPerPhase(this.up, this.down);
    this.history = new Float32Array(this.perPhase - 1);
  }

  get identity(): boolean {
    return this.up === this.down;
  }

  /** Resamples the next chunk of the stream. */
  process(input: Int16Array): Int16Array {
    if (this.identity) return input;
    const h = this.history.length;
    const x = new Float32Array(h + input.length);
    x.set(this.history);
    for (let i = 0; i < input.length; i++) x[h + i] = input[i] ?? 0;
    const limit = input.length * this.up;
    const out = new Int16Array(Math.max(0, Math.ceil((limit - this.position) / this.down)));
    let n = 0;
    let pos = this.position;
    for (; pos < limit; pos += this.down) {
      const i = Math.floor(pos / this.up);
      const taps = this.bank[pos - i * this.up] as Float32Array;
      // Newest input sample first: x[h + i] pairs with taps[0].
      let acc = 0;
      for (let k = 0; k < this.perPhase; k++) acc += (taps[k] as number) * (x[h + i - k] as number);
      out[n++] = acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc);
    }
    this.position = pos - limit;
    this.history = x.slice(x.length - h);
    return n === out.length ? out : out.subarray(0, n);
  }
}
