/** `Busy([timeout])`: signals busy (486 before answer, busy tone after), then ends the dialplan. */
import type { DialplanApp } from "./registry.js";
import { optionalSeconds } from "./timeout-arg.js";

export const busyApp: DialplanApp = {
  name: "Busy",
  synopsis: "Indicate the Busy condition.",
  syntax: "Busy([timeout])",
  async execute(ctx) {
    await ctx.channel.busy(optionalSeconds(ctx, "Busy"));
    ctx.markEnded(17);
    return "hangup";
  },
};
