/**
 * `Read(variable[,filename[&filename2…]][,maxdigits[,options[,attempts[,timeout]]]])`: plays the
 * prompts, then reads keys into `variable` until `#`, `maxdigits` keys (0: up to 255) or a
 * timeout. Without `timeout` the first key may take TIMEOUT(response) and each further one
 * TIMEOUT(digit); with it, each key may take `timeout` seconds. `attempts` replays the prompt
 * when nothing was entered. Options: `s` skip when not answered, `n` read without answering,
 * `i` the filename is a tone (tone:<name>). `${READSTATUS}`: OK, ERROR, HANGUP, INTERRUPTED,
 * SKIPPED or TIMEOUT.
 */
import type { DialplanApp } from "../apps/registry.js";
import { ALL_KEYS, playPrompts, promptList } from "./prompts.js";
import { timeoutsOf } from "./timeouts.js";

const MAX_DIGITS = 255;

export const readApp: DialplanApp = {
  name: "Read",
  synopsis: "Read a variable.",
  syntax: "Read(variable[,filename[&filename2[&...]][,maxdigits[,options[,attempts[,timeout]]]]])",
  async execute(ctx) {
    const ch = ctx.channel;
    const variable = (ctx.args[0] ?? "").trim();
    if (variable.length === 0) {
      ctx.log.warn({}, "Read requires an argument (variable)");
      ctx.setVar("READSTATUS", "ERROR");
      return "continue";
    }
    const options = ctx.args[3] ?? "";
    let files = promptList(ctx.args[1] ?? "");
    if (options.includes("i")) files = files.map((f) => (f.startsWith("tone:") ? f : `tone:${f}`));
    const maxRaw = Number((ctx.args[2] ?? "").trim() || "0");
    const maxDigits = Number.isFinite(maxRaw) && maxRaw > 0 ? Math.min(MAX_DIGITS, Math.floor(maxRaw)) : MAX_DIGITS;
    const attemptsRaw = Number((ctx.args[4] ?? "").trim() || "1");
    const attempts = Number.isFinite(attemptsRaw) && attemptsRaw >= 1 ? Math.floor(attemptsRaw) : 1;
    const toRaw = Number((ctx.args[5] ?? "").trim() || "0");
    const t = timeoutsOf(ch);
    const firstMs = (Number.isFinite(toRaw) && toRaw > 0 ? toRaw : t.responseSec) * 1000;
    const nextMs = (Number.isFinite(toRaw) && toRaw > 0 ? toRaw : t.digitSec) * 1000;

    if (!ch.answered) {
      if (options.includes("s")) {
        ctx.setVar(variable, "");
        ctx.setVar("READSTATUS", "SKIPPED");
        return "continue";
      }
      if (!options.includes("n")) await ch.answer();
      else await ch.progress();
    }
    if (ch.readDigit === undefined) {
      ctx.setVar("READSTATUS", "ERROR");
      return "continue";
    }
    let digits = "";
    let status = "TIMEOUT";
    for (let attempt = 0; attempt < attempts && digits.length === 0; attempt++) {
      let first: string | undefined;
      if (files.length > 0) {
        const r = await playPrompts(ctx, files, ALL_KEYS);
        if (r.status === "interrupted") first = r.digit;
      }
      if (ch.hungUp()) break;
      first ??= await ch.readDigit(firstMs);
      if (first === undefined) continue;
      if (first === "#") {
        status = "OK";
        break;
      }
      digits = first;
      status = "OK";
      while (digits.length < maxDigits) {
        const d = await ch.readDigit(nextMs);
        // Ended by # or by maxdigits: OK; by the timeout (digits or not): TIMEOUT, as Asterisk's.
        if (d === undefined) {
          status = "TIMEOUT";
          break;
        }
        if (d === "#") break;
        digits += d;
      }
    }
    if (ch.hungUp()) status = "HANGUP";
    ctx.setVar(variable, digits);
    ctx.setVar("READSTATUS", status);
    if (ctx.log.wants("verbose", 3)) ctx.log.verbose(3, {}, digits.length > 0 ? `User entered '${digits}'` : "User entered nothing.");
    return ch.hungUp() ? "hangup" : "continue";
  },
};
