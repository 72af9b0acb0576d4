/**
 * `Background(filename[&filename2…][,options[,langoverride[,context]]])`: plays prompts while the
 * caller may press keys; a key stops the prompt and the caller goes on dialling an extension of
 * `context` (default: the current one), collected as Asterisk's PBX loop collects it. Options:
 * `s` skip when the call is not answered, `n` do not answer, `m` only a key that is a one-digit
 * extension interrupts. Sets `${BACKGROUNDSTATUS}` to SUCCESS or FAILED.
 */
import type { DialplanApp } from "../apps/registry.js";
import { collectAndGo } from "./collect.js";
import { ALL_KEYS, playPrompts, promptList } from "./prompts.js";

export const backgroundApp: DialplanApp = {
  name: "BackGround",
  synopsis: "Play an audio file while waiting for digits of an extension to go to.",
  syntax: "BackGround(filename1[&filename2[&...]][,options[,langoverride][,context]])",
  async execute(ctx) {
    const files = promptList(ctx.args[0] ?? "");
    const options = ctx.args[1] ?? "";
    const lang = (ctx.args[2] ?? "").trim();
    const context = (ctx.args[3] ?? "").trim() || ctx.context;
    if (files.length === 0) {
      ctx.log.warn({}, "Background requires an argument (filename)");
      return "hangup";
    }
    const ch = ctx.channel;
    if (!ch.answered) {
      if (options.includes("s")) {
        ctx.setVar("BACKGROUNDSTATUS", "SUCCESS");
        return "continue";
      }
      // n: no answer; the prompt goes out as early media (183).
      if (!options.includes("n")) await ch.answer();
      else await ch.progress();
    }
    const keys = options.includes("m") ? [...ALL_KEYS].filter((k) => ctx.extensionState(k, context).exists).join("") : ALL_KEYS;
    const saved = ch.language;
    if (lang.length > 0 && saved !== undefined) ch.language = lang;
    const r = await playPrompts(ctx, files, keys);
    if (lang.length > 0 && saved !== undefined) ch.language = saved;
    ctx.setVar("BACKGROUNDSTATUS", r.status === "failed" ? "FAILED" : "SUCCESS");
    if (ch.hungUp()) return "hangup";
    if (r.status === "interrupted") return collectAndGo(ctx, r.digit, context);
    return "continue";
  },
};
