/**
 * Persistence of bans and offence history on the shared SQLite database, so bans survive a
 * restart and repeat offenders are still recognised afterwards. The guard owns its tables and
 * registers their migrations under the module name "guard".
 *
 * Reads happen once, at start (`loadBans`, `loadOffences`); the packet path never touches
 * SQLite. Writes of one event-loop turn are committed together on the next turn, so a
 * distributed scan that bans hundreds of addresses at once costs one commit per turn.
 */
import type { Statement } from "better-sqlite3";
import type { Database } from "../core/db/database.js";
import { registerMigrations } from "../core/db/migrations.js";
import type { Logger } from "../core/logger.js";
import type { Ban, BanScope, BanSource } from "./ban-list.js";

/** Append-only; see core/db/migrations.ts. */
export const GUARD_MIGRATIONS: readonly string[] = [
  `CREATE TABLE guard_bans (
     ip          TEXT NOT NULL,
     user        TEXT NOT NULL,
     scope       TEXT NOT NULL,
     created_at  INTEGER NOT NULL,
     expires_at  INTEGER,
     reason      TEXT NOT NULL,
     evidence    TEXT NOT NULL,
     level       INTEGER NOT NULL,
     source      TEXT NOT NULL,
     PRIMARY KEY (ip, user)
   ) STRICT;
   CREATE TABLE guard_offences (
     id      INTEGER PRIMARY KEY,
     key     TEXT NOT NULL,
     at      INTEGER NOT NULL,
     reason  TEXT NOT NULL
   ) STRICT;
   CREATE INDEX guard_offences_key ON guard_offences(key, at);`,
];

interface BanRow {
  ip: string;
  user: string;
  scope: string;
  created_at: number;
  expires_at: number | null;
  reason: string;
  evidence: string;
  level: number;
  source: string;
}

interface OffenceRow {
  key: string;
  at: number;
  reason: string;
}

function toRow(b: Ban): BanRow {
  return {
    ip: b.ip,
    user: b.user ?? "",
    scope: b.scope,
    created_at: Math.round(b.createdAt),
    // SQLite has no infinity for integers: NULL means permanent.
    expires_at: Number.isFinite(b.expiresAt) ? Math.round(b.expiresAt) : null,
    reason: b.reason,
    evidence: JSON.stringify(b.evidence),
    level: b.level,
    source: b.source,
  };
}

function fromRow(r: BanRow): Ban {
  let evidence: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(r.evidence);
    if (parsed !== null && typeof parsed === "object") evidence = parsed as Record<string, unknown>;
  } catch {
    // A damaged evidence column must not cost us the ban itself.
  }
  const ban: Ban = {
    ip: r.ip,
    scope: (r.scope === "user" ? "user" : "ip") satisfies BanScope,
    createdAt: r.created_at,
    expiresAt: r.expires_at ?? Infinity,
    reason: r.reason,
    evidence,
    level: r.level,
    source: (r.source === "console" ? "console" : "guard") satisfies BanSource,
  };
  if (r.user !== "") ban.user = r.user;
  return ban;
}

type Op = { kind: "save"; ban: Ban } | { kind: "remove"; ip: string } | { kind: "delete"; ip: string; user: string } | { kind: "offence"; row: OffenceRow } | { kind: "prune"; before: number; now: number };

export interface BanStoreOptions {
  log: Logger;
  /** Coalesce writes of one event-loop turn into one transaction (default true). */
  batchWrites?: boolean;
}

export class BanStore {
  private readonly log: Logger;
  private readonly batchWrites: boolean;
  private pending: Op[] = [];
  private flushTimer: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly upsertStmt: Statement<[BanRow]>;
  private readonly removeIpStmt: Statement<[string]>;
  private readonly deleteOneStmt: Statement<[string, string]>;
  private readonly offenceStmt: Statement<[OffenceRow]>;
  private readonly pruneOffencesStmt: Statement<[number]>;
  private readonly pruneBansStmt: Statement<[number]>;
  private readonly commit: (ops: Op[]) => void;

  constructor(
    private readonly db: Database,
    opts: BanStoreOptions,
  ) {
    this.log = opts.log;
    this.batchWrites = opts.batchWrites ?? true;
    registerMigrations(db, "guard", GUARD_MIGRATIONS, this.log);
    this.upsertStmt = db.prepare<[BanRow]>(
      `INSERT INTO guard_bans (ip, user, scope, created_at, expires_at, reason, evidence, level, source)
       VALUES (@ip, @user, @scope, @created_at, @expires_at, @reason, @evidence, @level, @source)
       ON CONFLICT(ip, user) DO UPDATE SET scope = excluded.scope, created_at = excluded.created_at, expires_at = excluded.expires_at,
         reason = excluded.reason, evidence = excluded.evidence, level = excluded.level, source = excluded.source`,
    );
    this.removeIpStmt = db.prepare<[string]>("DELETE FROM guard_bans WHERE ip = ?");
    this.deleteOneStmt = db.prepare<[string, string]>("DELETE FROM guard_bans WHERE ip = ? AND user = ?");
    this.offenceStmt = db.prepare<[OffenceRow]>("INSERT INTO guard_offences (key, at, reason) VALUES (@key, @at, @reason)");
    this.pruneOffencesStmt = db.prepare<[number]>("DELETE FROM guard_offences WHERE at < ?");
    this.pruneBansStmt = db.prepare<[number]>("DELETE FROM guard_bans WHERE expires_at IS NOT NULL AND expires_at <= ?");
    this.commit = db.transaction((ops: Op[]) => {
      for (const op of ops) {
        switch (op.kind) {
          case "save":
            this.upsertStmt.run(toRow(op.ban));
            break;
          case "remove":
            this.removeIpStmt.run(op.ip);
            break;
          case "delete":
            this.deleteOneStmt.run(op.ip, op.user);
            break;
          case "offence":
            this.offenceStmt.run(op.row);
            break;
          case "prune":
            this.pruneOffencesStmt.run(op.before);
            this.pruneBansStmt.run(op.now);
            break;
        }
      }
    });
  }

  /** Deletes bans expired at `now` and returns the rest. */
  loadBans(now: number): Ban[] {
    this.flush();
    this.pruneBansStmt.run(now);
    return this.db.prepare<[], BanRow>("SELECT * FROM guard_bans").all().map(fromRow);
  }

  /** Offences at or after `since`, oldest first (older ones are deleted). */
  loadOffences(since: number): Array<{ key: string; at: number; reason: string }> {
    this.flush();
    this.pruneOffencesStmt.run(since);
    return this.db.prepare<[number], OffenceRow>("SELECT key, at, reason FROM guard_offences WHERE at >= ? ORDER BY at").all(since);
  }

  saveBan(ban: Ban): void {
    this.enqueue({ kind: "save", ban: { ...ban } });
  }

  /** Deletes every ban row of `ip` (address and username bans). */
  removeBans(ip: string): void {
    this.enqueue({ kind: "remove", ip });
  }

  deleteBan(ban: Ban): void {
    this.enqueue({ kind: "delete", ip: ban.ip, user: ban.user ?? "" });
  }

  recordOffence(key: string, at: number, reason: string): void {
    this.enqueue({ kind: "offence", row: { key, at: Math.round(at), reason } });
  }

  /** Deletes offences older than `before` and bans expired at `now`. */
  prune(before: number, now: number): void {
    this.enqueue({ kind: "prune", before: Math.round(before), now: Math.round(now) });
  }

  /** Commits pending writes now. A failed commit is logged; memory stays authoritative. */
  flush(): void {
    if (this.flushTimer) {
      clearImmediate(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.pending.length === 0) return;
    const ops = this.pending;
    this.pending = [];
    try {
      this.commit(ops);
    } catch (err) {
      // Losing a ban row only matters after a restart; refusing to ban over a full disk would be worse.
      this.log.error({ err: err instanceof Error ? err.message : String(err), writes: ops.length }, "failed to save bans to the database");
    }
  }

  /** Flushes and stops accepting writes. Does not close the shared database. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  private enqueue(op: Op): void {
    if (this.closed) return;
    this.pending.push(op);
    if (!this.batchWrites) {
      this.flush();
      return;
    }
    this.flushTimer ??= setImmediate(() => {
      this.flushTimer = undefined;
      this.flush();
    });
  }
}
