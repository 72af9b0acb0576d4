/**
 * `IF(condition?true:false)`: the condition is false when empty or zero (write it as `$[…]`), as
 * with GotoIf.
 */
import { isZeroOrNull } from "../dialplan/expression.js";
import type { DialplanFunction } from "./registry.js";

export const ifFunction: DialplanFunction = {
  name: "IF",
  synopsis: "Check for an expression.",
  read(ctx, args) {
    const q = args.indexOf("?");
    if (q < 0) {
      ctx.log.warn({}, "Syntax IF(<expr>?[<true>][:<false>])  (expr must be non-null, and either <true> or <false> must be non-null)");
      return "";
    }
    const cond = args.slice(0, q).trim();
    const rest = args.slice(q + 1);
    const colon = rest.indexOf(":");
    const yes = colon < 0 ? rest : rest.slice(0, colon);
    const no = colon < 0 ? "" : rest.slice(colon + 1);
    return isZeroOrNull(cond) ? no.trim() : yes.trim();
  },
};
