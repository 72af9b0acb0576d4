/**
 * `group show channels [pattern]`: every group membership, one line each, in the layout of
 * Asterisk's CLI command (three left-aligned columns of 25, 20 and 20 characters, two spaces
 * apart; `(default)` for the unnamed category; a count of lines at the end). The optional
 * pattern is a regular expression matched against the group names.
 */
import { CliUsageError, type CliCommand } from "../../core/commands.js";
import { groupPattern, type GroupMembership, type GroupTable } from "./group-table.js";

const row = (channel: string, group: string, category: string): string => `${channel.padEnd(25)}  ${group.padEnd(20)}  ${category.padEnd(20)}\n`;

/** The listing of `memberships` (already filtered). */
export function showGroupChannels(memberships: readonly GroupMembership[]): string {
  let out = row("Channel", "Group", "Category");
  for (const m of memberships) out += row(m.channel, m.group, m.category === "" ? "(default)" : m.category);
  const n = memberships.length;
  return out + `${n} active channel${n === 1 ? "" : "s"}\n`;
}

export function groupShowChannelsCommand(table: GroupTable): CliCommand {
  return {
    command: "group show channels",
    summary: "Display active channels with group(s)",
    usage: "Usage: group show channels [pattern]\n       Lists all currently active channels with channel group(s) specified.\n       Optional regular expression pattern is matched to group names for each\n       channel.\n",
    handler: ({ args }) => {
      if (args.length > 1) throw new CliUsageError();
      const source = args[0];
      const pattern = source === undefined ? undefined : groupPattern(source);
      if (source !== undefined && pattern === undefined) throw new CliUsageError();
      return showGroupChannels(table.list().filter((m) => pattern === undefined || pattern.test(m.group)));
    },
  };
}
