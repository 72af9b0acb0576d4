/**
 * Asterisk's log levels and logger.conf's level lists (`notice,warning,error,verbose(3),security`).
 * A channel keeps its levels as a bit mask, and the logger keeps the union of all channels' masks,
 * so "would anybody write this?" is one AND before anything is formatted.
 */

/** The level names as Asterisk prints them at the start of a line. */
export type AsteriskLevel = "DEBUG" | "TRACE" | "NOTICE" | "WARNING" | "ERROR" | "VERBOSE" | "DTMF" | "FAX" | "SECURITY";

export const LEVEL_BIT: Readonly<Record<AsteriskLevel, number>> = {
  DEBUG: 1 << 0,
  TRACE: 1 << 1,
  NOTICE: 1 << 2,
  WARNING: 1 << 3,
  ERROR: 1 << 4,
  VERBOSE: 1 << 5,
  DTMF: 1 << 6,
  FAX: 1 << 7,
  SECURITY: 1 << 8,
};

export const ALL_LEVELS = Object.values(LEVEL_BIT).reduce((a, b) => a | b, 0);

/** The highest verbose level a channel may ask for (`verbose(n)`); Asterisk's own limit is far beyond any use. */
export const MAX_VERBOSE = 10;

/** What one channel writes: its level bits and, for VERBOSE, up to which verbose level. */
export interface LevelSet {
  readonly mask: number;
  /**
   * `verbose(n)`: up to n. Plain `verbose` (or `*`): `undefined`, the console's verbosity
   * (`core set verbose`, `-v`) decides, as Asterisk's logger does.
   */
  readonly verbose: number | undefined;
}

export interface LevelParse {
  readonly levels: LevelSet;
  /** Words that are not level names, for one warning naming them. */
  readonly unknown: string[];
}

const WORDS: Record<string, AsteriskLevel> = {
  debug: "DEBUG",
  trace: "TRACE",
  notice: "NOTICE",
  warning: "WARNING",
  error: "ERROR",
  verbose: "VERBOSE",
  dtmf: "DTMF",
  fax: "FAX",
  security: "SECURITY",
};

/** Parses a logger.conf level list: names, `verbose(n)`, `*` for everything; case does not matter. */
export function parseLevelList(text: string): LevelParse {
  let mask = 0;
  let verbose: number | undefined;
  const unknown: string[] = [];
  for (const raw of text.split(",")) {
    const word = raw.trim().toLowerCase();
    if (word === "") continue;
    if (word === "*") {
      mask |= ALL_LEVELS;
      continue;
    }
    const m = /^verbose\s*\(\s*(\d+)\s*\)$/.exec(word);
    if (m !== null) {
      mask |= LEVEL_BIT.VERBOSE;
      verbose = Math.min(MAX_VERBOSE, Number(m[1]));
      continue;
    }
    const level = WORDS[word];
    if (level === undefined) unknown.push(raw.trim());
    else mask |= LEVEL_BIT[level];
  }
  return { levels: { mask, verbose }, unknown };
}

/** The level list as `logger show channels` names it: `NOTICE WARNING ERROR VERBOSE `. */
export function levelNames(mask: number): string {
  let out = "";
  for (const [name, bit] of Object.entries(LEVEL_BIT)) if ((mask & bit) !== 0) out += `${name} `;
  return out;
}
