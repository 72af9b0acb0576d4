/**
 * The CSV backend (cdr.conf `[csv]`): one line per record appended to cdr-csv/Master.csv in the
 * data directory, in Asterisk's column order, and to cdr-csv/<accountcode>.csv when the record
 * has an account code and accountlogs=yes:
 *
 *   accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
 *   start, answer, end, duration, billsec, disposition, amaflags
 *   [, uniqueid] [, userfield] [, peeraccount, linkedid, sequence]
 *
 * Text and times are quoted (a quote inside is doubled), the durations and sequence are bare
 * numbers. Each line is appended at once, so a crash loses no finished call.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CdrCsv } from "../../config/cdr/cdr-schema.js";
import { formatCdrTime } from "./cdr-record.js";
import type { FinishedCdr } from "./cdr-engine.js";

function quoted(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** The Master.csv line of a record (with its newline). */
export function csvLine(f: FinishedCdr, o: CdrCsv, initiatedSeconds: boolean): string {
  const r = f.record;
  const end = r.end ?? r.start;
  const cols = [
    quoted(r.accountCode),
    quoted(r.callerIdNum),
    quoted(r.dst),
    quoted(r.dcontext),
    quoted(r.clid),
    quoted(r.channel),
    quoted(r.b?.channel ?? ""),
    quoted(r.lastapp),
    quoted(r.lastdata),
    quoted(formatCdrTime(r.start, o.usegmtime)),
    quoted(formatCdrTime(r.answer, o.usegmtime)),
    quoted(formatCdrTime(r.end, o.usegmtime)),
    String(r.duration(end)),
    String(r.billsec(end, initiatedSeconds)),
    quoted(f.disposition),
    quoted(r.amaflags),
  ];
  if (o.loguniqueid) cols.push(quoted(r.uniqueid));
  if (o.loguserfield) cols.push(quoted(r.userfield));
  if (o.newcdrcolumns) cols.push(quoted(r.b?.accountCode ?? ""), quoted(r.linkedid), String(r.sequence));
  return cols.join(",") + "\n";
}

/** An account code usable as a file name (no path separators, not hidden). */
function safeAccount(code: string): boolean {
  return code.length > 0 && !code.includes("/") && !code.includes("\\") && !code.startsWith(".") && !code.includes("\0");
}

export class CsvBackend {
  readonly name = "csv";
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, "cdr-csv");
  }

  get masterPath(): string {
    return join(this.dir, "Master.csv");
  }

  /** Appends the record; throws (with the file named) when the file cannot be written. */
  write(f: FinishedCdr, o: CdrCsv, initiatedSeconds: boolean): void {
    const line = csvLine(f, o, initiatedSeconds);
    mkdirSync(this.dir, { recursive: true });
    append(this.masterPath, line);
    const code = f.record.accountCode;
    if (o.accountlogs && safeAccount(code)) append(join(this.dir, `${code}.csv`), line);
  }
}

function append(path: string, line: string): void {
  try {
    appendFileSync(path, line);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot append to ${path} (${why}); check that the directory exists and is writable by the user Switchboard runs as`, { cause: err });
  }
}
