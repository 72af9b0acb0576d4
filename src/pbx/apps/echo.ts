/** `Echo()`: sends the caller's audio back until the caller hangs up (the classic echo test). */
import type { DialplanApp } from "./registry.js";

export const echoApp: DialplanApp = {
  name: "Echo",
  synopsis: "Echo media, DTMF back to the calling party",
  syntax: "Echo()",
  async execute(ctx) {
    await ctx.channel.echo();
    return ctx.channel.hungUp() ? "hangup" : "continue";
  },
};
