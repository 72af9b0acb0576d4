/** `LEN(string)`: the number of characters in the (substituted) argument. */
import type { DialplanFunction } from "./registry.js";

export const lenFunction: DialplanFunction = {
  name: "LEN",
  synopsis: "Return the length of the string given.",
  read: (_ctx, args) => String(args.length),
};
