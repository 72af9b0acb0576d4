/**
 * `GotoIf(condition?[labeliftrue]:[labeliffalse])`: each label is `[[context,]exten,]priority`.
 * The condition is false when empty or zero. A missing branch continues with the next priority.
 */
import { isZeroOrNull } from "../dialplan/expression.js";
import { indexTopLevel, splitArgs } from "../dialplan/split-args.js";
import type { DialplanApp } from "./registry.js";

export const gotoIfApp: DialplanApp = {
  name: "GotoIf",
  synopsis: "Conditional goto.",
  syntax: "GotoIf(condition?[labeliftrue]:[labeliffalse])",
  async execute(ctx) {
    // Split the text as written, so a substituted value holding '?' or ':' cannot move the split.
    const raw = ctx.rawData;
    if (raw.trim().length === 0) {
      ctx.log.warn({}, "Ignoring, since there is no argument: GotoIf(condition?[labeliftrue]:[labeliffalse])");
      return "continue";
    }
    const q = indexTopLevel(raw, "?");
    const cond = ctx.substitute(q < 0 ? raw : raw.slice(0, q)).trim();
    const branches = q < 0 ? "" : raw.slice(q + 1);
    const colon = indexTopLevel(branches, ":");
    const chosen = isZeroOrNull(cond) ? (colon < 0 ? "" : branches.slice(colon + 1)) : colon < 0 ? branches : branches.slice(0, colon);
    if (chosen.trim().length === 0) return "continue";
    const target = splitArgs(chosen.trim()).map((p) => ctx.substitute(p).trim());
    if (target.length > 3 || target.some((t) => t.length === 0)) {
      ctx.log.warn({ target: chosen.slice(0, 80) }, `GotoIf target '${chosen.slice(0, 80)}' is not [[context,]exten,]priority`);
      return "hangup";
    }
    return ctx.goto(target) ? "continue" : "hangup";
  },
};
