/** `Goto([[context,]extension,]priority)`: jumps; the priority may be a label. */
import type { DialplanApp } from "./registry.js";

export const gotoApp: DialplanApp = {
  name: "Goto",
  synopsis: "Jump to a particular priority, extension, or context.",
  syntax: "Goto([[context,]extension,]priority)",
  async execute(ctx) {
    const target = ctx.args.map((a) => a.trim());
    if (target.length === 0 || target.length > 3 || target.some((t) => t.length === 0)) {
      ctx.log.warn({ data: ctx.data.slice(0, 80) }, `Goto requires an argument ([[context,]extension,]priority), not '${ctx.data.slice(0, 80)}'`);
      return "hangup";
    }
    return ctx.goto(target) ? "continue" : "hangup";
  },
};
