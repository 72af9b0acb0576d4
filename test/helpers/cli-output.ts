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
