/**
 * `Set(name=value)`: sets a channel variable, or writes a function (`Set(CALLERID(num)=100)`).
 * The value is everything after the first `=`, commas included.
 */
import type { DialplanApp } from "./registry.js";

export const setApp: DialplanApp = {
  name: "Set",
  synopsis: "Set channel variable or function value.",
  syntax: "Set(name=value)",
  async execute(ctx) {
    const eq = ctx.data.indexOf("=");
    const name = eq < 0 ? "" : ctx.data.slice(0, eq).trim();
    if (name.length === 0) {
      ctx.log.warn({ data: ctx.data.slice(0, 80) }, `Set requires a variable name and value (Set(name=value)), not '${ctx.data.slice(0, 80)}'`);
      return "continue";
    }
    ctx.setVar(name, ctx.data.slice(eq + 1));
    return "continue";
  },
};
