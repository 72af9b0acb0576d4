/** `Answer([delay])`: answers the call if it is not answered yet. */
import type { DialplanApp } from "./registry.js";

export const answerApp: DialplanApp = {
  name: "Answer",
  synopsis: "Answer a channel if ringing.",
  syntax: "Answer([delay])",
  async execute(ctx) {
    if (!ctx.channel.answered) await ctx.channel.answer();
    return "continue";
  },
};
