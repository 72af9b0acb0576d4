/**
 * `CHANNEL(item)`: `language` (read and write: the prompts' language), `musicclass` (read and
 * write: the music on hold class, pbx/moh), `name`, `uniqueid`. Other items of Asterisk's
 * CHANNEL() are not implemented and say so.
 */
import type { DialplanFunction } from "../funcs/registry.js";
import { channelMusicClass, setChannelMusicClass } from "../moh/music-class.js";

export const channelFunction: DialplanFunction = {
  name: "CHANNEL",
  synopsis: "Gets or sets channel information (language, musicclass, name, uniqueid).",
  read(ctx, args) {
    switch (args.trim().toLowerCase()) {
      case "language":
        return ctx.channel.language ?? "en";
      case "musicclass":
        return channelMusicClass(ctx.channel.vars) ?? "";
      case "name":
        return ctx.channel.name;
      case "uniqueid":
        return ctx.channel.vars.get("UNIQUEID") ?? "";
      default:
        ctx.log.warn({}, `CHANNEL(${args}): not implemented in Switchboard (it has language, musicclass, name, uniqueid)`);
        return "";
    }
  },
  write(ctx, args, value) {
    const item = args.trim().toLowerCase();
    if (item === "language") {
      ctx.channel.language = value.trim() || "en";
      return;
    }
    if (item === "musicclass") {
      setChannelMusicClass(ctx.channel.vars, value);
      return;
    }
    ctx.log.warn({}, `CHANNEL(${args})=${value}: not implemented in Switchboard (it can set language and musicclass)`);
  },
};
