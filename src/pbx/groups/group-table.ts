/**
 * Channel groups (`Set(GROUP(trunk)=out)`): which channel belongs to which group, per category.
 * A channel is in at most one group of each category (the default category has no name); setting
 * a group of a category it is already in moves it, an empty group takes it out. Memberships are
 * kept in the order they were made, which is the order `group show channels` lists them.
 *
 * Matching follows Asterisk's: group and category names compare case-insensitively; a count
 * without a category counts the group in every category; GROUP_MATCH_COUNT's patterns are
 * regular expressions searched anywhere in the name (case-sensitive, as POSIX regexec is).
 */

export interface GroupMembership {
  /** `PJSIP/1001-00000001` */
  readonly channel: string;
  readonly group: string;
  /** "" for the default category. */
  readonly category: string;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** `group@category` → its two parts (no `@`: the default category). */
export function splitGroup(spec: string): { group: string; category: string } {
  const at = spec.indexOf("@");
  return at < 0 ? { group: spec, category: "" } : { group: spec.slice(0, at), category: spec.slice(at + 1) };
}

/** A POSIX extended regular expression as a JavaScript one; undefined when it does not compile. */
export function groupPattern(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}

export class GroupTable {
  private entries: GroupMembership[] = [];

  /** Puts `channel` in `group` of `category`, replacing its group of that category; an empty group only removes it. */
  set(channel: string, group: string, category = ""): void {
    this.entries = this.entries.filter((e) => !(e.channel === channel && same(e.category, category)));
    if (group !== "") this.entries.push({ channel, group, category });
  }

  /** The channel's group in `category` ("" = the default category), or "". */
  groupOf(channel: string, category = ""): string {
    return this.entries.find((e) => e.channel === channel && same(e.category, category))?.group ?? "";
  }

  /** The channel's memberships, oldest first. */
  of(channel: string): GroupMembership[] {
    return this.entries.filter((e) => e.channel === channel);
  }

  /** Channels in `group`: of `category`, or of every category when it is "". */
  count(group: string, category = ""): number {
    if (group === "") return 0;
    return this.entries.filter((e) => same(e.group, group) && (category === "" || same(e.category, category))).length;
  }

  /** Memberships whose group matches `group` (and whose category matches `category`, when given). */
  matchCount(group: RegExp, category?: RegExp): number {
    return this.entries.filter((e) => group.test(e.group) && (category === undefined || (e.category !== "" && category.test(e.category)))).length;
  }

  /** Every membership, oldest first. */
  list(): readonly GroupMembership[] {
    return this.entries;
  }

  /** The channel is gone: it leaves every group. */
  discard(channel: string): void {
    if (this.entries.some((e) => e.channel === channel)) this.entries = this.entries.filter((e) => e.channel !== channel);
  }

  clear(): void {
    this.entries = [];
  }
}
