/**
 * The dialplan functions of channel groups (Asterisk's func_groupcount): GROUP(), GROUP_COUNT(),
 * GROUP_MATCH_COUNT() and GROUP_LIST(), over one GroupTable shared by every call.
 *
 *   Set(GROUP()=${EXTEN})                 the default category
 *   Set(GROUP(trunk)=out)                 category `trunk`; `Set(GROUP()=out@trunk)` is the same
 *   Set(GROUP(trunk)=)                    leaves the group of category `trunk`
 *   ${GROUP_COUNT()}                      channels in this channel's (first) group
 *   ${GROUP_COUNT(out@trunk)}             channels in group `out` of category `trunk`
 *   ${GROUP_MATCH_COUNT(^sales-.*)}       channels in every group matching the expression
 */
import type { DialplanFunction } from "../funcs/registry.js";
import { groupPattern, splitGroup, type GroupTable } from "./group-table.js";

const cut = (s: string): string => s.slice(0, 80);

export function groupFunctions(table: GroupTable): DialplanFunction[] {
  const group: DialplanFunction = {
    name: "GROUP",
    synopsis: "Gets or sets the channel group.",
    read: (f, args) => table.groupOf(f.channel.name, args.trim()),
    write(f, args, value) {
      // As Asterisk does, the category argument is appended to the value and the whole split at its first `@`.
      const category = args.trim();
      const { group: name, category: cat } = splitGroup(category === "" ? value : `${value}@${category}`);
      table.set(f.channel.name, name.trim(), cat.trim());
    },
  };

  const groupCount: DialplanFunction = {
    name: "GROUP_COUNT",
    synopsis: "Counts the number of channels in the specified group.",
    read(f, args) {
      let { group: name, category } = splitGroup(args.trim());
      if (name === "") {
        // No group named: the channel's own group — of the category given, else its first one.
        const mine = table.of(f.channel.name).find((m) => category === "" || m.category.toLowerCase() === category.toLowerCase());
        if (mine !== undefined) {
          name = mine.group;
          category = mine.category;
        }
      }
      return String(table.count(name, category));
    },
  };

  const groupMatchCount: DialplanFunction = {
    name: "GROUP_MATCH_COUNT",
    synopsis: "Counts the number of channels in the groups matching the specified pattern.",
    read(f, args) {
      const { group: match, category } = splitGroup(args.trim());
      if (match === "") {
        f.log.notice({}, "GROUP_MATCH_COUNT: groupmatch empty");
        return "0";
      }
      const g = groupPattern(match);
      const c = category === "" ? undefined : groupPattern(category);
      if (g === undefined || (category !== "" && c === undefined)) {
        f.log.error({ pattern: cut(args) }, "GROUP_MATCH_COUNT: the regular expression does not compile");
        return "0";
      }
      return String(table.matchCount(g, c));
    },
  };

  const groupList: DialplanFunction = {
    name: "GROUP_LIST",
    synopsis: "Gets a list of the groups set on a channel.",
    read: (f) =>
      table
        .of(f.channel.name)
        .map((m) => (m.category === "" ? m.group : `${m.group}@${m.category}`))
        .join(" "),
  };

  return [group, groupCount, groupMatchCount, groupList];
}
