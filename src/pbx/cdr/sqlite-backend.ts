/**
 * The SQLite backend (cdr_sqlite3_custom.conf `[master]`): a row per record in `table` of
 * master.db in the data directory. The table is created on first use with an `AcctId` key and
 * the configured columns; each value is dialplan text in which `${CDR(field[,options])}` reads
 * the record and `${name}` a CDR variable (set with `CDR(name)=`), as Asterisk evaluates them
 * on the record, not on the channel.
 */
import { join } from "node:path";
import type { CdrSqliteConfig } from "../../config/index.js";
import { openDatabase, type Database } from "../../core/db/database.js";
import type { Logger } from "../../core/logger.js";
import { substitute } from "../dialplan/substitute.js";
import type { FinishedCdr } from "./cdr-engine.js";
import { readCdrFunction } from "./cdr-functions.js";

export class SqliteBackend {
  readonly name = "sqlite3_custom";
  readonly path: string;
  private db: Database | undefined;
  private insert: { sql: string; run: (values: string[]) => void } | undefined;

  constructor(dataDir: string, private readonly log: Logger) {
    this.path = join(dataDir, "master.db");
  }

  /** The row's values for a record. */
  static values(f: FinishedCdr, c: CdrSqliteConfig, initiatedSeconds: boolean, warn: (m: string) => void): string[] {
    const r = f.record;
    const now = r.end ?? r.start;
    const scope = {
      getVar: (name: string) => r.vars.get(name),
      readFunc: (name: string, args: string) => {
        if (name.toUpperCase() === "CDR") return readCdrFunction(r, args, { now, initiatedSeconds, pendingDisposition: f.disposition }, warn);
        warn(`cdr_sqlite3_custom.conf: only CDR() can be read in values, not ${name}()`);
        return "";
      },
      warn,
    };
    return c.values.map((v) => substitute(v, scope));
  }

  write(f: FinishedCdr, c: CdrSqliteConfig, initiatedSeconds: boolean): void {
    const sql = `INSERT INTO ${c.table} (${c.columns.join(", ")}) VALUES (${c.columns.map(() => "?").join(", ")})`;
    if (this.db === undefined) this.db = openDatabase(this.path, this.log, { busyTimeoutMs: c.busyTimeoutMs, integrityCheck: false });
    if (this.insert?.sql !== sql) {
      const db = this.db;
      db.exec(`CREATE TABLE IF NOT EXISTS ${c.table} (AcctId INTEGER PRIMARY KEY, ${c.columns.map((col) => `${col} VARCHAR`).join(", ")})`);
      let stmt;
      try {
        stmt = db.prepare(sql);
      } catch (err) {
        throw new Error(`table ${c.table} in ${this.path} does not have the columns cdr_sqlite3_custom.conf names (${err instanceof Error ? err.message : String(err)}); rename the table or the columns`, { cause: err });
      }
      this.insert = { sql, run: (values) => void stmt.run(...values) };
    }
    this.insert.run(SqliteBackend.values(f, c, initiatedSeconds, (m) => this.log.warn({}, m)));
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
    this.insert = undefined;
  }
}
