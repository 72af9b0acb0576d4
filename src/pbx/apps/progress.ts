/** `Progress()`: sends 183 Session Progress so early media (tones, announcements) reaches the caller. */
import type { DialplanApp } from "./registry.js";

export const progressApp: DialplanApp = {
  name: "Progress",
  synopsis: "Indicate progress.",
  syntax: "Progress()",
  async execute(ctx) {
    await ctx.channel.progress();
    return "continue";
  },
};
