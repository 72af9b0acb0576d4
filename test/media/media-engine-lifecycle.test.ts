import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { MediaEngine } from "../../src/media/media-engine.js";
import { CaptureLogger, nullLogger } from "../../src/core/logger.js";
import { InvalidStateError, PbxError } from "../../src/core/errors.js";
import type { MediaEngineOptions } from "../../src/media/relay/types.js";
import { FakePhone, sleep } from "./fake-phone.js";

async function withEngine(o: Partial<MediaEngineOptions>, fn: (e: MediaEngine) => Promise<void>): Promise<void> {
  const e = new MediaEngine({ rtpStart: 61300, rtpEnd: 61399, bindAddress: "127.0.0.1", workers: 1, strictRtp: "yes", probation: 4, log: nullLogger, ...o });
  await e.start();
  try {
    await fn(e);
  } finally {
    await e.close();
  }
}

test("media-engine: allocate binds an even RTP port and RTCP on the next, release frees them (safe twice)", async () => {
  await withEngine({}, async (e) => {
    const legs = await Promise.all([1, 2, 3].map(() => e.allocate({ group: "g" })));
    for (const l of legs) {
      assert.equal(l.localPort % 2, 0);
      assert.equal(l.localRtcpPort, l.localPort + 1);
      assert.ok(l.localPort >= 61300 && l.localRtcpPort <= 61399);
    }
    assert.equal(new Set(legs.map((l) => l.localPort)).size, 3);
    assert.equal(e.portsInUse(), 6);
    for (const l of legs) e.release(l.id);
    e.release(legs[0]!.id);
    assert.equal(e.portsInUse(), 0);
    await assert.rejects(e.stats(legs[0]!.id), PbxError);
    assert.throws(() => e.setRemote(legs[0]!.id, { address: "127.0.0.1", port: 1 }), PbxError);
    await sleep(100);
    // The sockets are really closed: we can bind the ports ourselves.
    const s = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.bind(legs[0]!.localPort, "127.0.0.1", resolve);
    });
    s.close();
  });
});

test("media-engine: a range of two pairs serves two legs, then MEDIA_NO_PORTS, then reuses freed ports", async () => {
  await withEngine({ rtpStart: 61400, rtpEnd: 61403 }, async (e) => {
    const a = await e.allocate();
    const b = await e.allocate();
    await assert.rejects(e.allocate(), (err: unknown) => err instanceof PbxError && err.code === "MEDIA_NO_PORTS" && err.message.includes("rtpend=61403"));
    e.release(a.id);
    await sleep(100);
    const c = await e.allocate();
    assert.equal(c.localPort, a.localPort);
    e.release(b.id);
    e.release(c.id);
  });
});

test("media-engine: ports another program holds (EADDRINUSE) are skipped", async () => {
  const blocker = createSocket("udp4");
  await new Promise<void>((r) => blocker.bind(61411, "127.0.0.1", r)); // RTCP port of the pair 61410
  try {
    await withEngine({ rtpStart: 61410, rtpEnd: 61413 }, async (e) => {
      const l = await e.allocate();
      assert.equal(l.localPort, 61412);
      await assert.rejects(e.allocate(), (err: unknown) => err instanceof PbxError && err.code === "MEDIA_NO_PORTS");
      const s = createSocket("udp4");
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.bind(61410, "127.0.0.1", resolve);
      });
      s.close();
    });
  } finally {
    blocker.close();
  }
});

test("media-engine: strictrtp=no follows a new source at once", async () => {
  await withEngine({ strictRtp: "no" }, async (e) => {
    const a = await e.allocate({ group: "x" });
    const b = await e.allocate({ group: "x" });
    const [pa, pb, other] = await Promise.all([FakePhone.open(), FakePhone.open(), FakePhone.open()]);
    try {
      e.setRemote(a.id, pa.address);
      e.setRemote(b.id, pb.address);
      e.bridge(a.id, b.id);
      await e.stats(a.id);
      pa.sendRtp(a.localPort, { seq: 1 });
      await pb.waitFor(1);
      other.sendRtp(a.localPort, { seq: 900 });
      await pb.waitFor(2);
      assert.equal((await e.stats(a.id)).dropped, 0);
    } finally {
      for (const p of [pa, pb, other]) p.close();
    }
  });
});

test("media-engine: unbridge stops the relay; allStats lists every live leg", async () => {
  await withEngine({}, async (e) => {
    const a = await e.allocate({ group: "y" });
    const b = await e.allocate({ group: "y" });
    const [pa, pb] = await Promise.all([FakePhone.open(), FakePhone.open()]);
    try {
      e.setRemote(a.id, pa.address);
      e.setRemote(b.id, pb.address);
      e.bridge(a.id, b.id);
      await e.stats(a.id);
      pa.sendRtp(a.localPort, { seq: 1 });
      await pb.waitFor(1);
      e.unbridge(a.id);
      await e.stats(a.id); // commands are asynchronous; a reply means the worker has applied them
      pa.sendRtp(a.localPort, { seq: 2 });
      await sleep(100);
      assert.equal(pb.received.length, 1);
      const all = await e.allStats();
      assert.deepEqual(all.map((s) => s.id).sort(), [a.id, b.id].sort());
      assert.ok(all.every((s) => s.bridgedTo === undefined));
    } finally {
      pa.close();
      pb.close();
    }
  });
});

test("media-engine: allocate before start() is a programming error; close() twice is safe", async () => {
  const e = new MediaEngine({ rtpStart: 61300, rtpEnd: 61399, bindAddress: "127.0.0.1", workers: 1, strictRtp: "yes", probation: 4, log: new CaptureLogger() });
  await assert.rejects(e.allocate(), InvalidStateError);
  await e.start();
  await e.close();
  await e.close();
  await assert.rejects(e.allocate(), InvalidStateError);
});

test("media-engine: bound to '::', IPv4 phones are relayed and shown without the ::ffff: prefix", async () => {
  await withEngine({ bindAddress: "::", rtpStart: 61420, rtpEnd: 61439 }, async (e) => {
    const a = await e.allocate({ group: "v6" });
    const b = await e.allocate({ group: "v6" });
    const [pa, pb] = await Promise.all([FakePhone.open(), FakePhone.open()]);
    try {
      e.setRemote(a.id, pa.address);
      e.setRemote(b.id, pb.address);
      e.setOptions(b.id, { symmetric: true });
      e.bridge(a.id, b.id);
      await e.stats(a.id);
      pa.sendRtp(a.localPort, { seq: 1 });
      await pb.waitFor(1);
      pb.sendRtp(b.localPort, { seq: 2 });
      await pa.waitFor(1);
      pa.sendRtp(a.localPort, { seq: 3 });
      await pb.waitFor(2);
      const sb = await e.stats(b.id);
      assert.deepEqual(sb.observed, pb.address);
      assert.equal(sb.latched, true);
    } finally {
      pa.close();
      pb.close();
    }
  });
});
