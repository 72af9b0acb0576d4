/**
 * The `$[ … ]` expression language of Asterisk's dialplan, as a small hand-written
 * recursive-descent parser. Every value is a string; operators read them as numbers when the
 * whole string is a number. Mistakes (junk, division by zero, a non-numeric operand) produce a
 * warning and a value, never an exception, because the text often comes from the caller.
 *
 * Precedence, lowest first (Asterisk's):
 *   a ? b :: c   |   &   = == != < > <= >=   + -   * / %   unary ! -   : =~   ( )
 */

export type ExpressionWarn = (message: string) => void;

type TokenKind = "op" | "word";
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

/** Operators, longest first so `<=` is not read as `<` `=`. */
const OPERATORS = ["::", "=~", "==", "!=", "<=", ">=", "|", "&", "=", "<", ">", "+", "-", "*", "/", "%", "!", ":", "?", "(", ")"];
const OPERATOR_CHARS = new Set("|&=!<>+-*/%:?()\"");
const INT_MAX = 2147483647;
const MAX_DEPTH = 200;
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)$/;

/** Splits an expression into tokens; `"quoted strings"` become one word without their quotes. */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? "";
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === '"') {
      let s = "";
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        s += text[i];
        i++;
      }
      i++;
      out.push({ kind: "word", text: s });
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      out.push({ kind: "op", text: op });
      i += op.length;
      continue;
    }
    let s = "";
    while (i < text.length) {
      const d = text[i] ?? "";
      if (d === " " || d === "\t" || d === "\n" || d === "\r" || OPERATOR_CHARS.has(d)) break;
      s += d;
      i++;
    }
    out.push({ kind: "word", text: s });
  }
  return out;
}

/** True when the whole string reads as a number (`42`, `-3`, `1.5`). */
export function isNumeric(s: string): boolean {
  return NUMBER.test(s.trim());
}

/** Renders a number the way the dialplan shows it: integers without a decimal point. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(INT_MAX);
  if (Number.isInteger(n)) return Object.is(n, -0) ? "0" : String(n);
  // DEVIATION(Asterisk ast_expr2): long double with 18 digits there; 15 significant digits here,
  // which is what a double can carry without showing binary rounding noise.
  return String(Number(n.toPrecision(15)));
}

/** Asterisk's notion of false: the empty string or a number equal to zero. */
export function isZeroOrNull(s: string): boolean {
  return s.length === 0 || (isNumeric(s) && Number(s) === 0);
}

class SyntaxError_ extends Error {}

class ExpressionParser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly warn: ExpressionWarn,
  ) {}

  parseAll(): string {
    if (this.tokens.length === 0) return "";
    const v = this.ternary();
    const rest = this.tokens[this.pos];
    if (rest !== undefined) throw new SyntaxError_(`syntax error: unexpected '${rest.text}'`);
    return v;
  }

  private peekOp(...ops: string[]): string | undefined {
    const t = this.tokens[this.pos];
    return t !== undefined && t.kind === "op" && ops.includes(t.text) ? t.text : undefined;
  }

  private ternary(): string {
    const cond = this.or();
    if (this.peekOp("?") === undefined) return cond;
    this.pos++;
    if (++this.depth > MAX_DEPTH) throw new SyntaxError_("syntax error: expression nested too deeply");
    const yes = this.ternary();
    if (this.peekOp("::") === undefined) throw new SyntaxError_("syntax error: '?' without '::'");
    this.pos++;
    const no = this.ternary();
    this.depth--;
    return isZeroOrNull(cond) ? no : yes;
  }

  private or(): string {
    let left = this.and();
    while (this.peekOp("|") !== undefined) {
      this.pos++;
      const right = this.and();
      left = isZeroOrNull(left) ? right : left;
    }
    return left;
  }

  private and(): string {
    let left = this.comparison();
    while (this.peekOp("&") !== undefined) {
      this.pos++;
      const right = this.comparison();
      left = isZeroOrNull(left) || isZeroOrNull(right) ? "0" : left;
    }
    return left;
  }

  private comparison(): string {
    let left = this.additive();
    for (let op = this.peekOp("=", "==", "!=", "<", ">", "<=", ">="); op !== undefined; op = this.peekOp("=", "==", "!=", "<", ">", "<=", ">=")) {
      this.pos++;
      const right = this.additive();
      let d: number;
      // Numbers compare as numbers only when both sides are numbers; otherwise as strings.
      if (isNumeric(left) && isNumeric(right)) d = Number(left) - Number(right);
      else d = left < right ? -1 : left > right ? 1 : 0;
      const r = op === "=" || op === "==" ? d === 0 : op === "!=" ? d !== 0 : op === "<" ? d < 0 : op === ">" ? d > 0 : op === "<=" ? d <= 0 : d >= 0;
      left = r ? "1" : "0";
    }
    return left;
  }

  private additive(): string {
    let left = this.multiplicative();
    for (let op = this.peekOp("+", "-"); op !== undefined; op = this.peekOp("+", "-")) {
      this.pos++;
      const right = this.multiplicative();
      const ln = isNumeric(left);
      const rn = isNumeric(right);
      if (!ln || !rn) {
        this.warn("non-numeric argument");
        // Asterisk drops the non-numeric side: `a + 1` is 1, `a - 1` is -1.
        if (ln) left = formatNumber(Number(left));
        else if (rn) left = formatNumber(op === "+" ? Number(right) : -Number(right));
        else left = "0";
        continue;
      }
      left = formatNumber(op === "+" ? Number(left) + Number(right) : Number(left) - Number(right));
    }
    return left;
  }

  private multiplicative(): string {
    let left = this.unary();
    for (let op = this.peekOp("*", "/", "%"); op !== undefined; op = this.peekOp("*", "/", "%")) {
      this.pos++;
      const right = this.unary();
      if (!isNumeric(left) || !isNumeric(right)) {
        this.warn("non-numeric argument");
        left = op !== "*" && isNumeric(left) ? String(INT_MAX) : "0";
        continue;
      }
      const a = Number(left);
      const b = Number(right);
      if (op === "*") left = formatNumber(a * b);
      else if (b === 0) {
        this.warn(op === "/" ? "division by zero" : "div by zero");
        left = String(INT_MAX);
      } else left = formatNumber(op === "/" ? a / b : a % b);
    }
    return left;
  }

  private unary(): string {
    const op = this.peekOp("!", "-");
    if (op === undefined) return this.regex();
    this.pos++;
    // Deep nesting comes only from junk; stop before the call stack does.
    if (++this.depth > MAX_DEPTH) throw new SyntaxError_("syntax error: expression nested too deeply");
    const v = this.unary();
    this.depth--;
    if (op === "!") return isZeroOrNull(v) ? "1" : "0";
    if (!isNumeric(v)) {
      this.warn("non-numeric argument");
      return "0";
    }
    return formatNumber(-Number(v));
  }

  private regex(): string {
    let left = this.primary();
    for (let op = this.peekOp(":", "=~"); op !== undefined; op = this.peekOp(":", "=~")) {
      this.pos++;
      const right = this.primary();
      left = this.match(left, right, op === ":");
    }
    return left;
  }

  /** `a : re` matches at the start; `a =~ re` anywhere. The result is group 1, or the match length. */
  private match(subject: string, source: string, anchored: boolean): string {
    let re: RegExp;
    try {
      re = new RegExp(anchored ? `^(?:${source})` : source);
    } catch {
      this.warn(`regcomp() error: '${source}' is not a valid regular expression`);
      return "0";
    }
    const m = re.exec(subject);
    const hasGroup = /\((?!\?)/.test(source.replace(/\\./g, ""));
    if (m === null) return hasGroup ? "" : "0";
    if (hasGroup) return m[1] ?? "";
    return String(m[0].length);
  }

  private primary(): string {
    const t = this.tokens[this.pos];
    if (t === undefined) throw new SyntaxError_("syntax error: unexpected end of expression");
    if (t.kind === "word") {
      this.pos++;
      return t.text;
    }
    if (t.text === "(") {
      this.pos++;
      if (++this.depth > MAX_DEPTH) throw new SyntaxError_("syntax error: expression nested too deeply");
      const v = this.ternary();
      this.depth--;
      if (this.peekOp(")") === undefined) throw new SyntaxError_("syntax error: missing ')'");
      this.pos++;
      return v;
    }
    throw new SyntaxError_(`syntax error: unexpected '${t.text}'`);
  }
}

/**
 * Evaluates the text inside `$[ … ]` (variables already substituted). Returns "" for an empty
 * expression and, after a warning, for a syntax error.
 */
export function evaluateExpression(text: string, warn: ExpressionWarn = () => {}): string {
  try {
    return new ExpressionParser(tokenize(text), warn).parseAll();
  } catch (err) {
    if (err instanceof SyntaxError_) {
      warn(`${err.message} in expression '${text.length > 200 ? text.slice(0, 200) + "…" : text}'`);
      return "";
    }
    throw err;
  }
}
