/**
 * A small migration runner. Two levels:
 *
 *  - `PRAGMA user_version` versions the core bookkeeping itself (today: the existence of the
 *    `schema_versions` table).
 *  - Each feature module owns its tables and registers an append-only list of SQL migrations;
 *    `schema_versions(module, version)` records how many of them have run. The registrar's
 *    contacts and the security guard's bans evolve independently, and unloading a module never
 *    touches another module's tables.
 *
 * Migrations run in one IMMEDIATE transaction per module, so a failing step leaves the module at
 * its previous version instead of half-migrated.
 */
import { PbxError } from "../errors.js";
import type { Logger } from "../logger.js";
import { errorText, type Database } from "./database.js";

/** Version of the core bookkeeping schema stored in `user_version`. */
export const CORE_SCHEMA_VERSION = 1;

const CORE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS schema_versions (
     module  TEXT PRIMARY KEY,
     version INTEGER NOT NULL
   ) STRICT`,
];

const MODULE_NAME = /^[a-z][a-z0-9_.-]*$/;

function userVersion(db: Database): number {
  return Number(db.pragma("user_version", { simple: true }));
}

/** Brings the core bookkeeping schema up to date. Idempotent; `registerMigrations` calls it. */
export function ensureCoreSchema(db: Database): void {
  const current = userVersion(db);
  if (current === CORE_SCHEMA_VERSION) return;
  if (current > CORE_SCHEMA_VERSION) {
    throw new PbxError(
      "STORE",
      `database ${db.name} was written by a newer Switchboard (core schema ${current}, this version knows ${CORE_SCHEMA_VERSION}); ` +
        `upgrade Switchboard or move the database file away`,
    );
  }
  db.transaction(() => {
    for (let v = current; v < CORE_SCHEMA_VERSION; v++) db.exec(CORE_MIGRATIONS[v] ?? "");
    // PRAGMA takes no bound parameters; the value is our own integer constant.
    db.pragma(`user_version = ${CORE_SCHEMA_VERSION}`);
  }).immediate();
}

/** The number of migrations of `module` applied to this database (0 when none). */
export function moduleSchemaVersion(db: Database, module: string): number {
  ensureCoreSchema(db);
  const row = db.prepare<[string], { version: number }>("SELECT version FROM schema_versions WHERE module = ?").get(module);
  return row?.version ?? 0;
}

export interface MigrationResult {
  module: string;
  from: number;
  to: number;
}

/**
 * Applies the migrations of `module` that have not run yet. `migrations` is append-only: entry i
 * takes the module's schema from version i to i+1, and released entries are never edited.
 *
 * Throws PbxError("STORE") when a migration fails (the module stays at its previous version) or
 * when the database has more migrations recorded than this build knows (written by a newer
 * Switchboard), which we refuse rather than risk misreading the tables.
 */
export function registerMigrations(db: Database, module: string, migrations: readonly string[], log?: Logger): MigrationResult {
  if (!MODULE_NAME.test(module)) {
    throw new PbxError("INVALID_ARGUMENT", `migration module name must match ${MODULE_NAME}, got "${module}"`);
  }
  ensureCoreSchema(db);
  const read = db.prepare<[string], { version: number }>("SELECT version FROM schema_versions WHERE module = ?");
  const write = db.prepare<[string, number]>(
    "INSERT INTO schema_versions(module, version) VALUES (?, ?) ON CONFLICT(module) DO UPDATE SET version = excluded.version",
  );
  let from = 0;
  const run = db.transaction(() => {
    from = read.get(module)?.version ?? 0;
    if (from > migrations.length) {
      throw new PbxError(
        "STORE",
        `database ${db.name}: tables of module "${module}" are at version ${from}, newer than this Switchboard knows (${migrations.length}); ` +
          `upgrade Switchboard or move the database file away`,
      );
    }
    for (let v = from; v < migrations.length; v++) {
      try {
        db.exec(migrations[v] ?? "");
      } catch (err) {
        throw new PbxError("STORE", `database ${db.name}: migration ${v + 1} of module "${module}" failed: ${errorText(err)}`, { cause: err });
      }
    }
    if (migrations.length !== from) write.run(module, migrations.length);
  });
  run.immediate();
  if (migrations.length !== from) {
    log?.info({ module, from, to: migrations.length }, "database schema migrated");
  }
  return { module, from, to: migrations.length };
}
