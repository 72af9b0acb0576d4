import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { openDatabase, type Database } from "../../../../src/core/db/database.js";
import { moduleSchemaVersion } from "../../../../src/core/db/migrations.js";
import { CaptureLogger, nullLogger } from "../../../../src/core/logger.js";
import { SqliteContactStore } from "../../../../src/pbx/registrar/store/sqlite-contact-store.js";
import { contactStoreContract, makeContact, T0 } from "./contact-store-contract.js";

contactStoreContract("SqliteContactStore (batched)", () => {
  const db = openDatabase(":memory:", nullLogger);
  const store = new SqliteContactStore(db, { log: nullLogger });
  return { store, dispose: () => (store.close(), db.close()) };
});

contactStoreContract("SqliteContactStore (write-through)", () => {
  const db = openDatabase(":memory:", nullLogger);
  const store = new SqliteContactStore(db, { log: nullLogger, batchWrites: false });
  return { store, dispose: () => (store.close(), db.close()) };
});

function tempDb(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "sb-contacts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "switchboard.db");
}

function rowCount(db: Database): number {
  return Number(db.prepare("SELECT count(*) FROM registrar_contacts").pluck().get());
}

test("SqliteContactStore: contacts survive close and reopen with their absolute expiry", (t) => {
  const path = tempDb(t);
  const a = makeContact("6001", "sip:6001@192.0.2.50", { qValue: 0.7, expiresAt: T0 + 120_000 });
  const b = makeContact("6002", "sip:6002@192.0.2.51", { transport: "tcp" });
  const removed = makeContact("6003", "sip:6003@192.0.2.52");
  {
    const db = openDatabase(path, nullLogger);
    const s = new SqliteContactStore(db, { log: nullLogger });
    s.upsert(a);
    s.upsert(b);
    s.upsert(removed);
    s.remove(removed.id);
    s.close();
    db.close();
  }
  const db = openDatabase(path, nullLogger);
  const s = new SqliteContactStore(db, { log: nullLogger });
  assert.equal(s.count(), 2);
  assert.deepEqual(s.get(a.id), a);
  assert.deepEqual(s.get(b.id), b);
  assert.equal(s.get(removed.id), undefined);
  // Already expired by the time we restart: the registrar's first sweep removes it, durably.
  assert.deepEqual(s.removeExpired(T0 + 200_000).map((c) => c.id), [a.id]);
  s.close();
  assert.equal(rowCount(db), 1);
  db.close();
});

test("SqliteContactStore: writes of one turn are committed together on the next turn", async () => {
  const db = openDatabase(":memory:", nullLogger);
  const s = new SqliteContactStore(db, { log: nullLogger });
  for (let i = 0; i < 100; i++) s.upsert(makeContact(`6${i}`, `sip:${i}@x`));
  assert.equal(s.count(), 100, "reads see writes immediately");
  assert.equal(s.pendingWrites, 100);
  assert.equal(rowCount(db), 0, "nothing committed yet in this turn");
  await nextTurn();
  assert.equal(s.pendingWrites, 0);
  assert.equal(rowCount(db), 100);
  s.close();
  db.close();
});

test("SqliteContactStore: upsert then remove in one turn leaves no row", async () => {
  const db = openDatabase(":memory:", nullLogger);
  const s = new SqliteContactStore(db, { log: nullLogger });
  const c = makeContact("6001", "sip:a@x");
  s.upsert(c);
  s.remove(c.id);
  await nextTurn();
  assert.equal(rowCount(db), 0);
  s.close();
  db.close();
});

test("SqliteContactStore: write-through mode commits before upsert returns", () => {
  const db = openDatabase(":memory:", nullLogger);
  const s = new SqliteContactStore(db, { log: nullLogger, batchWrites: false });
  s.upsert(makeContact("6001", "sip:a@x"));
  assert.equal(rowCount(db), 1);
  s.close();
  db.close();
});

test("SqliteContactStore: registers its table under module 'registrar'", () => {
  const db = openDatabase(":memory:", nullLogger);
  const s = new SqliteContactStore(db, { log: nullLogger });
  assert.equal(moduleSchemaVersion(db, "registrar"), 1);
  s.close();
  db.close();
});

test("SqliteContactStore: a failed commit is logged as an error, not thrown", () => {
  const db = openDatabase(":memory:", nullLogger);
  const log = new CaptureLogger();
  const s = new SqliteContactStore(db, { log });
  db.exec("DROP TABLE registrar_contacts");
  s.upsert(makeContact("6001", "sip:a@x"));
  s.flush();
  assert.equal(log.find("failed to save contacts")?.level, "error");
  assert.equal(s.count(), 1, "memory stays authoritative");
  s.close();
  db.close();
});

test("SqliteContactStore: writing after close is a programming error", () => {
  const db = openDatabase(":memory:", nullLogger);
  const s = new SqliteContactStore(db, { log: nullLogger });
  s.close();
  assert.throws(() => s.upsert(makeContact("6001", "sip:a@x")), /after close/);
  db.close();
});
