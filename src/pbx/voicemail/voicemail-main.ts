/**
 * `VoiceMailMain([mailbox][@context][,options])`: a mailbox owner's menu, with Asterisk's key
 * layout. Login: mailbox (unless given) and password, each ended by `#`, at most maxlogins
 * tries (option `s` skips the password). Then "You have N new and M old messages" and:
 *
 *   1 play messages (new ones, else old)   2 change folder (0 new, 1 old, 2 work, 3 family, 4 friends)
 *   0 mailbox options: 1 unavailable greeting, 2 busy greeting, 3 name, 4 temporary greeting, 5 password
 *   # exit
 *
 * While a message plays or after it: 5 repeat, 4 previous, 6 next, 7 delete (again: restore),
 * 9 save to a folder, # back. Leaving a folder applies deletes and saves, and moves heard new
 * messages to Old; MWI follows.
 */
import { ASTERISK_SOURCE } from "../../core/logger.js";
import { mailboxFlag, type Mailbox } from "../../config/index.js";
import { encodeSoundFile } from "../../media/index.js";
import type { AppContext, DialplanApp } from "../apps/registry.js";
import type { DialplanChannel } from "../dialplan/channel.js";
import { playPrompts } from "../ivr/prompts.js";
import { digitFiles, numberFiles } from "../ivr/say.js";
import { dateFiles } from "../ivr/say-date.js";
import { askKey, askString } from "./menu-input.js";
import { FOLDERS, type Folder, type Greeting, type MessageInfo } from "./spool.js";
import type { Voicemail } from "./voicemail.js";

const APP_VM = { [ASTERISK_SOURCE]: "app_voicemail.c" };
/** The envelope without a zone: "received <yesterday | weekday | date> at <hour> <minute> <am/pm>". */
const ENVELOPE_FORMAT = "'vm-received' q 'digits/at' IMp";
const FOLDER_PROMPT: Readonly<Record<Folder, string>> = { INBOX: "vm-INBOX", Old: "vm-Old", Work: "vm-Work", Family: "vm-Family", Friends: "vm-Friends" };
/** Menus replayed without an answer before the call is ended. */
const MAX_SILENT_MENUS = 3;

export interface LoginFailure {
  readonly channel: DialplanChannel;
  readonly mailbox: string;
  /** The SIP Call-ID of the caller's leg, when known. */
  readonly callId?: string;
}

/** The envelope's "received …" in the mailbox's zone ([zonemessages], tz=), else Asterisk's default wording. */
function envelopeDate(vm: Voicemail, box: Mailbox, origtime: number): string[] {
  if (!(origtime > 0)) return [];
  const zoneName = box.options.get("tz") ?? vm.general.tz;
  const zone = vm.zones().find((z) => z.name === zoneName);
  return dateFiles(zone?.format || ENVELOPE_FORMAT, origtime * 1000, zone?.timezone ?? "");
}

function countPrompts(n: number, folder: Folder): string[] {
  return [...numberFiles(n), FOLDER_PROMPT[folder], n === 1 ? "vm-message" : "vm-messages"];
}

async function login(ctx: AppContext, vm: Voicemail, given: string, skipPassword: boolean, onFailure: (f: LoginFailure) => void): Promise<Mailbox | undefined> {
  const ch = ctx.channel;
  const tries = vm.general.maxlogins;
  const spec = given;
  for (let attempt = 0; attempt < tries; attempt++) {
    if (ch.hungUp()) return undefined;
    let box = spec;
    if (box.length === 0 || box.startsWith("@")) {
      const typed = await askString(ctx, [attempt === 0 ? "vm-login" : "vm-incorrect-mailbox"]);
      if (typed === undefined) continue;
      box = typed + box;
    }
    const m = vm.find(box);
    // As in Asterisk, `s` skips the PIN only for the mailbox the dialplan names, never for one typed in.
    if (skipPassword && m !== undefined && box === spec) return m;
    const pw = await askString(ctx, ["vm-password"]);
    if (m !== undefined && pw !== undefined && pw === vm.password(m)) return m;
    // Hanging up or saying nothing at the PIN prompt is not a wrong PIN.
    if (ch.hungUp() || pw === undefined) continue;
    onFailure({ channel: ch, mailbox: box.includes("@") ? box : `${box}@default` });
    ctx.log.notice(APP_VM, `Incorrect password for mailbox '${box}' on ${ch.name} from ${ch.signalling?.remoteAddress ?? "?"} (attempt ${attempt + 1} of maxlogins=${tries})`);
    if (attempt + 1 < tries) await playPrompts(ctx, ["vm-incorrect"], "");
  }
  return undefined;
}

/** Plays the messages of a folder with the message keys; applies deletes, saves and "heard" on leaving. */
async function browse(ctx: AppContext, vm: Voicemail, box: Mailbox, folder: Folder): Promise<"back" | "hangup"> {
  const ch = ctx.channel;
  const spool = vm.spool(box);
  const list: MessageInfo[] = spool.list(folder);
  if (list.length === 0) {
    await playPrompts(ctx, ["vm-no", FOLDER_PROMPT[folder], "vm-messages"], "");
    return ch.hungUp() ? "hangup" : "back";
  }
  const deleted = new Set<number>();
  const saved = new Map<number, Folder>();
  const heard = new Set<number>();
  const saycid = mailboxFlag(box, "saycid", vm.general.saycid);
  const envelope = mailboxFlag(box, "envelope", vm.general.envelope);
  const next = mailboxFlag(box, "nextaftercmd", vm.general.nextaftercmd);
  let i = 0;
  let play = true;
  let silent = 0;
  const leave = (): void => {
    // Highest numbers first: each remove or move renumbers only what follows it.
    for (let k = list.length - 1; k >= 0; k--) {
      const msg = list[k]!;
      if (deleted.has(k)) spool.remove(folder, msg.index);
      else if (saved.has(k)) spool.move(folder, msg.index, saved.get(k)!);
      else if (folder === "INBOX" && heard.has(k) && mailboxFlag(box, "moveheard", vm.general.moveheard)) spool.move(folder, msg.index, "Old");
    }
    vm.touch(box);
  };
  try {
    for (;;) {
      if (ch.hungUp()) return "hangup";
      let key: string | undefined;
      if (play) {
        const msg = list[i]!;
        const intro = i === 0 ? ["vm-first", "vm-message"] : i === list.length - 1 ? ["vm-last", "vm-message"] : ["vm-message", ...numberFiles(i + 1)];
        const cid = /<(\d+)>/.exec(msg.fields.get("callerid") ?? "")?.[1];
        const when = envelope ? envelopeDate(vm, box, Number(msg.fields.get("origtime") ?? "0")) : [];
        const who = saycid && cid !== undefined ? ["vm-from-phonenumber", ...digitFiles(cid)] : [];
        const r = await playPrompts(ctx, [...intro, ...when, ...who, msg.audio], "0123456789*#");
        heard.add(i);
        play = false;
        if (r.status === "interrupted") key = r.digit;
      }
      key ??= await askKey(ctx, ["vm-msginstruct"]);
      if (ch.hungUp()) return "hangup";
      if (key === undefined) {
        if (++silent >= MAX_SILENT_MENUS) return "hangup";
        continue;
      }
      silent = 0;
      switch (key) {
        case "5":
          play = true;
          break;
        case "4":
          if (i === 0) await playPrompts(ctx, ["vm-nomore"], "");
          else {
            i--;
            play = true;
          }
          break;
        case "6":
          if (i === list.length - 1) await playPrompts(ctx, ["vm-nomore"], "");
          else {
            i++;
            play = true;
          }
          break;
        case "7":
          if (deleted.has(i)) {
            deleted.delete(i);
            await playPrompts(ctx, ["vm-undeleted"], "");
          } else {
            deleted.add(i);
            saved.delete(i);
            await playPrompts(ctx, ["vm-deleted"], "");
            if (next && i < list.length - 1) {
              i++;
              play = true;
            }
          }
          break;
        case "9": {
          const f = await askKey(ctx, ["vm-savefolder"], "01234");
          const to = f === undefined ? undefined : FOLDERS[Number(f)];
          if (to === undefined) break;
          saved.set(i, to);
          deleted.delete(i);
          await playPrompts(ctx, ["vm-savedto", FOLDER_PROMPT[to]], "");
          if (next && i < list.length - 1) {
            i++;
            play = true;
          }
          break;
        }
        case "#":
          return "back";
        default:
          break;
      }
    }
  } finally {
    leave();
  }
}

async function recordGreeting(ctx: AppContext, vm: Voicemail, box: Mailbox, kind: Greeting, prompt: string): Promise<void> {
  const ch = ctx.channel;
  await playPrompts(ctx, [prompt], "");
  await ch.playback("beep");
  if (ch.hungUp() || ch.record === undefined) return;
  if (ctx.log.wants("verbose", 3)) ctx.log.verbose(3, APP_VM, "Recording the message");
  const max = vm.general.maxgreet;
  const r = await ch.record({ maxMs: max > 0 ? max * 1000 : 0, silenceMs: vm.general.maxsilence * 1000, silenceThreshold: vm.general.silencethreshold, stopKeys: "#" });
  // A greeting cut off by a hangup is not kept (as in Asterisk), nor half a second of nothing.
  if (r.reason === "hangup" || r.samples.length < 4000) return;
  vm.spool(box).saveGreeting(kind, encodeSoundFile(r.samples, vm.format), vm.format);
  if (!ch.hungUp()) await playPrompts(ctx, ["vm-msgsaved"], "");
}

async function changePassword(ctx: AppContext, vm: Voicemail, box: Mailbox): Promise<void> {
  if (!box.passwordChangeable) {
    await playPrompts(ctx, ["vm-sorry"], "");
    return;
  }
  const first = await askString(ctx, ["vm-newpassword"]);
  if (first === undefined || first.length === 0 || first.length < vm.general.minpassword) {
    await playPrompts(ctx, ["vm-sorry"], "");
    return;
  }
  const again = await askString(ctx, ["vm-reenterpassword"]);
  if (again !== first) {
    await playPrompts(ctx, ["vm-mismatch"], "");
    return;
  }
  vm.spool(box).savePassword(first);
  ctx.log.notice(APP_VM, `Voicemail password of ${box.box}@${box.context} changed by its owner (kept in the spool's secret.conf)`);
  await playPrompts(ctx, ["vm-passchanged"], "");
}

async function mailboxOptions(ctx: AppContext, vm: Voicemail, box: Mailbox): Promise<void> {
  for (;;) {
    const key = await askKey(ctx, ["vm-options"], "12345*#");
    if (ctx.channel.hungUp() || key === undefined || key === "*" || key === "#") return;
    if (key === "1") await recordGreeting(ctx, vm, box, "unavail", "vm-rec-unv");
    else if (key === "2") await recordGreeting(ctx, vm, box, "busy", "vm-rec-busy");
    else if (key === "3") await recordGreeting(ctx, vm, box, "greet", "vm-rec-name");
    else if (key === "4") {
      // With a temporary greeting on: 1 records a new one, 2 erases it.
      const choice = vm.spool(box).greeting("temp") === undefined ? "1" : await askKey(ctx, ["vm-tempgreeting2"], "12*#");
      if (choice === "1") await recordGreeting(ctx, vm, box, "temp", "vm-rec-temp");
      else if (choice === "2") {
        vm.spool(box).removeGreeting("temp");
        await playPrompts(ctx, ["vm-tempremoved"], "");
      }
    }
    else if (key === "5") await changePassword(ctx, vm, box);
  }
}

export function voicemailMainApp(vm: Voicemail, onLoginFailure: (f: LoginFailure) => void): DialplanApp {
  return {
    name: "VoiceMailMain",
    synopsis: "Check Voicemail messages.",
    syntax: "VoiceMailMain([mailbox][@context][,options])",
    async execute(ctx) {
      const ch = ctx.channel;
      const options = ctx.args[1] ?? "";
      for (const o of ["p", "g", "a"]) if (options.includes(o)) ctx.log.warn(APP_VM, `VoiceMailMain option '${o}' is not implemented in Switchboard; ignored`);
      if (!ch.answered) await ch.answer();
      ch.clearDigits?.();
      const box = await login(ctx, vm, (ctx.args[0] ?? "").trim(), options.includes("s"), onLoginFailure);
      if (box === undefined) {
        if (!ch.hungUp()) await playPrompts(ctx, ["vm-goodbye"], "");
        return "hangup";
      }
      if (ctx.log.wants("verbose", 3)) ctx.log.verbose(3, APP_VM, `${ch.name} logged in to mailbox ${box.box}@${box.context}`);
      let silent = 0;
      let announce = true;
      for (;;) {
        if (ch.hungUp()) return "hangup";
        const { new: nNew, old: nOld } = vm.counts(box);
        const intro: string[] = [];
        if (announce) {
          intro.push("vm-youhave");
          if (nNew > 0) intro.push(...countPrompts(nNew, "INBOX"));
          if (nNew > 0 && nOld > 0) intro.push("vm-and");
          if (nOld > 0) intro.push(...countPrompts(nOld, "Old"));
          if (nNew === 0 && nOld === 0) intro.push("vm-no", "vm-messages");
          if (mailboxFlag(box, "tempgreetwarn", vm.general.tempgreetwarn) && vm.spool(box).greeting("temp") !== undefined) intro.push("vm-tempgreetactive");
          announce = false;
        }
        const key = await askKey(ctx, [...intro, "vm-opts-full"], "1230*#");
        if (ch.hungUp()) return "hangup";
        if (key === undefined) {
          if (++silent >= MAX_SILENT_MENUS) break;
          continue;
        }
        silent = 0;
        if (key === "#") break;
        let r: "back" | "hangup" = "back";
        if (key === "1") r = await browse(ctx, vm, box, nNew > 0 ? "INBOX" : "Old");
        else if (key === "2") {
          const f = await askKey(ctx, ["vm-savefolder"], "01234");
          const folder = f === undefined ? undefined : FOLDERS[Number(f)];
          if (folder !== undefined) r = await browse(ctx, vm, box, folder);
        } else if (key === "0") await mailboxOptions(ctx, vm, box);
        if (r === "hangup") return "hangup";
        announce = key === "1" || key === "2";
      }
      if (!ch.hungUp()) await playPrompts(ctx, ["vm-goodbye"], "");
      return "hangup";
    },
  };
}
