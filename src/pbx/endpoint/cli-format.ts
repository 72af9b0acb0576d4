/**
 * Row formats of the `pjsip show …` commands, laid out like Asterisk's (see
 * shared/reference/asterisk.md §2.3): a label right-aligned in an indent that grows by two per
 * nesting level, then fixed-width columns, and a rule of 90 `=`.
 */
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

/** Header block + rule, blocks separated by blank lines, and the `Objects found` footer. */
export function listing(header: string[], blocks: string[][], nested: boolean): string {
  if (blocks.length === 0) return "No objects found.\n";
  const out: string[] = ["", ...header, RULE, ""];
  if (nested) {
    for (const b of blocks) out.push(...b, "");
  } else {
    for (const b of blocks) out.push(...b);
  }
  out.push("", `Objects found: ${blocks.length}`, "");
  return out.join("\n");
}

/** The detail table of `pjsip show endpoint <id>` and friends: ` name : value` per option. */
export function parameterTable(rows: Array<[string, string]>): string {
  const out = [" ParameterName                      : ParameterValue", " " + "=".repeat(59)];
  for (const [k, v] of rows) out.push(` ${k.padEnd(35)}: ${v}`);
  return out.join("\n") + "\n";
}
