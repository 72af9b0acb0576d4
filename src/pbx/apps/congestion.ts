/** `Congestion([timeout])`: signals congestion (503 before answer, fast busy after), then ends the dialplan. */
import type { DialplanApp } from "./registry.js";
import { optionalSeconds } from "./timeout-arg.js";

export const congestionApp: DialplanApp = {
  name: "Congestion",
  synopsis: "Indicate the Congestion condition.",
  syntax: "Congestion([timeout])",
  async execute(ctx) {
    await ctx.channel.congestion(optionalSeconds(ctx, "Congestion"));
    ctx.markEnded(34);
    return "hangup";
  },
};
