/**
 * Extension patterns (`_NXXXXXX`, `_9011.`, `_[1-5]X!`) and Asterisk's order among them.
 *
 * A pattern is a list of positions; each position is a set of characters, except `.` (one or more
 * of anything) and `!` (zero or more), which end the pattern. When several patterns match the same
 * number, the most specific wins: positions are compared left to right by the size of their
 * character set (a literal digit beats `N`, `N` beats `Z`, `Z` beats `X`), ties broken by the
 * lowest character, and `.`/`!` sort after every set.
 */

export type PatternElement =
  | { readonly kind: "set"; readonly chars: string }
  | { readonly kind: "oneOrMore" }
  | { readonly kind: "zeroOrMore" };

export interface ExtensionPattern {
  /** The text after the leading `_`. */
  readonly source: string;
  readonly elements: readonly PatternElement[];
}

export interface CompiledPattern {
  readonly pattern: ExtensionPattern;
  /** User mistakes found while reading the pattern (the pattern is still usable). */
  readonly problems: string[];
}

const DIGITS = "0123456789";

/** Expands `[1235-9]`/`[a-c7]` (the text between the brackets) into a sorted set of characters. */
function expandSet(body: string): string {
  const out = new Set<string>();
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? "";
    const next = body[i + 1];
    const end = body[i + 2];
    if (next === "-" && end !== undefined) {
      const lo = Math.min(c.charCodeAt(0), end.charCodeAt(0));
      const hi = Math.max(c.charCodeAt(0), end.charCodeAt(0));
      for (let code = lo; code <= hi; code++) out.add(String.fromCharCode(code));
      i += 2;
    } else {
      out.add(c);
    }
  }
  return [...out].sort().join("");
}

/** Compiles the text after `_` into positions; never throws. */
export function compilePattern(source: string): CompiledPattern {
  const elements: PatternElement[] = [];
  const problems: string[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i] ?? "";
    switch (c) {
      case "X":
      case "x":
        elements.push({ kind: "set", chars: DIGITS });
        break;
      case "Z":
      case "z":
        elements.push({ kind: "set", chars: "123456789" });
        break;
      case "N":
      case "n":
        elements.push({ kind: "set", chars: "23456789" });
        break;
      case "-":
        // Dashes only make long numbers readable (`_1-800-NXX-XXXX`); they match nothing.
        break;
      case "[": {
        const close = source.indexOf("]", i + 1);
        if (close < 0) {
          problems.push(`'[' without a closing ']' in pattern '_${source}'`);
          elements.push({ kind: "set", chars: "[" });
          break;
        }
        const chars = expandSet(source.slice(i + 1, close));
        if (chars.length === 0) problems.push(`empty character set '[]' in pattern '_${source}' matches nothing`);
        elements.push({ kind: "set", chars });
        i = close;
        break;
      }
      case ".":
      case "!":
        elements.push(c === "." ? { kind: "oneOrMore" } : { kind: "zeroOrMore" });
        if (i < source.length - 1) {
          problems.push(`'${source.slice(i + 1)}' after '${c}' in pattern '_${source}' is ignored: '${c}' matches the rest of the number`);
        }
        return { pattern: { source, elements }, problems };
      default:
        elements.push({ kind: "set", chars: c });
    }
  }
  return { pattern: { source, elements }, problems };
}

/** True when `exten` is matched completely by the pattern. */
export function matchPattern(pattern: ExtensionPattern, exten: string): boolean {
  let i = 0;
  for (const el of pattern.elements) {
    if (el.kind === "oneOrMore") return exten.length - i >= 1;
    if (el.kind === "zeroOrMore") return true;
    const c = exten[i];
    if (c === undefined || !el.chars.includes(c)) return false;
    i++;
  }
  return i === exten.length;
}

/** True when `prefix` followed by at least one more character can match the pattern (Asterisk's matchmore). */
export function patternMatchesMore(pattern: ExtensionPattern, prefix: string): boolean {
  let i = 0;
  for (const el of pattern.elements) {
    if (el.kind === "oneOrMore" || el.kind === "zeroOrMore") return true;
    if (i === prefix.length) return true;
    const c = prefix[i];
    if (c === undefined || !el.chars.includes(c)) return false;
    i++;
  }
  return false;
}

const ONE_OR_MORE_WEIGHT = 1 << 20;
const ZERO_OR_MORE_WEIGHT = 2 << 20;

function weight(el: PatternElement): number {
  if (el.kind === "oneOrMore") return ONE_OR_MORE_WEIGHT;
  if (el.kind === "zeroOrMore") return ZERO_OR_MORE_WEIGHT;
  return (el.chars.length << 8) | (el.chars.charCodeAt(0) & 0xff);
}

/** Sort order between two patterns: negative when `a` is more specific (tried first). */
export function comparePatterns(a: ExtensionPattern, b: ExtensionPattern): number {
  const n = Math.min(a.elements.length, b.elements.length);
  for (let i = 0; i < n; i++) {
    const ea = a.elements[i];
    const eb = b.elements[i];
    if (ea === undefined || eb === undefined) break;
    const d = weight(ea) - weight(eb);
    if (d !== 0) return d;
  }
  if (a.elements.length !== b.elements.length) return a.elements.length - b.elements.length;
  return a.source < b.source ? -1 : a.source > b.source ? 1 : 0;
}

/** Sort order between two extension names as Asterisk lists and tries them: literals, then patterns. */
export function compareExtensionNames(a: { name: string; pattern?: ExtensionPattern }, b: { name: string; pattern?: ExtensionPattern }): number {
  if (a.pattern === undefined && b.pattern === undefined) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  if (a.pattern === undefined) return -1;
  if (b.pattern === undefined) return 1;
  return comparePatterns(a.pattern, b.pattern);
}
