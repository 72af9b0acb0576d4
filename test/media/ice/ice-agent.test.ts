/**
 * Two ICE agents wired to each other in memory (no sockets): checks, responses with
 * MESSAGE-INTEGRITY, role conflict, nomination; and the credential checks of the responder.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IceAgent, type IceRole } from "../../../src/media/ice/ice-agent.js";
import { candidatePriority, foundationOf, iceCredentials, type IceCandidate } from "../../../src/media/ice/candidate.js";
import { attr, buildStun, newTransactionId, parseStun, readErrorCode, StunAttr, StunMethod, type TransportAddress } from "../../../src/media/stun/stun-packet.js";

function host(address: string, port: number, component = 1): IceCandidate {
  return { foundation: foundationOf("host", address), component, priority: candidatePriority("host", component), address, port, type: "host" };
}

function pairOfAgents(roleA: IceRole, roleB: IceRole, tbA: bigint, tbB: bigint, drop?: (to: TransportAddress) => boolean) {
  const ca = iceCredentials();
  const cb = iceCredentials();
  const candA = [host("10.0.0.1", 1000)];
  const candB = [host("10.0.0.2", 2000)];
  const selected: string[] = [];
  const agents: { a?: IceAgent; b?: IceAgent } = {};
  const deliver = (to: TransportAddress, from: TransportAddress, buf: Buffer) => {
    if (drop?.(to)) return;
    const msg = parseStun(buf);
    assert.ok(msg, "a well-formed STUN message");
    setImmediate(() => {
      if (to.port === 1000) agents.a?.handle(msg, from, candA[0]!);
      else agents.b?.handle(msg, from, candB[0]!);
    });
  };
  agents.a = new IceAgent({ ...ca, role: roleA, tieBreaker: tbA, candidates: candA, send: (l, buf, to) => deliver(to, l, buf), onSelected: (c, p) => selected.push(`A${c} ${p.remote.address}:${p.remote.port}`) });
  agents.b = new IceAgent({ ...cb, role: roleB, tieBreaker: tbB, candidates: candB, send: (l, buf, to) => deliver(to, l, buf), onSelected: (c, p) => selected.push(`B${c} ${p.remote.address}:${p.remote.port}`) });
  agents.a.setRemote({ ...cb, candidates: candB });
  agents.b.setRemote({ ...ca, candidates: candA });
  return { a: agents.a, b: agents.b, selected };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("ice agent: controlling and controlled agents check, nominate and both select the pair", async () => {
  const { a, b, selected } = pairOfAgents("controlling", "controlled", 5n, 7n);
  try {
    await until(() => a.stats().state === "completed" && b.stats().state === "completed");
    // onSelected also reports the valid pair media may use before nomination; the last report is the nominated one.
    assert.deepEqual([...new Set(selected)].sort(), ["A1 10.0.0.2:2000", "B1 10.0.0.1:1000"]);
    assert.deepEqual(a.stats().selected, [{ component: 1, local: "host 10.0.0.1:1000", remote: "host 10.0.0.2:2000" }]);
    assert.equal(a.stats().state, "completed");
    assert.equal(b.stats().state, "completed");
    assert.ok(b.stats().responsesSent >= 1);
    assert.equal(a.stats().pairs[0]?.nominated, true);
  } finally {
    a.close();
    b.close();
  }
});

test("ice agent: both controlling: the smaller tie-breaker gets 487 and turns controlled (RFC 8445 §7.3.1.1)", async () => {
  const { a, b, selected } = pairOfAgents("controlling", "controlling", 1n, 9n);
  try {
    await until(() => a.stats().state === "completed" && b.stats().state === "completed");
    assert.ok(selected.length >= 2);
    assert.equal(a.role, "controlled");
    assert.equal(b.role, "controlling");
  } finally {
    a.close();
    b.close();
  }
});

test("ice agent: no answer: every pair fails and the reason says so", async () => {
  const { a, b } = pairOfAgents("controlling", "controlled", 5n, 7n, () => true);
  try {
    await until(() => a.stats().state === "failed", 9000);
    assert.match(a.stats().pairs[0]?.failure ?? "", /no response/);
  } finally {
    a.close();
    b.close();
  }
});

test("ice agent: a request with a wrong password gets 401, one without MESSAGE-INTEGRITY 400", () => {
  const creds = iceCredentials();
  const local = host("10.0.0.1", 1000);
  const sent: Buffer[] = [];
  const agent = new IceAgent({ ...creds, role: "controlled", tieBreaker: 1n, candidates: [local], send: (_l, buf) => sent.push(buf), onSelected: () => {} });
  try {
    const from = { address: "10.0.0.9", port: 9 };
    const user = { type: StunAttr.Username, value: Buffer.from(`${creds.ufrag}:peer`) };
    const bad = buildStun({ method: StunMethod.Binding, cls: "request", transactionId: newTransactionId(), attributes: [user] }, Buffer.from("wrong"));
    agent.handle(parseStun(bad)!, from, local);
    const none = buildStun({ method: StunMethod.Binding, cls: "request", transactionId: newTransactionId(), attributes: [user] });
    agent.handle(parseStun(none)!, from, local);
    assert.equal(readErrorCode(attr(parseStun(sent[0]!)!, StunAttr.ErrorCode)), 401);
    assert.equal(readErrorCode(attr(parseStun(sent[1]!)!, StunAttr.ErrorCode)), 400);
    assert.deepEqual(agent.stats().errorsSent, { 400: 1, 401: 1, 487: 0 });
  } finally {
    agent.close();
  }
});
