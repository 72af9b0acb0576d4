/**
 * The contract every ContactStore implementation must meet. Each implementation's test file
 * calls `contactStoreContract` with a factory; the same cases then run against all of them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { contactId, type ContactRecord, type ContactStore } from "../../../../src/pbx/registrar/store/contact-store.js";

export const T0 = 1_700_000_000_000;

export function makeContact(aor: string, uri: string, overrides: Partial<ContactRecord> = {}): ContactRecord {
  return {
    id: contactId(aor, uri),
    aor,
    uri,
    expiresAt: T0 + 3_600_000,
    endpoint: aor,
    userAgent: "Test UA 1.0",
    viaAddr: "192.0.2.50",
    viaPort: 5060,
    callId: `call-${uri}`,
    cseq: 1,
    path: "",
    regServer: "",
    sourceAddress: "198.51.100.7",
    sourcePort: 40123,
    transport: "udp",
    createdAt: T0,
    ...overrides,
  };
}

export interface StoreHarness {
  store: ContactStore;
  /** Called after each test. */
  dispose(): void;
}

const ids = (cs: ContactRecord[]) => cs.map((c) => c.id).sort();

export function contactStoreContract(name: string, create: () => StoreHarness): void {
  const run = (title: string, fn: (store: ContactStore) => void): void => {
    test(`${name}: ${title}`, () => {
      const h = create();
      try {
        fn(h.store);
      } finally {
        h.dispose();
      }
    });
  };

  run("an upserted contact can be read back by id and by AOR, with every field", (s) => {
    const c = makeContact("6001", "sip:6001@192.0.2.50:5060", { qValue: 0.5, path: "<sip:edge.example.com;lr>" });
    s.upsert(c);
    assert.deepEqual(s.get(c.id), c);
    assert.deepEqual(s.list("6001"), [c]);
    assert.equal(s.count(), 1);
  });

  run("optional qValue left out stays absent", (s) => {
    const c = makeContact("6001", "sip:6001@192.0.2.50");
    s.upsert(c);
    assert.equal("qValue" in (s.get(c.id) ?? {}), false);
  });

  run("upsert with the same id replaces, not duplicates", (s) => {
    const c = makeContact("6001", "sip:6001@192.0.2.50");
    s.upsert(c);
    s.upsert({ ...c, cseq: 2, expiresAt: T0 + 7_200_000 });
    assert.equal(s.count(), 1);
    assert.equal(s.get(c.id)?.cseq, 2);
    assert.equal(s.get(c.id)?.expiresAt, T0 + 7_200_000);
  });

  run("list without an AOR returns all contacts; list of an unknown AOR is empty", (s) => {
    const a = makeContact("6001", "sip:6001@192.0.2.50");
    const b = makeContact("6001", "sip:6001@192.0.2.51");
    const c = makeContact("6002", "sip:6002@192.0.2.52");
    for (const x of [a, b, c]) s.upsert(x);
    assert.deepEqual(ids(s.list()), ids([a, b, c]));
    assert.deepEqual(ids(s.list("6001")), ids([a, b]));
    assert.deepEqual(s.list("7000"), []);
  });

  run("remove deletes one contact; removing an unknown id is a no-op", (s) => {
    const a = makeContact("6001", "sip:6001@192.0.2.50");
    const b = makeContact("6001", "sip:6001@192.0.2.51");
    s.upsert(a);
    s.upsert(b);
    s.remove(a.id);
    s.remove("no-such-id");
    assert.equal(s.get(a.id), undefined);
    assert.deepEqual(ids(s.list("6001")), [b.id]);
    assert.equal(s.count(), 1);
  });

  run("removeExpired removes and returns exactly the contacts with expiresAt <= now", (s) => {
    const old = makeContact("6001", "sip:a@x", { expiresAt: T0 + 1000 });
    const edge = makeContact("6001", "sip:b@x", { expiresAt: T0 + 2000 });
    const fresh = makeContact("6002", "sip:c@x", { expiresAt: T0 + 3000 });
    for (const x of [old, edge, fresh]) s.upsert(x);
    assert.deepEqual(ids(s.removeExpired(T0 + 2000)), ids([old, edge]));
    assert.deepEqual(ids(s.list()), [fresh.id]);
    assert.deepEqual(s.list("6001"), []);
    assert.deepEqual(s.removeExpired(T0 + 2000), []);
  });

  run("returned records cannot be modified behind the store's back", (s) => {
    const c = makeContact("6001", "sip:6001@192.0.2.50");
    s.upsert(c);
    c.cseq = 99; // mutating the caller's object after upsert changes nothing
    const got = s.get(c.id);
    assert.equal(got?.cseq, 1);
    assert.throws(() => {
      if (got) got.cseq = 5;
    }, TypeError);
  });

  run("moving a contact id to another AOR updates the AOR index", (s) => {
    const c = makeContact("6001", "sip:6001@192.0.2.50");
    s.upsert(c);
    s.upsert({ ...c, aor: "6002" });
    assert.deepEqual(s.list("6001"), []);
    assert.deepEqual(ids(s.list("6002")), [c.id]);
  });

  run("close can be called twice: the second call neither throws nor changes what the first left", (s) => {
    const c = makeContact("6001", "sip:6001@192.0.2.50");
    s.upsert(c);
    // What a caller can still see after close: the contents (a memory store) or the
    // use-after-close error (a database store). Either way the second close must not alter it.
    const observe = (): unknown => {
      try {
        return { count: s.count(), contact: s.get(c.id) };
      } catch (err) {
        return { error: (err as Error).constructor.name };
      }
    };
    s.close();
    const afterFirst = observe();
    assert.doesNotThrow(() => s.close(), "a second close() must be a no-op");
    assert.deepEqual(observe(), afterFirst);
  });
}
