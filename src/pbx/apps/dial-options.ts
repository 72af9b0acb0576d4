/**
 * Parsing Dial's option string (`tTr`, `L(60000:30000)`, `U(sub^arg)`): letters, each optionally
 * followed by `(arguments)`. The channel gets the raw string; this only finds mistakes early.
 */

/** The option letters Asterisk's Dial documents. */
const KNOWN = new Set("AabBCcdDefFgGhHiIjkKLmMnNoOpPQrRSstTUuwWxXz");

/**
 * The letters Switchboard acts on: g (go on after the callee hangs up), m (music instead of
 * ringing, pbx/moh), and the feature codes t/T h/H k/K x/X (pbx/features).
 */
const IMPLEMENTED = new Set("gmtThHkKxX");

export interface DialOptions {
  /** Letter → its argument ("" when it takes none). */
  readonly flags: ReadonlyMap<string, string>;
  /** Letters that are not Dial options. */
  readonly unknown: string[];
  /** Dial options Switchboard does not implement (they are ignored, and said so). */
  readonly notImplemented: string[];
}

export function parseDialOptions(text: string): DialOptions {
  const flags = new Map<string, string>();
  const unknown: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === " ") continue;
    let arg = "";
    if (text[i + 1] === "(") {
      const close = text.indexOf(")", i + 2);
      const end = close < 0 ? text.length : close;
      arg = text.slice(i + 2, end);
      i = end;
    }
    if (KNOWN.has(c)) flags.set(c, arg);
    else unknown.push(c);
  }
  return { flags, unknown, notImplemented: [...flags.keys()].filter((c) => !IMPLEMENTED.has(c)) };
}
