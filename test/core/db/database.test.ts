import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CaptureLogger, nullLogger } from "../../../src/core/logger.js";
import { PbxError } from "../../../src/core/errors.js";
import { openDatabase } from "../../../src/core/db/database.js";
import { moduleSchemaVersion, registerMigrations } from "../../../src/core/db/migrations.js";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "sb-db-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("openDatabase: new file is created in WAL mode with synchronous=NORMAL and a busy timeout", (t) => {
  const path = join(tempDir(t), "sub", "switchboard.db");
  const db = openDatabase(path, nullLogger);
  try {
    assert.ok(existsSync(path));
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    assert.equal(db.pragma("synchronous", { simple: true }), 1); // NORMAL
    assert.equal(db.pragma("busy_timeout", { simple: true }), 5000);
  } finally {
    db.close();
  }
});

test("openDatabase: a file that is not SQLite raises STORE naming the path, and the file is kept", (t) => {
  const path = join(tempDir(t), "switchboard.db");
  const junk = "this is not a database, but it is the user's file ".repeat(200);
  writeFileSync(path, junk);
  assert.throws(
    () => openDatabase(path, nullLogger),
    (err: unknown) => err instanceof PbxError && err.code === "STORE" && err.message.includes(path) && /move it away/.test(err.message),
  );
  assert.equal(readFileSync(path, "utf8"), junk, "never delete or rewrite user data");
});

test("openDatabase: an unwritable location raises STORE, not a raw SQLite error", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "file"), "x");
  // The parent "directory" is a regular file, so neither mkdir nor open can succeed.
  assert.throws(() => openDatabase(join(dir, "file", "db.sqlite"), nullLogger), (err: unknown) => err instanceof PbxError && err.code === "STORE");
});

test("migrations: each module's migrations run once and its version is recorded", () => {
  const db = openDatabase(":memory:", nullLogger);
  const log = new CaptureLogger();
  const r1 = registerMigrations(db, "registrar", ["CREATE TABLE a(x INTEGER)", "ALTER TABLE a ADD COLUMN y TEXT"], log);
  assert.deepEqual(r1, { module: "registrar", from: 0, to: 2 });
  assert.ok(log.find("database schema migrated"));
  const r2 = registerMigrations(db, "registrar", ["CREATE TABLE a(x INTEGER)", "ALTER TABLE a ADD COLUMN y TEXT", "CREATE INDEX a_y ON a(y)"]);
  assert.deepEqual(r2, { module: "registrar", from: 2, to: 3 });
  registerMigrations(db, "guard", ["CREATE TABLE bans(ip TEXT)"]);
  assert.equal(moduleSchemaVersion(db, "registrar"), 3);
  assert.equal(moduleSchemaVersion(db, "guard"), 1);
  assert.equal(moduleSchemaVersion(db, "nobody"), 0);
  assert.equal(db.pragma("user_version", { simple: true }), 1);
  db.close();
});

test("migrations: a failing migration rolls the module back to its previous version", () => {
  const db = openDatabase(":memory:", nullLogger);
  registerMigrations(db, "m", ["CREATE TABLE a(x)"]);
  assert.throws(
    () => registerMigrations(db, "m", ["CREATE TABLE a(x)", "CREATE TABLE b(x)", "THIS IS NOT SQL"]),
    (err: unknown) => err instanceof PbxError && err.code === "STORE" && /migration 3 of module "m"/.test(err.message),
  );
  assert.equal(moduleSchemaVersion(db, "m"), 1);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='b'").all();
  assert.equal(tables.length, 0, "table b from the failed batch is rolled back");
  db.close();
});

test("migrations: a database from a newer Switchboard is refused, not misread", () => {
  const db = openDatabase(":memory:", nullLogger);
  registerMigrations(db, "m", ["CREATE TABLE a(x)", "CREATE TABLE b(x)"]);
  assert.throws(() => registerMigrations(db, "m", ["CREATE TABLE a(x)"]), /newer than this Switchboard knows/);
  db.pragma("user_version = 99");
  assert.throws(() => registerMigrations(db, "other", []), /newer Switchboard/);
  db.close();
});

test("migrations: a module name that is not a simple identifier is a programming error", () => {
  const db = openDatabase(":memory:", nullLogger);
  assert.throws(() => registerMigrations(db, "Bad Name", []), (err: unknown) => err instanceof PbxError && err.code === "INVALID_ARGUMENT");
  db.close();
});
