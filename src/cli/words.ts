/**
 * Splitting a console line into words. Double quotes group words that contain spaces
 * (`dialplan set global FOO "a b"`), and a backslash escapes the next character inside quotes,
 * which is how Asterisk's console parser treats its input.
 */

export interface SplitLine {
  /** The words, quotes removed. */
  words: string[];
  /**
   * True when the line ends in whitespace (or is empty), meaning the last word is complete and
   * completion should offer the *next* word rather than finish the current one.
   */
  trailingSpace: boolean;
}

export function splitWords(line: string): SplitLine {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === "\\" && i + 1 < line.length) {
        current += line[++i];
      } else if (ch === '"') {
        quoted = false;
      } else {
        current += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      inWord = true;
    } else if (ch === " " || ch === "\t" || ch === "\r" || ch === "\n") {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  // An unterminated quote still yields its word: the operator gets an answer, not a parse error.
  if (inWord) words.push(current);
  return { words, trailingSpace: !inWord };
}

/** The words of a command definition such as "pjsip show endpoints", lower-cased for matching. */
export function commandWords(command: string): string[] {
  return command
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

/** Asterisk-style column: left-justified and truncated to `width`, like printf's `%-W.Ws`. */
export function column(text: string, width: number): string {
  return text.length > width ? text.slice(0, width) : text.padEnd(width);
}
