/**
 * MixMonitor's arguments read as Asterisk reads them: `filename[.extension]` (no extension:
 * `raw`, i.e. headerless 8 kHz 16-bit; `wav49` becomes `WAV`), relative names under the monitor
 * directory (`<astspooldir>/monitor`), and the option letters, each optionally followed by
 * `(argument)`. Pure: the application turns the result into a request to the media worker and
 * the warnings into log lines.
 */
import { isAbsolute, join } from "node:path";
import { MONITOR_FORMATS, type MixMonitorSpec, type MonitorFile } from "../../media/index.js";

/** The option letters Asterisk's MixMonitor documents. */
const KNOWN = new Set("abBcdDimpPrStvVW");
/** Documented, not done here: B (periodic beep), c (voicemail caller ID), D (interleaved stereo), m (voicemail copies), p/P (beeps). */
export const NOT_IMPLEMENTED: Readonly<Record<string, string>> = {
  B: "periodic beep",
  c: "real Caller ID for voicemail copies",
  D: "interleaved stereo",
  m: "copies to voicemail boxes",
  p: "beep at start",
  P: "beep at stop",
};

export interface ParsedMixMonitor {
  /** The request for the worker, without its tapId; undefined when nothing can be recorded. */
  spec?: Omit<MixMonitorSpec, "tapId">;
  /** What MIXMONITOR_FILENAME is set to (the mixed file's path), when there is one. */
  filename?: string;
  /** Option i(var): the variable that receives the monitor's ID. */
  idVariable?: string;
  /** Option d: delete the files once the recording ends. */
  deleteAfter: boolean;
  /** Lines to log as warnings (unknown or not implemented options, bad values). */
  warnings: string[];
}

/** Letter → argument ("" when it takes none). */
export function parseOptionLetters(text: string): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === " ") continue;
    let arg = "";
    if (text[i + 1] === "(") {
      const close = text.indexOf(")", i + 2);
      const end = close < 0 ? text.length : close;
      arg = text.slice(i + 2, end);
      i = end;
    }
    flags.set(c, arg);
  }
  return flags;
}

/**
 * A volume option's factor: Asterisk takes -4…4 and doubles the level per step up, halves it
 * per step down (0: unchanged). Undefined when out of range.
 */
export function volumeFactor(text: string): number | undefined {
  const x = Number(text.trim());
  if (!Number.isInteger(x) || x < -4 || x > 4) return undefined;
  return x >= 0 ? 2 ** x : 1 / 2 ** -x;
}

/** A file argument: its path (the extension added when it had none) and format, or why not. */
export function monitorFile(name: string, monitorDir: string): { file: MonitorFile } | { error: string } {
  let base = name.trim();
  const slash = base.lastIndexOf("/");
  const dot = base.lastIndexOf(".");
  let ext = dot > slash + 1 ? base.slice(dot + 1) : "";
  if (ext.length > 0) base = base.slice(0, dot);
  if (ext === "wav49") ext = "WAV";
  if (ext === "") ext = "raw";
  if (base.length === 0) return { error: `'${name}' is not a file name` };
  const format = MONITOR_FORMATS[ext];
  if (format === undefined) return { error: `'.${ext}' cannot be written by Switchboard (it writes ${Object.keys(MONITOR_FORMATS).map((e) => `.${e}`).join(", ")})` };
  const path = `${isAbsolute(base) ? base : join(monitorDir, base)}.${ext}`;
  return { file: { path, format } };
}

export function parseMixMonitorArgs(args: readonly string[], monitorDir: string): ParsedMixMonitor {
  const warnings: string[] = [];
  const out: ParsedMixMonitor = { deleteAfter: false, warnings };
  const flags = parseOptionLetters(args[1] ?? "");
  let receiveGain = 1;
  let transmitGain = 1;
  for (const [letter, arg] of flags) {
    if (!KNOWN.has(letter)) warnings.push(`unknown option '${letter}' ignored`);
    else if (NOT_IMPLEMENTED[letter] !== undefined) warnings.push(`option '${letter}' (${NOT_IMPLEMENTED[letter]}) is not implemented in Switchboard; ignored`);
    else if (letter === "v" || letter === "V" || letter === "W") {
      const f = volumeFactor(arg);
      if (f === undefined) warnings.push(`option ${letter}(${arg}): the volume factor must be a whole number from -4 to 4; ignored`);
      else {
        // v: what the channel hears (transmit); V: what it says (receive); W: both.
        if (letter !== "V") transmitGain = f;
        if (letter !== "v") receiveGain = f;
      }
    }
  }
  const command = (args[2] ?? "").trim();
  if (command.length > 0) warnings.push(`the command argument ('${command}') is not run: Switchboard does not run shell commands from the dialplan`);
  const files: { mix?: MonitorFile; receive?: MonitorFile; transmit?: MonitorFile } = {};
  const take = (key: "mix" | "receive" | "transmit", name: string, what: string): void => {
    const r = monitorFile(name, monitorDir);
    if ("error" in r) warnings.push(`${what}: ${r.error}`);
    else files[key] = r.file;
  };
  const filename = (args[0] ?? "").trim();
  if (filename.length > 0) take("mix", filename, "file");
  const r = flags.get("r");
  if (r !== undefined && r.trim().length > 0) take("receive", r, "option r");
  const t = flags.get("t");
  if (t !== undefined && t.trim().length > 0) take("transmit", t, "option t");
  const i = flags.get("i");
  if (i !== undefined && i.trim().length > 0) out.idVariable = i.trim();
  out.deleteAfter = flags.has("d");
  if (files.mix !== undefined) out.filename = files.mix.path;
  if (files.mix === undefined && files.receive === undefined && files.transmit === undefined) {
    if (filename.length === 0 && r === undefined && t === undefined) warnings.push("MixMonitor requires an argument (filename or ,t(filename) and/or r(filename))");
    return out;
  }
  out.spec = { ...files, append: flags.has("a"), bridgedOnly: flags.has("b"), receiveGain, transmitGain };
  return out;
}
