/**
 * Parsers for the console tables Switchboard prints in Asterisk's layouts
 * (reference/asterisk.md §2.3), so tests assert on fields rather than on whitespace.
 */

export interface ContactRow {
  readonly aor: string;
  readonly uri: string;
  readonly hash: string;
  /** Avail, Unavail, Unknown, NonQual. */
  readonly status: string;
  readonly rtt: string;
}

/** Rows of `pjsip show contacts` (and the Contact lines nested in `pjsip show endpoints`). */
export function parseContacts(text: string): ContactRow[] {
  const out: ContactRow[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*Contact:\s+([^/\s]+)\/(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (m === null || line.includes("<Aor/ContactUri")) continue;
    out.push({ aor: m[1] ?? "", uri: m[2] ?? "", hash: m[3] ?? "", status: m[4] ?? "", rtt: m[5] ?? "" });
  }
  return out;
}

/** The N of the trailing "Objects found: N" line; 0 for "No objects found."; undefined otherwise. */
export function objectsFound(text: string): number | undefined {
  if (/No objects found\./.test(text)) return 0;
  const m = /Objects found: (\d+)/.exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/**
 * The rows of the parameter table of `pjsip show <type> <id>` (` name : value`), by name. The
 * name column's width is read from the ` ParameterName … : ParameterValue` header; a row whose
 * ` : ` is not in that column throws, so a misaligned table fails the test that reads it.
 */
export function parameters(text: string): Map<string, string> {
  const lines = text.split("\n");
  const head = lines.findIndex((l) => /^ ParameterName +: ParameterValue$/.test(l));
  if (head < 0) throw new Error(`no ParameterName header in:\n${text}`);
  const colon = (lines[head] ?? "").indexOf(" : ");
  if (!/^ =+$/.test(lines[head + 1] ?? "")) throw new Error(`no === rule under the ParameterName header:\n${text}`);
  const out = new Map<string, string>();
  for (const line of lines.slice(head + 2)) {
    if (line === "") break;
    if (line.slice(colon, colon + 3) !== " : ") throw new Error(`parameter row not aligned with the header (' : ' at ${colon}): ${JSON.stringify(line)}`);
    out.set(line.slice(1, colon).trimEnd(), line.slice(colon + 3));
  }
  return out;
}
