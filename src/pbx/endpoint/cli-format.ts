/**
 * Row formats of the `pjsip show …` commands, laid out like Asterisk's (see
 * shared/reference/asterisk.md §2.3): a label right-aligned in an indent that grows by two per
 * nesting level, then fixed-width columns, and a rule of 90 `=`.
 */
import { CliUsageError } from "../../core/commands.js";

export const RULE = "=".repeat(90);

function indentFor(level: number): number {
  return 9 + 2 * level;
}

function fit(s: string, width: number): string {
  return s.length > width ? s.slice(0, width) : s.padEnd(width);
}

export function endpointRow(level: number, idCid: string, state: string, channels: string): string {
  return `${"Endpoint".padStart(indentFor(level))}:  ${fit(idCid, 51 - 2 * level)}  ${fit(state, 12)}  ${channels}`;
}

export function authRow(level: number, label: string, idUser: string): string {
  return `${label.padStart(indentFor(level))}:  ${idUser}`;
}

export function aorRow(level: number, id: string, maxContacts: number): string {
  return `${"Aor".padStart(indentFor(level))}:  ${fit(id, 51 - 2 * level)}  ${maxContacts}`;
}

export const STATUS_LABEL: Record<string, string> = {
  Reachable: "Avail",
  Unreachable: "Unavail",
  Unknown: "Unknown",
  NonQualified: "NonQual",
};

export function contactRow(level: number, aorUri: string, hash: string, status: string, rttMs: number | undefined): string {
  const rtt = rttMs === undefined ? "nan" : rttMs.toFixed(3);
  return `${"Contact".padStart(indentFor(level))}:  ${fit(aorUri, 46 - 2 * level)} ${fit(hash, 10)} ${fit(status, 7)} ${rtt.padStart(11)}`;
}

export function transportRow(level: number, id: string, type: string, cos: number, tos: number, bind: string): string {
  return `${"Transport".padStart(indentFor(level))}:  ${id.padEnd(21)}  ${type.padStart(6)}  ${String(cos).padStart(5)}  ${String(tos).padStart(5)}  ${bind}`;
}

export function identifyRow(level: number, idEndpoint: string): string {
  return `${"Identify".padStart(indentFor(level))}:  ${idEndpoint}`;
}

export function matchRow(level: number, criteria: string): string {
  return `${"Match".padStart(indentFor(level))}:  ${criteria}`;
}

/**
 * Header block + rule, then the rows, then `Objects found: N` and a blank line. Nested listings
 * (objects with child rows, e.g. endpoints with their auths and contacts) put a blank line after
 * each object; flat ones (contacts, auths, transports) do not.
 */
export function listing(header: readonly string[], blocks: readonly string[][], nested: boolean): string {
  if (blocks.length === 0) return "No objects found.\n\n";
  const out: string[] = ["", ...header, RULE, ""];
  for (const b of blocks) {
    out.push(...b);
    if (nested) out.push("");
  }
  out.push("", `Objects found: ${blocks.length}`, "", "");
  return out.join("\n");
}

/** `pjsip show <type> <id>`: the object's rows as in the listing, then its parameter table. */
export function detail(header: readonly string[], block: readonly string[], rows: ReadonlyArray<readonly [string, string]>): string {
  return ["", ...header, RULE, "", ...block, "", "", ""].join("\n") + parameterTable(rows);
}

/**
 * The detail table: ` name : value` per option. The name column is as wide as the longest name
 * and the rule under the header spans the name column, the ` : ` and the longest value, as in
 * Asterisk; a blank line ends the table.
 */
export function parameterTable(rows: ReadonlyArray<readonly [string, string]>): string {
  const nameWidth = Math.max("ParameterName".length, ...rows.map(([k]) => k.length));
  const valueWidth = Math.max("ParameterValue".length, ...rows.map(([, v]) => v.length));
  const out = [` ${"ParameterName".padEnd(nameWidth)} : ParameterValue`, " " + "=".repeat(nameWidth + 3 + valueWidth)];
  for (const [k, v] of rows) out.push(` ${k.padEnd(nameWidth)} : ${v}`);
  return out.join("\n") + "\n\n";
}

/** Asterisk lists objects sorted by id. */
export function byId<T extends { id: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Asterisk's containers accept `like <regex>`. */
export function filterLike<T>(items: T[], args: string[], key: (t: T) => string): T[] {
  if (args.length === 0) return items;
  if (args[0]?.toLowerCase() !== "like" || args[1] === undefined) throw new CliUsageError();
  let re: RegExp;
  try {
    re = new RegExp(args[1]);
  } catch {
    throw new CliUsageError(`invalid regular expression '${args[1]}'`);
  }
  return items.filter((t) => re.test(key(t)));
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
