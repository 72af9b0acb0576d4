/**
 * Contact store on the shared SQLite database. Reads come from an in-memory index loaded at
 * start, so the call path never touches SQLite; writes go through to the `registrar_contacts`
 * table. Writes made in the same event-loop turn are coalesced per contact and committed in one
 * transaction on the next turn (`setImmediate`): a burst of REGISTERs after an outage costs one
 * fsync-bounded commit per turn instead of one per phone. Set `batchWrites: false` to commit
 * each write before `upsert`/`remove` return.
 *
 * The registrar owns its table: it registers its migrations under the module name "registrar".
 */
import type { Statement } from "better-sqlite3";
import type { Database } from "../../../core/db/database.js";
import { registerMigrations } from "../../../core/db/migrations.js";
import { InvalidStateError } from "../../../core/errors.js";
import type { Logger } from "../../../core/logger.js";
import { ContactIndex } from "./contact-index.js";
import type { ContactRecord, ContactStore } from "./contact-store.js";

/** Append-only; see core/db/migrations.ts. */
export const REGISTRAR_MIGRATIONS: readonly string[] = [
  `CREATE TABLE registrar_contacts (
     id             TEXT PRIMARY KEY,
     aor            TEXT NOT NULL,
     uri            TEXT NOT NULL,
     expires_at     INTEGER NOT NULL,
     endpoint       TEXT NOT NULL,
     user_agent     TEXT NOT NULL,
     via_addr       TEXT NOT NULL,
     via_port       INTEGER NOT NULL,
     call_id        TEXT NOT NULL,
     cseq           INTEGER NOT NULL,
     path           TEXT NOT NULL,
     q_value        REAL,
     reg_server     TEXT NOT NULL,
     source_address TEXT NOT NULL,
     source_port    INTEGER NOT NULL,
     transport      TEXT NOT NULL,
     created_at     INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX registrar_contacts_aor ON registrar_contacts(aor);`,
];

interface ContactRow {
  id: string;
  aor: string;
  uri: string;
  expires_at: number;
  endpoint: string;
  user_agent: string;
  via_addr: string;
  via_port: number;
  call_id: string;
  cseq: number;
  path: string;
  q_value: number | null;
  reg_server: string;
  source_address: string;
  source_port: number;
  transport: string;
  created_at: number;
}

type RowValues = [string, string, string, number, string, string, string, number, string, number, string, number | null, string, string, number, string, number];

/** The values of a row in `COLUMNS` order, bound positionally (cheaper than by name, once per REGISTER). */
function toRowValues(c: ContactRecord): RowValues {
  return [
    c.id, c.aor, c.uri, Math.round(c.expiresAt), c.endpoint, c.userAgent, c.viaAddr, c.viaPort, c.callId,
    c.cseq, c.path, c.qValue ?? null, c.regServer, c.sourceAddress, c.sourcePort, c.transport, Math.round(c.createdAt),
  ];
}

function fromRow(r: ContactRow): ContactRecord {
  return {
    id: r.id,
    aor: r.aor,
    uri: r.uri,
    expiresAt: r.expires_at,
    endpoint: r.endpoint,
    userAgent: r.user_agent,
    viaAddr: r.via_addr,
    viaPort: r.via_port,
    callId: r.call_id,
    cseq: r.cseq,
    path: r.path,
    ...(r.q_value !== null ? { qValue: r.q_value } : {}),
    regServer: r.reg_server,
    sourceAddress: r.source_address,
    sourcePort: r.source_port,
    transport: r.transport,
    createdAt: r.created_at,
  };
}

const COLUMNS: ReadonlyArray<keyof ContactRow> = [
  "id", "aor", "uri", "expires_at", "endpoint", "user_agent", "via_addr", "via_port", "call_id",
  "cseq", "path", "q_value", "reg_server", "source_address", "source_port", "transport", "created_at",
];

export interface SqliteContactStoreOptions {
  log: Logger;
  /** Coalesce writes of one event-loop turn into one transaction (default true). */
  batchWrites?: boolean;
}

export class SqliteContactStore implements ContactStore {
  private readonly index = new ContactIndex();
  private readonly log: Logger;
  private readonly batchWrites: boolean;
  /** id → record to write, or null to delete; the last operation per id wins. */
  private readonly pending = new Map<string, ContactRecord | null>();
  private flushTimer: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly upsertStmt: Statement<RowValues>;
  private readonly deleteStmt: Statement<[string]>;
  private readonly commit: (ops: Array<[string, ContactRecord | null]>) => void;

  /** Migrates the registrar's table if needed and loads every stored contact into memory. */
  constructor(
    private readonly db: Database,
    opts: SqliteContactStoreOptions,
  ) {
    this.log = opts.log.child({ category: "pbx.registrar" });
    this.batchWrites = opts.batchWrites ?? true;
    registerMigrations(db, "registrar", REGISTRAR_MIGRATIONS, this.log);
    this.upsertStmt = db.prepare<RowValues>(
      `INSERT INTO registrar_contacts (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})
       ON CONFLICT(id) DO UPDATE SET ${COLUMNS.filter((c) => c !== "id").map((c) => `${c} = excluded.${c}`).join(", ")}`,
    );
    this.deleteStmt = db.prepare<[string]>("DELETE FROM registrar_contacts WHERE id = ?");
    this.commit = db.transaction((ops: Array<[string, ContactRecord | null]>) => {
      for (const [id, rec] of ops) {
        if (rec) this.upsertStmt.run(...toRowValues(rec));
        else this.deleteStmt.run(id);
      }
    });
    const rows = db.prepare<[], ContactRow>("SELECT * FROM registrar_contacts").all();
    for (const r of rows) this.index.put(fromRow(r));
    this.log.debug({ contacts: rows.length }, "contacts loaded from database");
  }

  list(aor?: string): ContactRecord[] {
    return this.index.list(aor);
  }

  get(id: string): ContactRecord | undefined {
    return this.index.get(id);
  }

  upsert(c: ContactRecord): void {
    this.assertOpen();
    const stored = this.index.put(c);
    this.enqueue(c.id, stored);
  }

  remove(id: string): void {
    this.assertOpen();
    if (this.index.delete(id)) this.enqueue(id, null);
  }

  removeExpired(now: number): ContactRecord[] {
    this.assertOpen();
    const gone = this.index.takeExpired(now);
    for (const c of gone) this.enqueue(c.id, null);
    return gone;
  }

  count(): number {
    return this.index.size;
  }

  /** Writes waiting for the next flush. */
  get pendingWrites(): number {
    return this.pending.size;
  }

  /** Commits pending writes now. A failed commit is logged; memory stays authoritative. */
  flush(): void {
    if (this.flushTimer) {
      clearImmediate(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.pending.size === 0) return;
    const ops = [...this.pending];
    this.pending.clear();
    try {
      this.commit(ops);
    } catch (err) {
      // Losing these writes only matters after a restart, when the phones re-register anyway;
      // crashing the PBX over a full disk would be worse.
      this.log.error({ err, writes: ops.length }, "failed to save contacts to the database");
    }
  }

  /** Flushes and stops accepting writes. Does not close the shared database. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  private enqueue(id: string, rec: ContactRecord | null): void {
    this.pending.set(id, rec);
    if (!this.batchWrites) {
      this.flush();
      return;
    }
    this.flushTimer ??= setImmediate(() => {
      this.flushTimer = undefined;
      this.flush();
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidStateError("contact store used after close()");
  }
}
