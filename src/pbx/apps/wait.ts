/** `Wait(seconds)`: pauses the dialplan (fractions allowed); ends early when the caller hangs up. */
import type { DialplanApp } from "./registry.js";

export const waitApp: DialplanApp = {
  name: "Wait",
  synopsis: "Waits for some time.",
  syntax: "Wait(seconds)",
  async execute(ctx) {
    const raw = (ctx.args[0] ?? "").trim();
    const seconds = Number(raw);
    if (raw.length === 0 || !Number.isFinite(seconds) || seconds < 0) {
      ctx.log.warn({ seconds: raw.slice(0, 20) }, `Wait() needs a number of seconds, not '${raw.slice(0, 20)}'`);
      return "continue";
    }
    await ctx.channel.wait(seconds);
    return ctx.channel.hungUp() ? "hangup" : "continue";
  },
};
