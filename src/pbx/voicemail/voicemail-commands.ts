/**
 * `voicemail show users [for <context>]`, `voicemail show zones`, `voicemail reload`, in
 * app_voicemail's layouts.
 */
import { CliUsageError, type CommandRegistrar } from "../../core/commands.js";
import type { Zone } from "../../config/index.js";
import type { Voicemail } from "./voicemail.js";

const pad = (s: string, n: number): string => s.padEnd(n);

export function formatUsers(vm: Voicemail, context?: string): string {
  const boxes = vm.all().filter((m) => context === undefined || m.context === context);
  if (boxes.length === 0) return context === undefined ? "There are no voicemail users currently defined\n" : `No such voicemail context "${context}"\n`;
  const row = (c: string, b: string, u: string, z: string, n: string): string => `${pad(c, 10)} ${pad(b, 5)} ${pad(u, 25)} ${pad(z, 10)} ${n.padStart(6)}\n`;
  let out = row("Context", "Mbox", "User", "Zone", "NewMsg");
  for (const m of boxes) out += row(m.context, m.box, m.fullName, m.options.get("tz") ?? "", String(vm.counts(m).new));
  return `${out}${boxes.length} voicemail users configured.\n`;
}

export function formatZones(zones: readonly Zone[]): string {
  if (zones.length === 0) return "There are no voice mail zones currently defined\n";
  const row = (a: string, b: string, c: string): string => `${pad(a, 15)} ${pad(b, 20)} ${pad(c, 45)}\n`;
  return row("Zone", "Timezone", "Message Format") + zones.map((z) => row(z.name, z.timezone, z.format)).join("");
}

export function registerVoicemailCommands(commands: CommandRegistrar, vm: Voicemail, o: { zones: () => readonly Zone[]; reload: () => string }): Array<() => void> {
  return [
    commands.register({
      command: "voicemail show users",
      summary: "List defined voicemail boxes",
      usage: "Usage: voicemail show users [for <context>]\n       Lists all mailboxes currently set up\n",
      handler: ({ args }) => {
        if (args.length === 0) return formatUsers(vm);
        if (args.length === 2 && args[0] === "for") return formatUsers(vm, args[1]);
        throw new CliUsageError();
      },
    }),
    commands.register({
      command: "voicemail show zones",
      summary: "List zone message formats",
      usage: "Usage: voicemail show zones\n       Lists zone message formats\n",
      handler: () => formatZones(o.zones()),
    }),
    commands.register({
      command: "voicemail reload",
      summary: "Reload voicemail configuration",
      usage: "Usage: voicemail reload\n       Reload voicemail configuration\n",
      handler: () => o.reload(),
    }),
  ];
}
