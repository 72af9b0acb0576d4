/**
 * G.722 (ITU-T G.722, 7 kHz audio within 64 kbit/s), written from the Recommendation: 16 kHz
 * linear audio is split by a 24-tap quadrature mirror filter (QMF) into a lower and a higher
 * sub-band at 8 kHz each; the lower band is coded with 6-bit adaptive differential PCM, the
 * higher with 2-bit, each with its own backward-adaptive quantizer scale and pole-zero predictor
 * (the Recommendation's blocks 1 to 6). One octet per pair of input samples: the higher band's
 * 2 bits over the lower band's 6. Only mode 1 (64 kbit/s) is produced and taken, the only mode RTP
 * carries (RFC 3551 §4.5.2).
 *
 * Block names in the comments are the Recommendation's (QUANTL, INVQAL, LOGSCL, SCALEL, UPPOL1,
 * UPPOL2, UPZERO, FILTEP, FILTEZ …). Arithmetic is 16-bit saturating with arithmetic right
 * shifts, as the Recommendation specifies, so that our predictor tracks the far end's exactly.
 */

/** QMF coefficients h(2i), i = 0 … 11 (the odd ones are the same, reversed); scaled by 2^13. */
const QMF = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];

/** Lower band: the 6-bit quantizer's decision levels (times the scale factor / 2^12). */
const Q6 = [0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919];
/** Lower band: the 6-bit code of decision interval i, for a negative and a positive difference. */
const ILN = [0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0];
const ILP = [0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0];
/** Lower band: the 6-bit inverse quantizer's output levels (times the scale factor / 2^15). */
const QM6 = [
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
  -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400,
  2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];
/** Lower band: the 4-bit inverse quantizer (the 6-bit code's upper 4 bits) that feeds the predictor. */
const QM4 = [0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0];
/** Lower band: the 4-bit code's magnitude class, and the log scale factor's step per class. */
const RL42 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
const WL = [-60, -30, 58, 172, 334, 538, 1198, 3042];
/** Both bands: 2^(i/32) · 2048, the antilog of the scale factor's fraction. */
const ILB = [
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];
/** Higher band: the 2-bit code for a small/large negative and positive difference, its levels, classes and steps. */
const IHN = [0, 1, 0];
const IHP = [0, 3, 2];
const QM2 = [-7408, -1616, 7408, 1616];
const RH2 = [2, 1, 2, 1];
const WH = [0, -214, 798];

const sat = (x: number): number => (x > 32767 ? 32767 : x < -32768 ? -32768 : x);

/** The state of one sub-band's ADPCM: scale factor and the adaptive predictor (blocks 3 and 4). */
class SubBand {
  /** Quantizer scale factor (SCALEL/SCALEH output) and its logarithm (LOGSCL/LOGSCH). */
  det: number;
  nb = 0;
  /** Signal estimate: pole part + zero part (PREDIC), and the zero part alone (FILTEZ). */
  s = 0;
  private sz = 0;
  /** Reconstructed signal r, partial reconstruction p, quantized difference d: current and delayed. */
  private readonly r = [0, 0, 0];
  private readonly p = [0, 0, 0];
  private readonly d = [0, 0, 0, 0, 0, 0, 0];
  /** Pole (a1, a2) and zero (b1 … b6) predictor coefficients. */
  private readonly a = [0, 0, 0];
  private readonly b = [0, 0, 0, 0, 0, 0, 0];

  constructor(initialDet: number) {
    this.det = initialDet;
  }

  /** LOGSCL/LOGSCH then SCALEL/SCALEH: the new scale factor after a code of magnitude class `step`. */
  adaptScale(step: number, limit: number, shiftBase: number): void {
    let nb = ((this.nb * 127) >> 7) + step;
    if (nb < 0) nb = 0;
    else if (nb > limit) nb = limit;
    this.nb = nb;
    const frac = (nb >> 6) & 31;
    const shift = shiftBase - (nb >> 11);
    const wd = shift < 0 ? (ILB[frac] as number) << -shift : (ILB[frac] as number) >> shift;
    this.det = wd << 2;
  }

  /** Block 4: reconstruction, predictor adaptation (UPPOL2, UPPOL1, UPZERO), delays, the next estimate. */
  predict(dq: number): void {
    const { r, p, d, a, b } = this;
    r[0] = sat(this.s + dq); // RECONS
    p[0] = sat(this.sz + dq); // PARREC
    // UPPOL2: the second pole coefficient.
    const sg0 = p[0] >> 15;
    const sg1 = (p[1] as number) >> 15;
    const sg2 = (p[2] as number) >> 15;
    const w1 = sat((a[1] as number) * 4);
    let w2 = sg0 === sg1 ? -w1 : w1;
    if (w2 > 32767) w2 = 32767;
    let a2 = (sg0 === sg2 ? 128 : -128) + (w2 >> 7) + (((a[2] as number) * 32512) >> 15);
    if (a2 > 12288) a2 = 12288;
    else if (a2 < -12288) a2 = -12288;
    // UPPOL1: the first pole coefficient, kept inside the stability triangle.
    let a1 = sat((sg0 === sg1 ? 192 : -192) + (((a[1] as number) * 32640) >> 15));
    const bound = sat(15360 - a2);
    if (a1 > bound) a1 = bound;
    else if (a1 < -bound) a1 = -bound;
    // UPZERO: the six zero coefficients; DELAYA: shift the differences.
    const step = dq === 0 ? 0 : 128;
    const sgd = dq >> 15;
    for (let i = 1; i <= 6; i++) b[i] = sat(((d[i] as number) >> 15 === sgd ? step : -step) + (((b[i] as number) * 32640) >> 15));
    for (let i = 6; i >= 2; i--) d[i] = d[i - 1] as number;
    d[1] = dq;
    r[2] = r[1] as number;
    r[1] = r[0];
    p[2] = p[1] as number;
    p[1] = p[0];
    a[1] = a1;
    a[2] = a2;
    // FILTEP: the pole part; FILTEZ: the zero part; PREDIC: the estimate.
    const sp = sat((((a[1]) * sat((r[1]) * 2)) >> 15) + (((a[2]) * sat((r[2]) * 2)) >> 15));
    let sz = 0;
    for (let i = 6; i >= 1; i--) sz += ((b[i] as number) * sat((d[i] as number) * 2)) >> 15;
    this.sz = sat(sz);
    this.s = sat(sp + this.sz);
  }
}

/** A G.722 encoder: 16 kHz samples in, one octet per two samples out. Keeps state between calls. */
export class G722Encoder {
  private readonly low = new SubBand(32);
  private readonly high = new SubBand(8);
  /** The transmit QMF's last 24 input samples, oldest first. */
  private readonly x = new Int32Array(24);

  encode(samples: Int16Array): Buffer {
    const out = Buffer.allocUnsafe(samples.length >> 1);
    const x = this.x;
    for (let n = 0; n < out.length; n++) {
      // Transmit QMF: xA over the even coefficients, xB over the odd; xL = xA + xB, xH = xA - xB.
      x.copyWithin(0, 2);
      x[22] = samples[2 * n] as number;
      x[23] = samples[2 * n + 1] as number;
      let xa = 0;
      let xb = 0;
      for (let i = 0; i < 12; i++) {
        xa += (x[2 * i + 1] as number) * (QMF[11 - i] as number);
        xb += (x[2 * i] as number) * (QMF[i] as number);
      }
      out[n] = (this.encodeHigh((xa - xb) >> 14) << 6) | this.encodeLow((xa + xb) >> 14);
    }
    return out;
  }

  private encodeLow(xl: number): number {
    const band = this.low;
    const el = sat(xl - band.s); // SUBTRA
    // QUANTL: the decision interval of |el| against the levels scaled by det.
    const mag = el >= 0 ? el : -(el + 1);
    let i = 1;
    while (i < 30 && mag >= (((Q6[i] as number) * band.det) >> 12)) i++;
    const il = el < 0 ? (ILN[i] as number) : (ILP[i] as number);
    const il4 = il >> 2;
    const dl = (band.det * (QM4[il4] as number)) >> 15; // INVQAL
    band.adaptScale(WL[RL42[il4] as number] as number, 18432, 8);
    band.predict(dl);
    return il;
  }

  private encodeHigh(xh: number): number {
    const band = this.high;
    const eh = sat(xh - band.s);
    // QUANTH: one decision level, 564 · det / 2^12.
    const mag = eh >= 0 ? eh : -(eh + 1);
    const large = mag >= ((564 * band.det) >> 12) ? 2 : 1;
    const ih = eh < 0 ? (IHN[large] as number) : (IHP[large] as number);
    const dh = (band.det * (QM2[ih] as number)) >> 15; // INVQAH
    band.adaptScale(WH[RH2[ih] as number] as number, 22528, 10);
    band.predict(dh);
    return ih;
  }
}

/** A G.722 decoder (mode 1, 64 kbit/s): one octet in, two 16 kHz samples out. Keeps state between calls. */
export class G722Decoder {
  private readonly low = new SubBand(32);
  private readonly high = new SubBand(8);
  /** The receive QMF's last 12 pairs of (rL - rH, rL + rH), oldest first. */
  private readonly x = new Int32Array(24);

  decode(payload: Uint8Array): Int16Array {
    const out = new Int16Array(payload.length * 2);
    const x = this.x;
    for (let n = 0; n < payload.length; n++) {
      const code = payload[n] as number;
      const rl = this.decodeLow(code & 0x3f);
      const rh = this.decodeHigh(code >> 6);
      // Receive QMF: xd = rL - rH through the even coefficients, xs = rL + rH through the odd.
      x.copyWithin(0, 2);
      x[22] = rl - rh;
      x[23] = rl + rh;
      let first = 0;
      let second = 0;
      for (let i = 0; i < 12; i++) {
        first += (x[2 * i] as number) * (QMF[11 - i] as number);
        second += (x[2 * i + 1] as number) * (QMF[i] as number);
      }
      out[2 * n] = sat(first >> 11);
      out[2 * n + 1] = sat(second >> 11);
    }
    return out;
  }

  private decodeLow(il: number): number {
    const band = this.low;
    // INVQBL (6-bit levels) and RECONS, LIMIT: the output sample of the lower band.
    let rl = band.s + ((band.det * (QM6[il] as number)) >> 15);
    if (rl > 16383) rl = 16383;
    else if (rl < -16384) rl = -16384;
    // The predictor follows the 4-bit inverse quantizer, as the encoder's does.
    const il4 = il >> 2;
    const dl = (band.det * (QM4[il4] as number)) >> 15;
    band.adaptScale(WL[RL42[il4] as number] as number, 18432, 8);
    band.predict(dl);
    return rl;
  }

  private decodeHigh(ih: number): number {
    const band = this.high;
    const dh = (band.det * (QM2[ih] as number)) >> 15;
    let rh = band.s + dh;
    if (rh > 16383) rh = 16383;
    else if (rh < -16384) rh = -16384;
    band.adaptScale(WH[RH2[ih] as number] as number, 22528, 10);
    band.predict(dh);
    return rh;
  }
}
