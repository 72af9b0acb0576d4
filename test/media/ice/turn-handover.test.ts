/**
 * A leg that moves to another media worker keeps its TURN allocation (RFC 8656): the new worker
 * binds the same port, so the allocation's 5-tuple is unchanged. The old side hands it over
 * without deleting it, the new side refreshes it at once and installs the permissions and
 * channels again; when the server no longer has it (437), a fresh Allocate gives the relay
 * candidate a new address. An in-memory TURN server with long-term credentials answers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LegIce, type LegIceHost, type LegIceSpec } from "../../../src/media/ice/leg-ice.js";
import { TurnClient } from "../../../src/media/ice/turn-client.js";
import { iceCredentials } from "../../../src/media/ice/candidate.js";
import { attr, buildStun, checkIntegrity, errorCode, longTermKey, parseStun, readXorAddress, StunAttr, StunMethod, u32, xorAddress, type ParsedStun, type StunAttribute, type TransportAddress } from "../../../src/media/stun/stun-packet.js";

const SERVER = { address: "192.0.2.50", port: 3478, username: "pbx", password: "turn-secret" };
const REALM = "example.org";
const METHOD_NAME: Record<number, string> = { [StunMethod.Allocate]: "Allocate", [StunMethod.Refresh]: "Refresh", [StunMethod.CreatePermission]: "CreatePermission", [StunMethod.ChannelBind]: "ChannelBind" };

/** A TURN server's view: allocations by client 5-tuple, long-term credentials (RFC 8489 §9.2). */
class FakeTurnServer {
  readonly allocations = new Map<string, { relayed: TransportAddress; permissions: Set<string>; channels: Set<number> }>();
  readonly log: string[] = [];
  private nextPort = 49152;
  private readonly key = longTermKey(SERVER.username, REALM, SERVER.password);

  /** A request from `from`; the answer, if any. */
  receive(buf: Buffer, from: TransportAddress): Buffer | undefined {
    const req = parseStun(buf);
    if (req === undefined || req.cls !== "request") return undefined;
    const answer = (cls: "success" | "error", attributes: StunAttribute[], key?: Buffer) => buildStun({ method: req.method, cls, transactionId: req.transactionId, attributes }, key);
    if (req.integrityAt < 0 || !checkIntegrity(req, this.key)) {
      return answer("error", [{ type: StunAttr.ErrorCode, value: errorCode(401, "Unauthorized") }, { type: StunAttr.Realm, value: Buffer.from(REALM) }, { type: StunAttr.Nonce, value: Buffer.from("nonce-1") }]);
    }
    const tuple = `${from.address}:${from.port}`;
    const lifetime = attr(req, StunAttr.Lifetime)?.readUInt32BE(0);
    this.log.push(`${METHOD_NAME[req.method] ?? req.method} ${tuple}${lifetime !== undefined ? ` lifetime ${lifetime}` : ""}`);
    const alloc = this.allocations.get(tuple);
    const mismatch = () => answer("error", [{ type: StunAttr.ErrorCode, value: errorCode(437, "Allocation Mismatch") }], this.key);
    switch (req.method) {
      case StunMethod.Allocate: {
        if (alloc !== undefined) return mismatch();
        const relayed = { address: SERVER.address, port: this.nextPort++ };
        this.allocations.set(tuple, { relayed, permissions: new Set(), channels: new Set() });
        return answer("success", [{ type: StunAttr.XorRelayedAddress, value: xorAddress(relayed, req.transactionId) }, { type: StunAttr.XorMappedAddress, value: xorAddress(from, req.transactionId) }, { type: StunAttr.Lifetime, value: u32(600) }], this.key);
      }
      case StunMethod.Refresh:
        if (alloc === undefined) return mismatch();
        if (lifetime === 0) this.allocations.delete(tuple);
        return answer("success", [{ type: StunAttr.Lifetime, value: u32(lifetime ?? 600) }], this.key);
      case StunMethod.CreatePermission:
        if (alloc === undefined) return mismatch();
        for (const a of req.attributes.filter((x) => x.type === StunAttr.XorPeerAddress)) {
          const peer = readPeer(a.value, req);
          if (peer !== undefined) alloc.permissions.add(peer);
        }
        return answer("success", [], this.key);
      case StunMethod.ChannelBind:
        if (alloc === undefined) return mismatch();
        alloc.channels.add(attr(req, StunAttr.ChannelNumber)?.readUInt16BE(0) ?? 0);
        return answer("success", [], this.key);
    }
    return undefined;
  }
}

function readPeer(value: Buffer, req: ParsedStun): string | undefined {
  return readXorAddress(value, req.transactionId)?.address;
}

const PORT = 40000;
const HOST = "10.0.0.1";

/** A leg's sockets as LegIce sees them: datagrams to the TURN server go to the fake, its answers come back. */
function hostFor(server: FakeTurnServer): { host: LegIceHost; attach: (ice: LegIce) => void } {
  let ice: LegIce | undefined;
  const host: LegIceHost = {
    sendRaw: (component, buf, to) => {
      if (to.address !== SERVER.address || to.port !== SERVER.port) return;
      const res = server.receive(buf, { address: HOST, port: PORT + component - 1 });
      if (res !== undefined) setImmediate(() => ice?.receive(component, res, SERVER, false));
    },
    deliver: () => {},
    selectedChanged: () => {},
  };
  return { host, attach: (i) => (ice = i) };
}

const spec: LegIceSpec = { hostAddresses: [HOST], turn: SERVER, gatherTimeoutMs: 1000 };
const relayOf = (ice: LegIce) => ice.local.candidates.filter((c) => c.type === "relay").map((c) => `${c.component} ${c.address}:${c.port}`);

test("turn handover: the moved leg carries on with the same allocation: not deleted by the old worker, refreshed at once and its permissions installed again by the new one", async () => {
  const server = new FakeTurnServer();
  const a = hostFor(server);
  const old = await LegIce.gather(spec, a.host, PORT, a.attach);
  assert.deepEqual(relayOf(old), ["1 192.0.2.50:49152", "2 192.0.2.50:49153"]);
  old.setRemote({ ...iceCredentials(), candidates: [{ foundation: "1", component: 1, priority: 1000, address: "10.0.0.9", port: 5000, type: "host" }] }, "controlled");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([...(server.allocations.get(`${HOST}:${PORT}`)?.permissions ?? [])], ["10.0.0.9"]);

  const snap = structuredClone(old.snapshot());
  old.close();
  assert.equal(server.allocations.size, 2, "the old side's close() deletes nothing once handed over");
  assert.ok(!server.log.some((l) => l.endsWith("lifetime 0")));
  server.log.length = 0;

  const b = hostFor(server);
  const moved = await LegIce.gather(spec, b.host, PORT, b.attach, snap);
  await moved.turnResumed;
  await new Promise((r) => setImmediate(r));
  try {
    assert.deepEqual(relayOf(moved), ["1 192.0.2.50:49152", "2 192.0.2.50:49153"], "the same relayed addresses");
    assert.deepEqual(moved.stats()?.problems, []);
    assert.ok(server.log.includes(`Refresh ${HOST}:${PORT} lifetime 600`), server.log.join("\n"));
    assert.ok(server.log.includes(`Refresh ${HOST}:${PORT + 1} lifetime 600`));
    assert.ok(server.log.includes(`CreatePermission ${HOST}:${PORT}`), "permissions again, since the old refresh timers are gone");
    assert.ok(!server.log.some((l) => l.startsWith("Allocate")), "no new allocation");
  } finally {
    moved.close();
  }
  assert.equal(server.allocations.size, 0, "the leg's own close deletes the allocations (LIFETIME 0)");
});

test("turn handover: an allocation the server no longer has (437) is replaced by a fresh Allocate; the relay candidate takes the new address and the problem is named", async () => {
  const server = new FakeTurnServer();
  const a = hostFor(server);
  const old = await LegIce.gather(spec, a.host, PORT, a.attach);
  const snap = structuredClone(old.snapshot());
  old.close();
  server.allocations.clear(); // expired meanwhile
  const b = hostFor(server);
  const moved = await LegIce.gather(spec, b.host, PORT, b.attach, snap);
  await moved.turnResumed;
  try {
    assert.deepEqual(relayOf(moved), ["1 192.0.2.50:49154", "2 192.0.2.50:49155"]);
    const problems = moved.stats()?.problems ?? [];
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(problems.join("\n"), /TURN allocation \(component 1\) was gone after the move to another media worker; a new one relays at 192\.0\.2\.50:49154 instead of 192\.0\.2\.50:49152/);
    assert.equal(server.allocations.size, 2);
  } finally {
    moved.close();
  }
});

test("turn handover: a TurnClient without an allocation hands over nothing; handover twice is nothing more", async () => {
  const client = new TurnClient(SERVER, () => {}, () => {});
  assert.equal(client.handover(), undefined);
  assert.equal(client.handover(), undefined);
  client.close();
});
