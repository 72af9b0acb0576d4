/**
 * Splitting application arguments the way Asterisk apps see them: on `,` at the top level only,
 * so `Dial(PJSIP/${EXTEN},30)` and `Set(X=${IF($[1]?a,b:c)})` keep their nested commas.
 * `\,` is a literal comma and `"quoted, text"` one argument (quotes removed).
 */

const OPENERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Splits on `sep` outside quotes, parentheses, brackets and braces. */
export function splitArgs(raw: string, sep = ","): string[] {
  if (raw.length === 0) return [];
  const out: string[] = [];
  const stack: string[] = [];
  let quoted = false;
  let cur = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? "";
    if (c === "\\" && i + 1 < raw.length) {
      // Inside ${…}/$[…] the backslash belongs to the expression (a regex, say): keep it.
      if (stack.length > 0) cur += c;
      cur += raw[i + 1];
      i++;
      continue;
    }
    if (c === '"' && stack.length === 0) {
      quoted = !quoted;
      continue;
    }
    if (!quoted) {
      const close = OPENERS[c];
      if (close !== undefined) stack.push(close);
      else if (stack.length > 0 && c === stack[stack.length - 1]) stack.pop();
      else if (c === sep && stack.length === 0) {
        out.push(cur);
        cur = "";
        continue;
      }
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/** Index of the first `ch` outside parentheses, brackets, braces and quotes; -1 when none. */
export function indexTopLevel(raw: string, ch: string): number {
  const stack: string[] = [];
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? "";
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (quoted) continue;
    const close = OPENERS[c];
    if (close !== undefined) stack.push(close);
    else if (stack.length > 0 && c === stack[stack.length - 1]) stack.pop();
    else if (c === ch && stack.length === 0) return i;
  }
  return -1;
}
