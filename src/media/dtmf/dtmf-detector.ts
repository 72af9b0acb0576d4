/**
 * Inband DTMF detection (ITU-T Q.24 style) on 8 kHz linear audio: the Goertzel algorithm measures
 * the energy at the eight DTMF frequencies over blocks of BLOCK samples. A block holds a key when
 * its strongest row and strongest column stand well above the other rows and columns and carry
 * most of the block's energy, and the two are within the allowed twist; a key held for MIN_BLOCKS
 * consecutive blocks is a digit, reported once when it ends (with its duration).
 */
import { COLUMNS, dtmfKey, ROWS } from "./dtmf-tones.js";

const RATE = 8000;
/** 205 samples at 8 kHz puts every DTMF frequency close to a bin centre (the classic choice). */
const BLOCK = 205;
const MIN_BLOCKS = 2;
/** A block at least this loud (mean square) before a key is looked for: about -45 dBFS. */
const MIN_ENERGY = 1000;
/** The row and column together must carry this share of the block's energy. */
const MIN_SHARE = 0.6;
/** Each must beat the second strongest of its group by this ratio (about 8 dB). */
const GROUP_MARGIN = 6;
/** Normal twist (row louder) and reverse twist (column louder), as energy ratios: 8 dB and 4 dB. */
const MAX_TWIST = 6.3;
const MAX_REVERSE_TWIST = 2.5;

const coefficient = (hz: number): number => 2 * Math.cos((2 * Math.PI * hz) / RATE);
const ROW_COEF = ROWS.map(coefficient);
const COL_COEF = COLUMNS.map(coefficient);

function goertzel(block: Float64Array, coef: number): number {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < block.length; i++) {
    const s = (block[i] as number) + coef * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - coef * s1 * s2;
}

function strongest(energies: number[]): { index: number; energy: number; second: number } {
  let index = 0;
  for (let i = 1; i < energies.length; i++) if ((energies[i] as number) > (energies[index] as number)) index = i;
  const second = Math.max(...energies.filter((_, i) => i !== index));
  return { index, energy: energies[index] as number, second };
}

export class DtmfDetector {
  private readonly block = new Float64Array(BLOCK);
  private fill = 0;
  private current = "";
  private blocks = 0;
  private misses = 0;

  constructor(private readonly onDigit: (digit: string, durationMs: number) => void) {}

  /** Feeds 8 kHz samples; digits are reported as they end. */
  push(samples: Int16Array): void {
    for (let i = 0; i < samples.length; i++) {
      this.block[this.fill++] = samples[i] as number;
      if (this.fill === BLOCK) {
        this.fill = 0;
        this.decide(this.analyse());
      }
    }
  }

  /** The key in the block just filled, or "" for none. */
  private analyse(): string {
    let total = 0;
    for (let i = 0; i < BLOCK; i++) total += (this.block[i] as number) ** 2;
    if (total / BLOCK < MIN_ENERGY) return "";
    const row = strongest(ROW_COEF.map((c) => goertzel(this.block, c)));
    const col = strongest(COL_COEF.map((c) => goertzel(this.block, c)));
    if (row.energy < GROUP_MARGIN * row.second || col.energy < GROUP_MARGIN * col.second) return "";
    // Twist: the row tone may be up to 8 dB stronger than the column's, the column up to 4 dB.
    if (row.energy > MAX_TWIST * col.energy || col.energy > MAX_REVERSE_TWIST * row.energy) return "";
    // Goertzel energy of a sine of amplitude A over N samples is (A·N/2)²; the block's energy is A²·N/2.
    const share = ((row.energy + col.energy) * 2) / (BLOCK * total);
    if (share < MIN_SHARE) return "";
    return dtmfKey(row.index, col.index);
  }

  private decide(key: string): void {
    if (key !== "" && key === this.current) {
      this.blocks++;
      this.misses = 0;
      return;
    }
    if (key === "" && this.current !== "" && this.misses === 0 && this.blocks >= MIN_BLOCKS) {
      // One quiet block may be a drop-out; a second ends the digit.
      this.misses = 1;
      return;
    }
    if (this.current !== "" && this.blocks >= MIN_BLOCKS) this.onDigit(this.current, Math.round((this.blocks * BLOCK * 1000) / RATE));
    this.current = key;
    this.blocks = key === "" ? 0 : 1;
    this.misses = 0;
  }
}
