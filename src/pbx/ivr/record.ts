/**
 * `Record(filename.format[,silence[,maxduration[,options]]])`: beeps, then records the caller
 * into `filename.format` until `#` (or `*` with option `t`; any key with `y`; none with `x`),
 * `silence` seconds of silence (trimmed from the end), `maxduration` seconds, or hangup. A
 * relative name is taken in the sounds directory of the data directory, where Playback finds it;
 * `%d` in the name becomes the first number not yet used. Options: `a` append, `n` do not
 * answer, `q` no beep, `s` skip when not answered, `k` keep the file when the caller hangs up
 * (otherwise it is deleted, as in Asterisk). `${RECORD_STATUS}`: SUCCESS… as Asterisk's: DTMF,
 * SILENCE, TIMEOUT, HANGUP, SKIP or ERROR; `${RECORDED_FILE}` the name without extension.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { decodeSoundFile, encodeSoundFile, soundFormatOf, UNSUPPORTED_SOUND_FORMATS } from "../../media/index.js";
import type { DialplanApp } from "../apps/registry.js";
import { writeFileAtomic } from "./recording-file.js";

/** dsp.conf's default silencethreshold, which Record() uses. */
export const RECORD_SILENCE_THRESHOLD = 256;
/** Trailing silence left in a recording ended by silence (the rest is cut). */
const KEEP_SILENCE_MS = 200;

export function recordApp(soundsDir: () => string): DialplanApp {
  return {
    name: "Record",
    synopsis: "Record to a file.",
    syntax: "Record(filename.format[,silence[,maxduration[,options]]])",
    async execute(ctx) {
      const ch = ctx.channel;
      const spec = (ctx.args[0] ?? "").trim();
      const dot = spec.lastIndexOf(".");
      const ext = dot > 0 ? spec.slice(dot + 1) : "";
      const format = soundFormatOf(ext);
      if (dot <= 0 || format === undefined) {
        const why = UNSUPPORTED_SOUND_FORMATS.has(ext) ? `format '${ext}' cannot be written by Switchboard` : `'${spec}' has no known format extension`;
        ctx.log.warn({}, `Record: ${why}; use filename.wav (or .ulaw, .alaw, .sln, .sln16, .g722)`);
        ctx.setVar("RECORD_STATUS", "ERROR");
        return "continue";
      }
      const options = ctx.args[3] ?? "";
      if (!ch.answered) {
        if (options.includes("s")) {
          ctx.setVar("RECORD_STATUS", "SKIP");
          return "continue";
        }
        if (!options.includes("n")) await ch.answer();
        else await ch.progress();
      }
      if (ch.record === undefined) {
        ctx.setVar("RECORD_STATUS", "ERROR");
        return "continue";
      }
      let base = spec.slice(0, dot);
      if (!isAbsolute(base)) base = join(soundsDir(), base);
      if (base.includes("%d")) {
        let n = 0;
        while (existsSync(`${base.replace("%d", String(n))}.${ext}`)) n++;
        base = base.replace("%d", String(n));
      }
      const path = `${base}.${ext}`;
      const silenceSec = Number((ctx.args[1] ?? "").trim() || "0");
      const maxSec = Number((ctx.args[2] ?? "").trim() || "0");
      if (!options.includes("q")) await ch.playback("beep");
      if (ch.hungUp()) {
        ctx.setVar("RECORD_STATUS", "HANGUP");
        return "hangup";
      }
      const stopKeys = options.includes("x") ? "" : options.includes("y") ? "0123456789*#ABCD" : options.includes("t") ? "*" : "#";
      const r = await ch.record({
        maxMs: Number.isFinite(maxSec) && maxSec > 0 ? maxSec * 1000 : 0,
        silenceMs: Number.isFinite(silenceSec) && silenceSec > 0 ? silenceSec * 1000 : 0,
        silenceThreshold: RECORD_SILENCE_THRESHOLD,
        stopKeys,
      });
      let samples = r.samples;
      if (r.reason === "silence") samples = samples.subarray(0, Math.max(0, samples.length - Math.max(0, r.trailingSilenceMs - KEEP_SILENCE_MS) * 8));
      const status = { dtmf: "DTMF", silence: "SILENCE", maxduration: "TIMEOUT", hangup: "HANGUP", stopped: "SUCCESS" }[r.reason];
      ctx.setVar("RECORDED_FILE", base);
      if (r.reason === "hangup" && !options.includes("k")) {
        ctx.setVar("RECORD_STATUS", status);
        return "hangup";
      }
      try {
        let data = encodeSoundFile(samples, format);
        if (options.includes("a") && existsSync(path)) {
          const before = decodeSoundFile(readFileSync(path), path);
          const joined = new Int16Array(before.length + samples.length);
          joined.set(before);
          joined.set(samples, before.length);
          data = encodeSoundFile(joined, format);
        }
        writeFileAtomic(path, data);
      } catch (err) {
        ctx.log.warn({ err }, `Record: could not write ${path}: ${(err as Error).message}`);
        rmSync(path, { force: true });
        ctx.setVar("RECORD_STATUS", "ERROR");
        return ch.hungUp() ? "hangup" : "continue";
      }
      ctx.setVar("RECORD_STATUS", status);
      return ch.hungUp() ? "hangup" : "continue";
    },
  };
}
