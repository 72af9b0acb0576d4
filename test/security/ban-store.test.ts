import { test } from "node:test";
import assert from "node:assert/strict";
import { openDatabase, moduleSchemaVersion } from "../../src/core/db/index.js";
import { nullLogger } from "../../src/core/logger.js";
import { BanList, type Ban } from "../../src/security/ban-list.js";
import { BanStore, GUARD_MIGRATIONS } from "../../src/security/ban-store.js";

function ban(ip: string, expiresAt: number, user?: string): Ban {
  return { ip, ...(user !== undefined ? { user } : {}), scope: user !== undefined ? "user" : "ip", createdAt: 0, expiresAt, reason: "r", evidence: { n: 1, users: ["a"] }, level: 2, source: "guard" };
}

test("ban list: isBanned is true until expiry; prune removes and returns expired bans", () => {
  const list = new BanList();
  list.add(ban("192.0.2.1", 1000));
  list.add(ban("192.0.2.1", 2000, "2001"));
  assert.equal(list.isBanned("192.0.2.1", 999), true);
  assert.equal(list.isBanned("192.0.2.1", 1000), false);
  assert.equal(list.isUserBanned("192.0.2.1", "2001", 1500), true);
  assert.equal(list.isUserBanned("192.0.2.1", "2002", 1500), false);
  assert.deepEqual(list.prune(1500).map((b) => b.scope), ["ip"]);
  assert.equal(list.size, 1);
  assert.equal(list.remove("192.0.2.1").length, 1);
  assert.equal(list.size, 0);
});

test("ban store: migrations register under the module 'guard'", () => {
  const db = openDatabase(":memory:", nullLogger);
  new BanStore(db, { log: nullLogger });
  assert.equal(moduleSchemaVersion(db, "guard"), GUARD_MIGRATIONS.length);
});

test("ban store: batched writes are committed on the next turn and read back with evidence; permanent bans keep Infinity", async () => {
  const db = openDatabase(":memory:", nullLogger);
  const store = new BanStore(db, { log: nullLogger });
  store.saveBan(ban("192.0.2.1", Infinity));
  store.saveBan(ban("192.0.2.2", 5000, "2001"));
  assert.equal((db.prepare("SELECT COUNT(*) AS n FROM guard_bans").get() as { n: number }).n, 0, "not yet committed");
  await new Promise((r) => setImmediate(r));
  const loaded = new BanStore(db, { log: nullLogger }).loadBans(0);
  assert.deepEqual(loaded.map((b) => [b.ip, b.user, b.expiresAt, b.level]), [["192.0.2.1", undefined, Infinity, 2], ["192.0.2.2", "2001", 5000, 2]]);
  assert.deepEqual(loaded[0]?.evidence, { n: 1, users: ["a"] });
});

test("ban store: loading drops expired bans; prune drops old offences", () => {
  const db = openDatabase(":memory:", nullLogger);
  const store = new BanStore(db, { log: nullLogger, batchWrites: false });
  store.saveBan(ban("192.0.2.1", 1000));
  store.saveBan(ban("192.0.2.2", 3000));
  store.recordOffence("192.0.2.1", 100, "scanner");
  store.recordOffence("192.0.2.1", 900, "scanner");
  assert.deepEqual(store.loadBans(2000).map((b) => b.ip), ["192.0.2.2"]);
  assert.deepEqual(store.loadOffences(500).map((o) => o.at), [900]);
  store.prune(1000, 5000);
  assert.deepEqual(store.loadOffences(0), []);
  assert.deepEqual(store.loadBans(0), []);
});

test("ban store: removeBans deletes the address and username bans of one address", () => {
  const db = openDatabase(":memory:", nullLogger);
  const store = new BanStore(db, { log: nullLogger, batchWrites: false });
  store.saveBan(ban("192.0.2.1", 9000));
  store.saveBan(ban("192.0.2.1", 9000, "2001"));
  store.saveBan(ban("192.0.2.2", 9000));
  store.removeBans("192.0.2.1");
  assert.deepEqual(store.loadBans(0).map((b) => b.ip), ["192.0.2.2"]);
});
