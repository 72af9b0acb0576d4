/**
 * In-memory contact index shared by the store implementations: by id, and by AOR for the
 * hot-path lookup "where do I send this call". Records are stored frozen so a caller cannot
 * change a contact behind the store's back (which would skip persistence).
 */
import type { ContactRecord } from "./contact-store.js";

export class ContactIndex {
  private readonly byId = new Map<string, Readonly<ContactRecord>>();
  private readonly byAor = new Map<string, Set<string>>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): ContactRecord | undefined {
    return this.byId.get(id);
  }

  list(aor?: string): ContactRecord[] {
    if (aor === undefined) return [...this.byId.values()];
    const ids = this.byAor.get(aor);
    if (!ids) return [];
    const out: ContactRecord[] = [];
    for (const id of ids) {
      const c = this.byId.get(id);
      if (c) out.push(c);
    }
    return out;
  }

  /** Stores a frozen copy and returns it. */
  put(c: ContactRecord): ContactRecord {
    const copy = Object.freeze({ ...c });
    const old = this.byId.get(c.id);
    if (old && old.aor !== c.aor) this.unlinkAor(old.aor, old.id);
    this.byId.set(c.id, copy);
    let ids = this.byAor.get(c.aor);
    if (!ids) this.byAor.set(c.aor, (ids = new Set()));
    ids.add(c.id);
    return copy;
  }

  delete(id: string): ContactRecord | undefined {
    const old = this.byId.get(id);
    if (!old) return undefined;
    this.byId.delete(id);
    this.unlinkAor(old.aor, id);
    return old;
  }

  /** Removes and returns the contacts with `expiresAt <= now`. */
  takeExpired(now: number): ContactRecord[] {
    const out: ContactRecord[] = [];
    for (const c of this.byId.values()) if (c.expiresAt <= now) out.push(c);
    for (const c of out) this.delete(c.id);
    return out;
  }

  clear(): void {
    this.byId.clear();
    this.byAor.clear();
  }

  private unlinkAor(aor: string, id: string): void {
    const ids = this.byAor.get(aor);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.byAor.delete(aor);
  }
}
