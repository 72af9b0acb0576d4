/**
 * `SayDigits(digits)`, `SayNumber(number[,gender])`, `SayAlpha(string)`: speak digits, a number
 * in words, or a string letter by letter, from the prompts `digits/…` and `letters/…` in the
 * channel's language, English number rules (twenty-one, one hundred five, two thousand …). Keys
 * pressed meanwhile do not stop them; they stay queued for the next application that reads keys.
 */
import type { AppContext, DialplanApp } from "../apps/registry.js";
import { playPrompts } from "./prompts.js";

const SYMBOLS: Readonly<Record<string, string>> = {
  "*": "digits/star",
  "#": "digits/pound",
  "-": "letters/dash",
  "@": "letters/at",
  ".": "letters/dot",
  "+": "letters/plus",
  "/": "letters/slash",
  " ": "letters/space",
  _: "letters/underscore",
  "=": "letters/equals",
  $: "letters/dollar",
  "!": "letters/exclaimation-point",
};

/** The prompts that speak `text` digit by digit (SayDigits skips what is not a digit or a key). */
export function digitFiles(text: string): string[] {
  const out: string[] = [];
  for (const c of text) {
    if (c >= "0" && c <= "9") out.push(`digits/${c}`);
    else if (c === "*" || c === "#" || c === "-") out.push(SYMBOLS[c] ?? "");
  }
  return out;
}

/** The prompts that spell `text`. */
export function alphaFiles(text: string): string[] {
  const out: string[] = [];
  for (const c of text) {
    const lower = c.toLowerCase();
    if (lower >= "a" && lower <= "z") out.push(`letters/${lower}`);
    else if (c >= "0" && c <= "9") out.push(`digits/${c}`);
    else if (SYMBOLS[c] !== undefined) out.push(SYMBOLS[c]);
  }
  return out;
}

/** The prompts that say a whole number in English words. */
export function numberFiles(n: number): string[] {
  if (!Number.isSafeInteger(n)) return [];
  if (n < 0) return ["digits/minus", ...numberFiles(-n)];
  if (n === 0) return ["digits/0"];
  const out: string[] = [];
  const groups: Array<[number, string]> = [
    [1_000_000_000, "digits/billion"],
    [1_000_000, "digits/million"],
    [1000, "digits/thousand"],
  ];
  let rest = n;
  for (const [size, word] of groups) {
    if (rest >= size) {
      out.push(...numberFiles(Math.floor(rest / size)), word);
      rest %= size;
    }
  }
  if (rest >= 100) {
    out.push(`digits/${Math.floor(rest / 100)}`, "digits/hundred");
    rest %= 100;
  }
  if (rest > 20) {
    out.push(`digits/${rest - (rest % 10)}`);
    rest %= 10;
  }
  if (rest > 0) out.push(`digits/${rest}`);
  return out;
}

async function say(ctx: AppContext, files: string[]): Promise<"continue" | "hangup"> {
  if (!ctx.channel.answered) await ctx.channel.answer();
  await playPrompts(ctx, files, "");
  return ctx.channel.hungUp() ? "hangup" : "continue";
}

export const sayDigitsApp: DialplanApp = {
  name: "SayDigits",
  synopsis: "Say Digits.",
  syntax: "SayDigits(digits[,options])",
  execute: (ctx) => say(ctx, digitFiles(ctx.args[0] ?? "")),
};

export const sayAlphaApp: DialplanApp = {
  name: "SayAlpha",
  synopsis: "Say Alpha.",
  syntax: "SayAlpha(string)",
  execute: (ctx) => say(ctx, alphaFiles(ctx.data)),
};

export const sayNumberApp: DialplanApp = {
  name: "SayNumber",
  synopsis: "Say Number.",
  syntax: "SayNumber(digits[,gender])",
  async execute(ctx) {
    const text = (ctx.args[0] ?? "").trim();
    if (!/^-?\d+$/.test(text)) {
      ctx.log.warn({}, `SayNumber: '${text}' is not a number`);
      return "continue";
    }
    return say(ctx, numberFiles(Number(text)));
  },
};
