/**
 * `SayUnixTime([unixtime][,timezone[,format]])`: says a time (default now) in a time zone
 * (default the system's) with a say-date format (default "ABdY 'digits/at' IMp"), as
 * say-date.ts reads it.
 */
import type { DialplanApp } from "../apps/registry.js";
import { playPrompts } from "./prompts.js";
import { DEFAULT_DATE_FORMAT, dateFiles } from "./say-date.js";

export const sayUnixTimeApp: DialplanApp = {
  name: "SayUnixTime",
  synopsis: "Says a specified time in a custom format.",
  syntax: "SayUnixTime([unixtime][,timezone[,format[,options]]])",
  async execute(ctx) {
    const raw = (ctx.args[0] ?? "").trim();
    const seconds = raw.length > 0 && Number.isFinite(Number(raw)) ? Number(raw) : Math.floor(Date.now() / 1000);
    const tz = (ctx.args[1] ?? "").trim();
    const format = (ctx.args[2] ?? "").trim() || DEFAULT_DATE_FORMAT;
    if (!ctx.channel.answered) await ctx.channel.answer();
    await playPrompts(ctx, dateFiles(format, seconds * 1000, tz), "");
    return ctx.channel.hungUp() ? "hangup" : "continue";
  },
};
