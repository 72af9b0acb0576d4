/**
 * Plays a list of prompts (`a&b&c`) to a channel, stopping at a key among `keys`; shared by
 * Background, Read and the Say applications.
 */
import type { AppContext } from "../apps/registry.js";

export const ALL_KEYS = "0123456789*#ABCD";

export type PromptsOutcome = { status: "ok" | "failed" } | { status: "interrupted"; digit: string };

/** Splits `a&b&c` (already substituted), dropping empty names. */
export function promptList(text: string): string[] {
  return text
    .split("&")
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
}

export async function playPrompts(ctx: AppContext, files: readonly string[], keys: string): Promise<PromptsOutcome> {
  const ch = ctx.channel;
  let failed = false;
  for (const f of files) {
    if (ch.hungUp()) return { status: "failed" };
    if (ch.play === undefined) {
      failed = (await ch.playback(f)) === "failed" || failed;
      continue;
    }
    const r = await ch.play(f, keys);
    if (r.status === "interrupted") return r;
    if (r.status === "failed") failed = true;
  }
  return { status: failed ? "failed" : "ok" };
}
