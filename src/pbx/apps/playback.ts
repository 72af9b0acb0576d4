/**
 * `Playback(filename[&filename2…][,options])`: plays WAV files (relative to the sounds directory)
 * or built-in tones (`tone:ring`). Answers first unless `noanswer`; `skip` plays nothing on an
 * unanswered call. Sets `${PLAYBACKSTATUS}` to SUCCESS or FAILED.
 */
import type { DialplanApp } from "./registry.js";

export const playbackApp: DialplanApp = {
  name: "Playback",
  synopsis: "Play a file.",
  syntax: "Playback(filename[&filename2[&...]],[options])",
  async execute(ctx) {
    const files = (ctx.args[0] ?? "")
      .split("&")
      .map((f) => f.trim())
      .filter((f) => f.length > 0);
    if (files.length === 0) {
      ctx.log.warn({}, "Playback requires an argument (filename)");
      return "hangup";
    }
    const options = new Set(
      (ctx.args[1] ?? "")
        .split(/[|&]/)
        .map((o) => o.trim().toLowerCase())
        .filter((o) => o.length > 0),
    );
    let status = "SUCCESS";
    if (!ctx.channel.answered) {
      if (options.has("skip")) {
        ctx.setVar("PLAYBACKSTATUS", status);
        return "continue";
      }
      if (!options.has("noanswer")) await ctx.channel.answer();
    }
    // A caller hanging up mid-prompt, or redirected elsewhere, is a normal end, not a failure worth a warning.
    const cut = () => ctx.channel.hungUp() || ctx.channel.redirectPending?.() === true;
    for (const file of files) {
      if (cut()) break;
      const r = await ctx.channel.playback(file);
      if (r === "failed" && !cut()) {
        ctx.log.warn({ file: file.slice(0, 200) }, `Playback failed on ${ctx.channel.name} for ${file.slice(0, 200)}`);
        status = "FAILED";
      }
    }
    ctx.setVar("PLAYBACKSTATUS", status);
    return ctx.channel.hungUp() ? "hangup" : "continue";
  },
};
