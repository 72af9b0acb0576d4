/** Keys for voicemail menus: a prompt that a key cuts short, then the key (or a string up to `#`). */
import type { AppContext } from "../apps/registry.js";
import { ALL_KEYS, playPrompts } from "../ivr/prompts.js";
import { timeoutsOf } from "../ivr/timeouts.js";

/** Plays `prompts`, then waits TIMEOUT(response) for one key; undefined on timeout or hangup. */
export async function askKey(ctx: AppContext, prompts: readonly string[], keys = ALL_KEYS): Promise<string | undefined> {
  const r = await playPrompts(ctx, prompts, keys);
  if (r.status === "interrupted") return r.digit;
  const ch = ctx.channel;
  if (ch.hungUp() || ch.readDigit === undefined) return undefined;
  for (;;) {
    const d = await ch.readDigit(timeoutsOf(ch).responseSec * 1000);
    if (d === undefined || keys.includes(d)) return d;
  }
}

/** Plays `prompts`, then reads keys up to `#` (TIMEOUT(digit) between them); undefined when nothing came. */
export async function askString(ctx: AppContext, prompts: readonly string[]): Promise<string | undefined> {
  const ch = ctx.channel;
  const r = await playPrompts(ctx, prompts, ALL_KEYS);
  if (ch.hungUp() || ch.readDigit === undefined) return undefined;
  let text = "";
  let first: string | undefined = r.status === "interrupted" ? r.digit : await ch.readDigit(timeoutsOf(ch).responseSec * 1000);
  while (first !== undefined && first !== "#") {
    text += first;
    if (text.length > 80) break;
    first = await ch.readDigit(timeoutsOf(ch).digitSec * 1000);
  }
  return first === undefined && text.length === 0 ? undefined : text;
}
