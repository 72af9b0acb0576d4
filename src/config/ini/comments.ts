/**
 * Comment removal for the Asterisk `.conf` grammar: `;` starts a comment running to the end of
 * the line, `\;` is a literal semicolon, and `;-- … --;` is a block comment that may span lines
 * (and nest, as Asterisk counts comment levels).
 */

/** Carries the open block-comment depth from one line to the next within a file. */
export interface CommentState {
  depth: number;
}

const BLOCK_OPEN = ";--";
const BLOCK_CLOSE = "--;";

/** Returns the line without its comments, updating `state` for block comments. */
export function stripComments(line: string, state: CommentState): string {
  let out = "";
  let i = 0;
  while (i < line.length) {
    if (state.depth > 0) {
      if (line.startsWith(BLOCK_CLOSE, i)) {
        state.depth--;
        i += BLOCK_CLOSE.length;
      } else if (line.startsWith(BLOCK_OPEN, i)) {
        state.depth++;
        i += BLOCK_OPEN.length;
      } else {
        i++;
      }
      continue;
    }
    const c = line[i];
    if (c === "\\" && line[i + 1] === ";") {
      out += ";";
      i += 2;
      continue;
    }
    if (c === ";") {
      if (line.startsWith(BLOCK_OPEN, i)) {
        state.depth++;
        i += BLOCK_OPEN.length;
        continue;
      }
      break;
    }
    out += c;
    i++;
  }
  return out;
}
