/** `Hangup([causecode])`: ends the call with a Q.850 cause (16, normal clearing, by default). */
import type { DialplanApp } from "./registry.js";

/** The cause names Asterisk accepts in place of numbers, for the common cases. */
const CAUSE_NAMES: Record<string, number> = {
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  CALL_REJECTED: 21,
  UNALLOCATED: 1,
  NORMAL_CIRCUIT_CONGESTION: 34,
  CONGESTION: 34,
  BUSY: 17,
};

export const hangupApp: DialplanApp = {
  name: "Hangup",
  synopsis: "Hang up the calling channel.",
  syntax: "Hangup([causecode])",
  async execute(ctx) {
    const raw = (ctx.args[0] ?? "").trim();
    let cause = 16;
    if (raw.length > 0) {
      const n = /^\d+$/.test(raw) ? Number(raw) : CAUSE_NAMES[raw.toUpperCase().replace(/^AST_CAUSE_/, "")];
      if (n === undefined || n < 1 || n > 127) ctx.log.warn({ cause: raw.slice(0, 40) }, `Invalid cause given to Hangup(): "${raw.slice(0, 40)}"`);
      else cause = n;
    }
    await ctx.hangup(cause);
    return "hangup";
  },
};
