/**
 * `VoiceMail(mailbox[@context][&mailbox[@context]…][,options])`: the caller hears the mailbox's
 * greeting (temporary, else busy with `b` or unavailable with `u` when recorded, else "the
 * person at extension <name or number> is not available / on the phone"), the instructions
 * (unless `s`), a beep, and is recorded until `#`, maxsilence, maxsecs or hangup. The message
 * goes to each mailbox's INBOX; MWI follows at once. During the greeting `#` skips to the beep,
 * `*` goes to the `a` extension and, with operator=yes, `0` to `o`. `${VMSTATUS}`: SUCCESS,
 * USEREXIT or FAILED.
 */
import { ASTERISK_SOURCE } from "../../core/logger.js";
import { mailboxFlag, type Mailbox } from "../../config/index.js";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { encodeSoundFile, encodeWav } from "../../media/index.js";
import { writeFileAtomic } from "../ivr/recording-file.js";
import type { AppContext, DialplanApp } from "../apps/registry.js";
import type { RecordOutcome } from "../dialplan/channel.js";
import { digitFiles } from "../ivr/say.js";
import { playPrompts } from "../ivr/prompts.js";
import { messageFields } from "./message-fields.js";
import type { Voicemail } from "./voicemail.js";
import type { SavedMessage } from "./mailer.js";
import { msgName } from "./spool.js";

const APP_VM = { [ASTERISK_SOURCE]: "app_voicemail.c" };
/** msg0000 … msg9999: the spool's four-digit names. */
const MAX_MESSAGES = 10_000;

/** A per-mailbox number (maxsecs=, maxmsg= …), else the [general] one; text that is not a number is ignored. */
function numberOption(box: Mailbox, name: string, fallback: number): number {
  const raw = box.options.get(name);
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** Trailing silence kept when silence ended a message. */
const KEEP_SILENCE_MS = 200;

/**
 * As app_voicemail chooses: the temporary greeting when recorded; else with `b` or `u` the
 * recorded busy/unavailable greeting, or the standard one (the recorded name, or "the person at
 * extension" and the digits, then "is on another call"/"is not available"); with neither, none.
 */
function greetingPrompts(vm: Voicemail, box: Mailbox, options: string): string[] {
  const spool = vm.spool(box);
  const temp = spool.greeting("temp");
  if (temp !== undefined) return [temp];
  const busy = options.includes("b");
  if (!busy && !options.includes("u")) return [];
  const own = spool.greeting(busy ? "busy" : "unavail");
  if (own !== undefined) return [own];
  const name = spool.greeting("greet");
  return [...(name !== undefined ? [name] : ["vm-theperson", ...digitFiles(box.box)]), busy ? "vm-isonphone" : "vm-isunavail"];
}

/** Records one message, with review when asked; undefined when the caller left nothing worth keeping. */
async function recordMessage(ctx: AppContext, vm: Voicemail, box: Mailbox): Promise<RecordOutcome | undefined> {
  const ch = ctx.channel;
  const g = vm.general;
  const maxSec = numberOption(box, "maxsecs", g.maxsecs || g.maxmessage);
  const minSec = numberOption(box, "minsecs", g.minsecs || g.minmessage);
  const review = mailboxFlag(box, "review", g.review);
  for (;;) {
    await ch.playback("beep");
    if (ch.hungUp() || ch.record === undefined) return undefined;
    if (ctx.log.wants("verbose", 3)) ctx.log.verbose(3, APP_VM, "Recording the message");
    const r = await ch.record({ maxMs: maxSec > 0 ? maxSec * 1000 : 0, silenceMs: g.maxsilence * 1000, silenceThreshold: g.silencethreshold, stopKeys: "#" });
    if (r.reason === "silence") r.samples = r.samples.subarray(0, Math.max(0, r.samples.length - Math.max(0, r.trailingSilenceMs - KEEP_SILENCE_MS) * 8));
    const seconds = r.samples.length / 8000;
    if (r.samples.length === 0 || seconds < minSec) {
      if (ctx.log.wants("verbose", 3)) ctx.log.verbose(3, APP_VM, `Recording was ${seconds.toFixed(1)} seconds long but needs to be at least ${minSec} seconds: message not kept`);
      return undefined;
    }
    if (!review || ch.hungUp()) return r;
    // 1 keep, 2 listen, 3 record again.
    for (;;) {
      const k = await playPrompts(ctx, ["vm-review"], "123");
      const key = k.status === "interrupted" ? k.digit : await ch.readDigit?.(5000);
      if (ch.hungUp() || key === undefined || key === "1") return r;
      if (key === "3") break;
      if (key === "2") {
        // The caller listens to what was recorded, from a scratch file in the spool's tmp folder.
        const tmp = join(vm.root, "tmp", `review-${process.pid}-${Date.now()}.wav`);
        writeFileAtomic(tmp, encodeWav(r.samples));
        try {
          await ch.playback(tmp);
        } finally {
          rmSync(tmp, { force: true });
        }
      }
    }
  }
}

export function voicemailApp(vm: Voicemail, onSaved: (m: SavedMessage) => void = () => {}): DialplanApp {
  return {
    name: "VoiceMail",
    synopsis: "Leave a Voicemail message.",
    syntax: "VoiceMail(mailbox[@context][&mailbox[@context][&...]][,options])",
    async execute(ctx) {
      const ch = ctx.channel;
      const specs = (ctx.args[0] ?? "").split("&").map((s) => s.trim()).filter((s) => s.length > 0);
      const options = ctx.args[1] ?? "";
      if (specs.length === 0) {
        ctx.log.warn(APP_VM, "VoiceMail requires an argument (mailbox[@context])");
        ctx.setVar("VMSTATUS", "FAILED");
        return "continue";
      }
      for (const o of ["d", "g", "U", "P"]) if (options.includes(o)) ctx.log.warn(APP_VM, `VoiceMail option '${o}' is not implemented in Switchboard; ignored`);
      const boxes: Mailbox[] = [];
      for (const spec of specs) {
        const m = vm.find(spec);
        if (m === undefined) ctx.log.warn(APP_VM, `No entry in voicemail config file for '${spec}' (add it to a context of voicemail.conf: ${spec.split("@")[0]} => password,Full Name)`);
        else boxes.push(m);
      }
      const first = boxes[0];
      if (first === undefined) {
        ctx.setVar("VMSTATUS", "FAILED");
        return "continue";
      }
      if (!ch.answered) await ch.answer();
      const keys = `#${ctx.extensionState("a").exists ? "*" : ""}${mailboxFlag(first, "operator", vm.general.operator) && ctx.extensionState("o").exists ? "0" : ""}`;
      const prompts = [...greetingPrompts(vm, first, options), ...(options.includes("s") ? [] : ["vm-intro"])];
      const heard = await playPrompts(ctx, prompts, keys);
      if (ch.hungUp()) {
        ctx.setVar("VMSTATUS", "USEREXIT");
        return "hangup";
      }
      if (heard.status === "interrupted" && (heard.digit === "*" || heard.digit === "0")) {
        ctx.setVar("VMSTATUS", "USEREXIT");
        ctx.goto([ctx.context, heard.digit === "*" ? "a" : "o", "1"]);
        return "continue";
      }
      const room = boxes.filter((m) => vm.spool(m).count("INBOX") < Math.min(MAX_MESSAGES, numberOption(m, "maxmsg", vm.general.maxmsg)));
      if (room.length === 0) {
        ctx.log.warn(APP_VM, `No more messages possible: mailbox ${first.box}@${first.context} is full (maxmsg=${vm.general.maxmsg})`);
        await playPrompts(ctx, ["vm-mailboxfull"], "");
        ctx.setVar("VMSTATUS", "FAILED");
        return ch.hungUp() ? "hangup" : "continue";
      }
      const r = await recordMessage(ctx, vm, first);
      if (r === undefined) {
        ctx.setVar("VMSTATUS", "FAILED");
        return ch.hungUp() ? "hangup" : "continue";
      }
      const seconds = Math.max(1, Math.round(r.samples.length / 8000));
      const format = vm.format;
      const audio = encodeSoundFile(r.samples, format);
      const now = Date.now();
      for (const m of room) {
        const fields = messageFields(m, { context: ctx.context, exten: ctx.exten, priority: ctx.priority, channel: ch.name, callerId: ch.callerId, nowMs: now, durationSec: seconds });
        try {
          const spool = vm.spool(m);
          const n = spool.add("INBOX", audio, format, fields);
          if (ctx.log.wants("verbose", 3)) ctx.log.verbose(3, APP_VM, `Saved voicemail message ${n} (${seconds} s) for ${m.box}@${m.context} from ${ch.callerId.num || "unknown"}`);
          onSaved({ box: m, index: n, audioPath: join(spool.dir, "INBOX", `${msgName(n)}.${format}`), durationSec: seconds, callerId: { ...ch.callerId }, timeMs: now, msgId: new Map(fields).get("msg_id") ?? "" });
        } catch (err) {
          ctx.log.error({ err }, `Voicemail for ${m.box}@${m.context} could not be saved: ${(err as Error).message}`);
          ctx.setVar("VMSTATUS", "FAILED");
          return ch.hungUp() ? "hangup" : "continue";
        }
        vm.touch(m);
      }
      ctx.setVar("VMSTATUS", "SUCCESS");
      if (ch.hungUp()) return "hangup";
      await playPrompts(ctx, ["vm-msgsaved", "vm-goodbye"], "");
      return ch.hungUp() ? "hangup" : "continue";
    },
  };
}
