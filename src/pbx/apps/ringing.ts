/** `Ringing()`: sends 180 Ringing so the caller hears ringback. */
import type { DialplanApp } from "./registry.js";

export const ringingApp: DialplanApp = {
  name: "Ringing",
  synopsis: "Indicate ringing tone.",
  syntax: "Ringing()",
  async execute(ctx) {
    await ctx.channel.ringing();
    return "continue";
  },
};
