/** A contact store that keeps everything in memory: for unit tests and `:memory:` setups. */
import { ContactIndex } from "./contact-index.js";
import type { ContactRecord, ContactStore } from "./contact-store.js";

export class MemoryContactStore implements ContactStore {
  private readonly index = new ContactIndex();

  list(aor?: string): ContactRecord[] {
    return this.index.list(aor);
  }

  get(id: string): ContactRecord | undefined {
    return this.index.get(id);
  }

  upsert(c: ContactRecord): void {
    this.index.put(c);
  }

  remove(id: string): void {
    this.index.delete(id);
  }

  removeExpired(now: number): ContactRecord[] {
    return this.index.takeExpired(now);
  }

  count(): number {
    return this.index.size;
  }

  close(): void {
    // Nothing to release; contents stay readable so a test can inspect them after close.
  }
}
