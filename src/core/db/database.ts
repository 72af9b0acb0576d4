/**
 * The SQLite database Switchboard keeps its runtime state in (registrations, bans…), much like
 * Asterisk's astdb. One file, opened once by the server and shared by feature modules, each of
 * which owns its tables and registers their migrations (see migrations.ts).
 *
 * Settings: WAL so readers never wait for the writer and a crash cannot corrupt committed data;
 * `synchronous=NORMAL`, which with WAL may lose the last transactions on power loss but never
 * corrupts the file (the usual trade-off for state that phones re-send on their next REGISTER);
 * a busy timeout so a CLI tool reading the same file does not make us fail.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { PbxError } from "../errors.js";
import type { Logger } from "../logger.js";

export type Database = BetterSqlite3.Database;

export interface OpenDatabaseOptions {
  /** How long a statement waits for a lock held by another connection (ms, default 5000). */
  busyTimeoutMs?: number;
  /** Run `PRAGMA quick_check` at open to refuse a damaged file early (default true). */
  integrityCheck?: boolean;
}

const IN_MEMORY = ":memory:";

/**
 * Opens (creating if needed) the database at `path`; `":memory:"` gives a private in-memory one
 * for tests. A file that is not SQLite or is damaged raises PbxError("STORE") naming the file and
 * telling the user to move it away; we never delete or overwrite user data ourselves.
 */
export function openDatabase(path: string, log: Logger, opts: OpenDatabaseOptions = {}): Database {
  const dlog = log.child({ category: "core.db" });
  if (path !== IN_MEMORY) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new PbxError("STORE", `cannot create the directory for database ${path}: ${errorText(err)}`, { cause: err });
    }
  }
  let db: Database;
  try {
    db = new BetterSqlite3(path);
  } catch (err) {
    throw new PbxError("STORE", `cannot open database ${path}: ${errorText(err)}. Check that the directory exists and is writable by this user.`, { cause: err });
  }
  try {
    // Reading the journal mode is the first access to the file header, so "file is not a
    // database" surfaces here rather than on the first query of some feature.
    db.pragma("journal_mode = WAL");
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    if (opts.integrityCheck ?? true) {
      const result = db.pragma("quick_check", { simple: true });
      if (result !== "ok") throw new Error(`integrity check failed: ${String(result)}`);
    }
  } catch (err) {
    try {
      db.close();
    } catch {
      // Closing a connection to a damaged file may itself fail; the original error matters.
    }
    throw new PbxError("STORE", corruptMessage(path, err), { cause: err });
  }
  dlog.debug({ path }, "database opened");
  return db;
}

function corruptMessage(path: string, err: unknown): string {
  return (
    `database ${path} is unreadable (${errorText(err)}). It is probably damaged or not an SQLite file. ` +
    `Stop Switchboard, move it away (for example: mv ${path} ${path}.broken, together with any ${path}-wal and ${path}-shm), ` +
    `and start again to create a fresh one; registrations will come back as phones re-register. ` +
    `Switchboard does not delete the file for you.`
  );
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
