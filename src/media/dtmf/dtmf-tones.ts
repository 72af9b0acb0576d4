/**
 * DTMF digits (ITU-T Q.23): each key is one row and one column frequency; RFC 4733 §3.2 numbers
 * the events 0-9, * = 10, # = 11, A-D = 12-15.
 */

const KEYS = ["1", "2", "3", "A", "4", "5", "6", "B", "7", "8", "9", "C", "*", "0", "#", "D"];
export const ROWS = [697, 770, 852, 941];
export const COLUMNS = [1209, 1336, 1477, 1633];

/** The row and column frequency of a key; undefined for anything else. */
export function dtmfFrequencies(digit: string): [number, number] | undefined {
  const i = KEYS.indexOf(digit.toUpperCase());
  return i < 0 ? undefined : [ROWS[i >> 2] as number, COLUMNS[i & 3] as number];
}

/** The key of a row and column index. */
export function dtmfKey(row: number, column: number): string {
  return KEYS[row * 4 + column] ?? "";
}

/** RFC 4733 event code of a key (0-15), or undefined. */
export function eventCode(digit: string): number | undefined {
  const d = digit.toUpperCase();
  if (/^[0-9]$/.test(d)) return Number(d);
  const i = ["*", "#", "A", "B", "C", "D"].indexOf(d);
  return i < 0 ? undefined : 10 + i;
}

/** The key of an RFC 4733 event code 0-15, or undefined (flash and other events). */
export function eventDigit(code: number): string | undefined {
  if (code >= 0 && code <= 9) return String(code);
  return ["*", "#", "A", "B", "C", "D"][code - 10];
}
