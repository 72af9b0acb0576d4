/**
 * Variable substitution: `${VAR}`, `${VAR:offset:length}`, `${FUNC(args)}`, nested `${${X}}` and
 * `$[ expression ]`. Substituted values are never substituted again, so a caller name holding
 * `${…}` text stays text.
 */
import { evaluateExpression } from "./expression.js";

/** What substitution reads from: the running call's variables and the function registry. */
export interface SubstitutionScope {
  /** A variable's value (built-ins, channel, globals); undefined when not set. */
  getVar(name: string): string | undefined;
  /** Reads a dialplan function; unknown functions warn and read as "". */
  readFunc(name: string, args: string): string;
  warn(message: string): void;
}

const MAX_DEPTH = 64;

/** Asterisk's substring rules: negative offsets count from the end, a negative length drops characters from the end. */
export function substring(value: string, offset: number, length?: number): string {
  const start = offset < 0 ? Math.max(0, value.length + offset) : Math.min(offset, value.length);
  if (length === undefined) return value.slice(start);
  if (length < 0) {
    const end = value.length + length;
    return end <= start ? "" : value.slice(start, end);
  }
  return value.slice(start, start + length);
}

function toInt(text: string): number {
  const n = Number.parseInt(text.trim(), 10);
  return Number.isNaN(n) ? 0 : n;
}

/** Applies a `:offset[:length]` suffix (the text after the name) to a value. */
function applySuffix(value: string, suffix: string): string {
  if (suffix.length === 0) return value;
  const parts = suffix.split(":");
  const offset = toInt(parts[0] ?? "");
  const len = parts[1];
  return substring(value, offset, len === undefined || len.trim() === "" ? undefined : toInt(len));
}

/** Index of the character closing the bracket opened at `open`, or -1. */
function matching(text: string, open: number, opener: string, closer: string): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === opener) depth++;
    else if (c === closer) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Resolves the (already substituted) text between `${` and `}`. */
function resolve(inner: string, scope: SubstitutionScope): string {
  const paren = inner.indexOf("(");
  const colon = inner.indexOf(":");
  if (paren > 0 && (colon < 0 || paren < colon)) {
    // The last ')' closes the call, so a ')' inside a substituted argument cannot end it early.
    const close = inner.lastIndexOf(")");
    if (close > paren) {
      const name = inner.slice(0, paren).trim();
      const rest = inner.slice(close + 1);
      const value = scope.readFunc(name, inner.slice(paren + 1, close));
      return applySuffix(value, rest.startsWith(":") ? rest.slice(1) : "");
    }
    scope.warn(`Function '${inner.slice(0, paren)}' is missing its closing ')'`);
    return "";
  }
  if (colon >= 0) return applySuffix(scope.getVar(inner.slice(0, colon)) ?? "", inner.slice(colon + 1));
  return scope.getVar(inner) ?? "";
}

/** Replaces every `${…}` and `$[…]` in `text`. */
export function substitute(text: string, scope: SubstitutionScope, depth = 0): string {
  if (!text.includes("$")) return text;
  if (depth > MAX_DEPTH) {
    scope.warn("Variables nested too deeply; substitution stopped");
    return "";
  }
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "$" && (next === "{" || next === "[")) {
      const opener = next;
      const closer = next === "{" ? "}" : "]";
      const end = matching(text, i + 1, opener, closer);
      if (end < 0) {
        scope.warn(`Error in extension logic (missing '${closer}')`);
        out += text.slice(i);
        break;
      }
      const inner = substitute(text.slice(i + 2, end), scope, depth + 1);
      out += opener === "{" ? resolve(inner, scope) : evaluateExpression(inner, (m) => scope.warn(m));
      i = end + 1;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
