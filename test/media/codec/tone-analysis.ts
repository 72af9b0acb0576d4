/**
 * Measures how faithfully a codec (or resampler) carried a sine: the least-squares fit of a sine
 * and a cosine at the tone's frequency to what came out (so any delay, whole or fractional,
 * fits) gives the amplitude and the signal-to-noise ratio; everything that is not the tone
 * counts as noise: quantization, distortion, aliasing.
 */
export function sine(hz: number, rate: number, samples: number, amplitude = 8000): Int16Array {
  const x = new Int16Array(samples);
  for (let i = 0; i < samples; i++) x[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
  return x;
}

/** The tone at `hz` in `out` (from sample `skip` on): its amplitude and SNR. */
export function toneFit(out: ArrayLike<number>, hz: number, rate: number, skip = 1000): { snrDb: number; amplitude: number } {
  const w = (2 * Math.PI * hz) / rate;
  let ss = 0;
  let cc = 0;
  let sc = 0;
  let ys = 0;
  let yc = 0;
  for (let i = skip; i < out.length; i++) {
    const s = Math.sin(w * i);
    const c = Math.cos(w * i);
    const y = out[i] as number;
    ss += s * s;
    cc += c * c;
    sc += s * c;
    ys += y * s;
    yc += y * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  let noise = 0;
  let signal = 0;
  for (let i = skip; i < out.length; i++) {
    const fit = a * Math.sin(w * i) + b * Math.cos(w * i);
    noise += ((out[i] as number) - fit) ** 2;
    signal += fit * fit;
  }
  return { snrDb: 10 * Math.log10(signal / Math.max(noise, 1e-9)), amplitude: Math.hypot(a, b) };
}

/**
 * The tone window by window (`window` samples each, phase free per window), for perceptual codecs
 * such as Opus that keep a tone's sound but not its waveform: each window's amplitude and SNR.
 */
export function toneWindows(out: ArrayLike<number>, hz: number, rate: number, window: number, skip = 0): Array<{ snrDb: number; amplitude: number }> {
  const res: Array<{ snrDb: number; amplitude: number }> = [];
  for (let i = skip; i + window <= out.length; i += window) {
    const part = Array.prototype.slice.call(out, i, i + window) as number[];
    res.push(toneFit(part, hz, rate, 0));
  }
  return res;
}
