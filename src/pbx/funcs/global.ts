/** `GLOBAL(name)`: reads or sets a global variable, shared by every call. */
import type { DialplanFunction } from "./registry.js";

export const globalFunction: DialplanFunction = {
  name: "GLOBAL",
  synopsis: "Gets or sets the global variable specified.",
  read: (ctx, args) => ctx.globals.get(args.trim()) ?? "",
  write(ctx, args, value) {
    const name = args.trim();
    if (value.length === 0) ctx.globals.delete(name);
    else ctx.globals.set(name, value);
  },
};
