/**
 * The conference console commands, in app_confbridge's layouts: `confbridge list` (every
 * conference), `confbridge list <conference>` (its participants with their flags),
 * `confbridge kick <conference> <channel|all>`, `confbridge mute|unmute <conference> <channel|all>`.
 */
import { CliFailure, CliUsageError, type CommandRegistrar } from "../../core/commands.js";
import type { Conference, Conferences, Participant } from "./conference.js";

const yesNo = (b: boolean): string => (b ? "Yes" : "No");

const LIST_USAGE = `Usage: confbridge list [<name>]
       Lists all currently active conference bridges or a specific conference bridge.

       When a conference bridge name is provided, flags may be shown for users. Below
       are the flags and what they represent.

       Flags:
         A - The user is an admin
         M - The user is a marked user
         W - The user must wait for a marked user to join
         E - The user will be kicked after the last marked user leaves the conference
         m - The user is muted
         w - The user is waiting for a marked user to join
`;

export function conferencesText(list: readonly Conference[]): string {
  let out = "Conference Bridge Name           Users  Marked Locked Muted\n";
  out += "================================ ====== ====== ====== =====\n";
  for (const c of list) out += `${c.name.padEnd(32)} ${String(c.participants.length).padStart(6)} ${String(c.markedCount).padStart(6)} ${yesNo(c.locked).padEnd(6)} ${yesNo(false)}\n`;
  return out;
}

function flags(p: Participant): string {
  return (p.user.admin ? "A" : "") + (p.user.marked ? "M" : "") + (p.user.waitMarked ? "W" : "") + (p.user.endMarked ? "E" : "") + (p.muted ? "m" : "") + (p.waiting ? "w" : "");
}

export function participantsText(c: Conference): string {
  let out = "Channel                        Flags  User Profile     Bridge Profile   Menu             CallerID\n";
  out += "============================== ====== ================ ================ ================ ================\n";
  for (const p of c.participants) {
    const num = p.view().callerIdNum;
    out += `${p.name.padEnd(30)} ${flags(p).padEnd(6)} ${p.userProfile.padEnd(16)} ${c.bridgeProfile.padEnd(16)} ${p.menu.padEnd(16)} ${num.length > 0 ? num : "<unknown>"}\n`;
  }
  return out;
}

function conferenceNamed(all: Conferences, name: string): Conference {
  const c = all.get(name);
  if (c === undefined) throw new CliFailure(`No conference bridge named '${name}' found!\n`);
  return c;
}

export function registerConfbridgeCommands(registry: CommandRegistrar, all: Conferences): Array<() => void> {
  const names = (): string[] => all.list().map((c) => c.name);
  const channels = (conf: string | undefined): string[] => (conf === undefined ? [] : (all.get(conf)?.participants.map((p) => p.name) ?? []));
  const mute = (muted: boolean) => (args: string[]): string => {
    if (args.length !== 2) throw new CliUsageError();
    const [conf = "", who = ""] = args;
    const c = conferenceNamed(all, conf);
    const targets = who === "all" ? c.participants.map((p) => p.name) : who === "participants" ? c.participants.filter((p) => !p.user.admin).map((p) => p.name) : [who];
    for (const t of targets) if (!c.setMuted(t, muted)) throw new CliFailure(`No channel named '${who}' found in conference ${conf}\n`);
    return `${muted ? "Muting" : "Unmuting"} ${who} from confbridge ${conf}\n`;
  };
  const completeMember = ({ args }: { args: string[] }): string[] => (args.length === 0 ? names() : args.length === 1 ? [...channels(args[0]), "all"] : []);
  return [
    registry.register({
      command: "confbridge list",
      summary: "List conference bridges and participants.",
      usage: LIST_USAGE,
      handler: ({ args }) => {
        if (args.length === 0) return conferencesText(all.list());
        if (args.length === 1) return participantsText(conferenceNamed(all, args[0] ?? ""));
        throw new CliUsageError();
      },
      complete: ({ args }) => (args.length === 0 ? names() : []),
    }),
    registry.register({
      command: "confbridge kick",
      summary: "Kick participants out of conference bridges.",
      usage: "Usage: confbridge kick <conference> <channel>\n       Kicks a channel out of the conference bridge.\n             (all to kick everyone, participants to kick non-admins).\n",
      handler: ({ args }) => {
        if (args.length !== 2) throw new CliUsageError();
        const [conf = "", who = ""] = args;
        const c = conferenceNamed(all, conf);
        if (who === "participants") {
          const out = c.participants.filter((p) => !p.user.admin);
          for (const p of out) p.sendOut("KICKED");
          return `All non-admin participants have been kicked out of conference '${conf}'\n`;
        }
        if (c.kick(who) === 0) throw new CliFailure(`No participant named '${who}' found!\n`);
        return who === "all" ? `All participants have been kicked out of conference '${conf}'\n` : `Kicked '${who}' out of conference '${conf}'\n`;
      },
      complete: completeMember,
    }),
    registry.register({
      command: "confbridge mute",
      summary: "Mute participants in a conference.",
      usage: "Usage: confbridge mute <conference> <channel>\n       Mute a channel in a conference.\n              (all to mute everyone, participants to mute non-admins)\n",
      handler: ({ args }) => mute(true)(args),
      complete: completeMember,
    }),
    registry.register({
      command: "confbridge unmute",
      summary: "Unmute participants in a conference.",
      usage: "Usage: confbridge unmute <conference> <channel>\n       Unmute a channel in a conference.\n              (all to unmute everyone, participants to unmute non-admins)\n",
      handler: ({ args }) => mute(false)(args),
      complete: completeMember,
    }),
  ];
}
