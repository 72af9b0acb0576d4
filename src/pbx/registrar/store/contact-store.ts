/**
 * Contacts: the bindings a REGISTER creates (RFC 3261 §10.3), pjsip's runtime "contact" objects.
 * They are persisted so that a restart keeps every phone reachable for the rest of its
 * registration lifetime instead of waiting for each to re-register.
 */
import { createHash } from "node:crypto";

export interface ContactRecord {
  /** `aor + ";@" + md5(uri)`: stable for the same binding, so a refresh updates in place. */
  id: string;
  aor: string;
  /** The Contact URI as registered. */
  uri: string;
  /** Absolute expiry, ms since the epoch; survives restarts as remaining lifetime. */
  expiresAt: number;
  endpoint: string;
  userAgent: string;
  viaAddr: string;
  viaPort: number;
  callId: string;
  cseq: number;
  /** Path header values (RFC 3327), comma-joined; empty when none. */
  path: string;
  /** Contact `q` parameter (0…1) when the UA sent one. */
  qValue?: number;
  /** Server id that accepted the registration (pjsip `reg_server`). */
  regServer: string;
  /** Where the REGISTER actually came from, for NAT traversal. */
  sourceAddress: string;
  sourcePort: number;
  /** Lower-case transport the REGISTER arrived on: udp | tcp. */
  transport: string;
  createdAt: number;
}

/**
 * Storage for contacts. Reads are synchronous and served from memory in every implementation,
 * because the request path (routing an INVITE to an AOR) must not wait for disk.
 */
export interface ContactStore {
  /** All contacts, or those of one AOR. */
  list(aor?: string): ContactRecord[];
  get(id: string): ContactRecord | undefined;
  /** Inserts or replaces the contact with the same id. */
  upsert(c: ContactRecord): void;
  /** Removes a contact; unknown ids are ignored. */
  remove(id: string): void;
  /** Removes and returns every contact with `expiresAt <= now`. */
  removeExpired(now: number): ContactRecord[];
  count(): number;
  /** Flushes pending writes and releases resources; safe to call twice. */
  close(): void;
}

/** The id pjsip gives a contact: the AOR, `;@`, and a hash of the Contact URI. */
export function contactId(aor: string, uri: string): string {
  return `${aor};@${createHash("md5").update(uri, "utf8").digest("hex")}`;
}
