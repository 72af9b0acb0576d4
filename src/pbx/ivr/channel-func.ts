/**
 * `CHANNEL(item)`: `language` (read and write: the prompts' language), `name`, `uniqueid`. Other
 * items of Asterisk's CHANNEL() are not implemented and say so.
 */
import type { DialplanFunction } from "../funcs/registry.js";

export const channelFunction: DialplanFunction = {
  name: "CHANNEL",
  synopsis: "Gets or sets channel information (language, name, uniqueid).",
  read(ctx, args) {
    switch (args.trim().toLowerCase()) {
      case "language":
        return ctx.channel.language ?? "en";
      case "name":
        return ctx.channel.name;
      case "uniqueid":
        return ctx.channel.vars.get("UNIQUEID") ?? "";
      default:
        ctx.log.warn({}, `CHANNEL(${args}): not implemented in Switchboard (it has language, name, uniqueid)`);
        return "";
    }
  },
  write(ctx, args, value) {
    if (args.trim().toLowerCase() === "language") {
      ctx.channel.language = value.trim() || "en";
      return;
    }
    ctx.log.warn({}, `CHANNEL(${args})=${value}: not implemented in Switchboard (it can set language)`);
  },
};
