/**
 * Contact store throughput: upserts per second for the in-memory store and for the SQLite store
 * on a real file (WAL, synchronous=NORMAL), batched per event-loop turn and write-through.
 *
 *   node --import tsx bench/contact-store.ts [contacts=50000] [perTurn=500]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { openDatabase } from "../src/core/db/database.js";
import { nullLogger } from "../src/core/logger.js";
import { contactId, type ContactRecord, type ContactStore } from "../src/pbx/registrar/store/contact-store.js";
import { MemoryContactStore } from "../src/pbx/registrar/store/memory-contact-store.js";
import { SqliteContactStore } from "../src/pbx/registrar/store/sqlite-contact-store.js";

const total = Number(process.argv[2] ?? 50_000);
const perTurn = Number(process.argv[3] ?? 500);
const now = Date.now();

function contact(i: number): ContactRecord {
  const aor = `user${i % 10_000}`;
  const uri = `sip:${aor}@10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5060;transport=udp`;
  return {
    id: contactId(aor, uri), aor, uri, expiresAt: now + 3_600_000, endpoint: aor, userAgent: "Bench/1.0",
    viaAddr: "10.0.0.1", viaPort: 5060, callId: `bench-${i}`, cseq: i, path: "", regServer: "",
    sourceAddress: "203.0.113.9", sourcePort: 40000 + (i % 20000), transport: "udp", createdAt: now,
  };
}

const records = Array.from({ length: total }, (_, i) => contact(i));

async function measure(name: string, store: ContactStore, flush: () => void): Promise<void> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    store.upsert(records[i] as ContactRecord);
    if ((i + 1) % perTurn === 0) await nextTurn();
  }
  flush();
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(`${name.padEnd(40)} ${Math.round(total / secs).toLocaleString("en-US").padStart(12)} upserts/s  (${total} in ${secs.toFixed(2)} s)\n`);
}

const dir = mkdtempSync(join(tmpdir(), "sb-bench-"));
try {
  await measure("memory", new MemoryContactStore(), () => {});
  for (const batchWrites of [true, false]) {
    const db = openDatabase(join(dir, `contacts-${batchWrites}.db`), nullLogger);
    const store = new SqliteContactStore(db, { log: nullLogger, batchWrites });
    await measure(`sqlite file, ${batchWrites ? `batched (${perTurn}/turn)` : "write-through"}`, store, () => store.flush());
    store.close();
    db.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
