/**
 * RFC 8445 §6.1.2.5: the checklist set holds at most 100 candidate pairs. A hostile SDP with
 * hundreds of candidates, or a peer sending authenticated checks from ever new ports (each a
 * peer-reflexive candidate, §7.3.1.3), cannot grow it: the lowest-priority pairs are dropped,
 * the selected pair is kept, and the drop is reported once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IceAgent, MAX_CANDIDATE_PAIRS, type IceRole } from "../../../src/media/ice/ice-agent.js";
import { candidatePriority, foundationOf, iceCredentials, type IceCandidate } from "../../../src/media/ice/candidate.js";
import { buildStun, newTransactionId, parseStun, shortTermKey, StunAttr, StunMethod, u32, xorAddress, type ParsedStun, type TransportAddress } from "../../../src/media/stun/stun-packet.js";

const local: IceCandidate = { foundation: foundationOf("host", "10.0.0.1"), component: 1, priority: candidatePriority("host", 1), address: "10.0.0.1", port: 1000, type: "host" };

function remote(i: number, localPreference: number): IceCandidate {
  return { foundation: `r${i}`, component: 1, priority: candidatePriority("host", 1, localPreference), address: `10.1.${i >> 8}.${i & 255}`, port: 2000 + i, type: "host" };
}

function agentUnderTest(role: IceRole = "controlled") {
  const ours = iceCredentials();
  const peer = iceCredentials();
  const sent: Array<{ msg: ParsedStun; to: TransportAddress }> = [];
  const pruned: string[] = [];
  const selected: string[] = [];
  const agent = new IceAgent({
    ...ours,
    role,
    tieBreaker: 5n,
    candidates: [local],
    send: (_l, buf, to) => sent.push({ msg: parseStun(buf)!, to }),
    onSelected: (_c, p) => selected.push(`${p.remote.address}:${p.remote.port}`),
    onPruned: (summary) => pruned.push(summary),
  });
  /** An authenticated Binding request from the peer, as §7.2.2 builds it. */
  const check = (from: TransportAddress, priority: number, useCandidate = false): ParsedStun | undefined => {
    const before = sent.length;
    const tb = Buffer.alloc(8);
    tb.writeBigUInt64BE(9n);
    const attributes = [
      { type: StunAttr.Username, value: Buffer.from(`${ours.ufrag}:${peer.ufrag}`) },
      { type: StunAttr.Priority, value: u32(priority) },
      { type: StunAttr.IceControlling, value: tb },
      ...(useCandidate ? [{ type: StunAttr.UseCandidate, value: Buffer.alloc(0) }] : []),
    ];
    agent.handle(parseStun(buildStun({ method: StunMethod.Binding, cls: "request", transactionId: newTransactionId(), attributes }, shortTermKey(ours.pwd)))!, from, local);
    return sent.slice(before).find((s) => s.msg.cls !== "request" && s.to.port === from.port)?.msg;
  };
  /** The peer's success response to our check `req` sent to `to`. */
  const answer = (req: ParsedStun, to: TransportAddress): void => {
    const res = buildStun({ method: StunMethod.Binding, cls: "success", transactionId: req.transactionId, attributes: [{ type: StunAttr.XorMappedAddress, value: xorAddress(local, req.transactionId) }] }, shortTermKey(peer.pwd));
    agent.handle(parseStun(res)!, to, local);
  };
  return { agent, peer, sent, pruned, selected, check, answer };
}

test("ice checklist limit: an SDP with 500 candidates keeps the 100 highest-priority pairs and says once what it dropped", () => {
  const { agent, peer, pruned } = agentUnderTest();
  try {
    const candidates = Array.from({ length: 500 }, (_, i) => remote(i, i));
    agent.setRemote({ ...peer, candidates });
    const pairs = agent.stats().pairs;
    assert.equal(pairs.length, MAX_CANDIDATE_PAIRS);
    // Local preference i: the kept ones are candidates 400..499.
    const kept = new Set(pairs.map((p) => p.remote));
    for (let i = 400; i < 500; i++) assert.ok(kept.has(`host ${candidates[i]!.address}:${candidates[i]!.port}`), `candidate ${i} kept`);
    assert.equal(pruned.length, 1);
    assert.match(pruned[0]!, /more than 100 ICE candidate pairs \(RFC 8445 §6\.1\.2\.5 limit\): dropped 400 of the lowest priority \(RTP host 10\.0\.0\.1:1000 -> host 10\.1\.0\.0:2000, .* and 397 more\)/);
    assert.equal(agent.stats().prunedPairs, 400);
    // The same SDP again (a re-INVITE) adds nothing and says nothing more.
    agent.setRemote({ ...peer, candidates });
    assert.equal(agent.stats().pairs.length, MAX_CANDIDATE_PAIRS);
    assert.equal(pruned.length, 1, "reported once per leg");
  } finally {
    agent.close();
  }
});

test("ice checklist limit: checks from 300 new ports are all answered, but their peer-reflexive pairs do not grow the checklist or the peer's candidates", () => {
  const { agent, peer, pruned, check } = agentUnderTest();
  try {
    agent.setRemote({ ...peer, candidates: Array.from({ length: 100 }, (_, i) => remote(i, 60000 + i)) });
    assert.equal(pruned.length, 0, "exactly at the limit drops nothing");
    for (let i = 0; i < 300; i++) {
      const res = check({ address: "10.9.9.9", port: 30000 + i }, candidatePriority("prflx", 1, 1));
      assert.equal(res?.cls, "success", `check ${i} answered`);
    }
    assert.equal(agent.stats().pairs.length, MAX_CANDIDATE_PAIRS);
    assert.ok(agent.stats().pairs.every((p) => p.remote.startsWith("host ")), "the low-priority peer-reflexive pairs went");
    assert.equal(agent.remoteParameters?.candidates.length, 100, "dropped peer-reflexive candidates are forgotten");
    assert.equal(agent.stats().responsesSent, 300);
    assert.equal(pruned.length, 1);
    assert.equal(agent.stats().prunedPairs, 300);
    // A check with a higher priority than every pair takes the place of the lowest one.
    check({ address: "10.9.9.8", port: 40000 }, candidatePriority("host", 1, 65535) + 1);
    assert.ok(agent.stats().pairs.some((p) => p.remote === "prflx 10.9.9.8:40000"));
    assert.equal(agent.stats().pairs.length, MAX_CANDIDATE_PAIRS);
  } finally {
    agent.close();
  }
});

test("ice checklist limit: checks before the peer's SDP arrives are bounded too", () => {
  const { agent, peer, check } = agentUnderTest();
  try {
    for (let i = 0; i < 250; i++) check({ address: "10.9.9.9", port: 30000 + i }, candidatePriority("prflx", 1, i));
    // The same source again: no second peer-reflexive candidate for it.
    for (let i = 0; i < 5; i++) check({ address: "10.9.9.9", port: 30249 }, candidatePriority("prflx", 1, 249));
    assert.equal(agent.stats().pairs.length, MAX_CANDIDATE_PAIRS);
    agent.setRemote({ ...peer, candidates: [] });
    assert.equal(agent.remoteParameters?.candidates.length, MAX_CANDIDATE_PAIRS);
  } finally {
    agent.close();
  }
});

test("ice checklist limit: the selected pair is kept even when higher-priority pairs would push it out", () => {
  const { agent, peer, sent, selected, check, answer } = agentUnderTest();
  try {
    const low = remote(0, 1);
    agent.setRemote({ ...peer, candidates: [low] });
    const ourCheck = sent.find((s) => s.msg.cls === "request" && s.to.port === low.port);
    assert.ok(ourCheck, "our check to the peer's candidate went out");
    answer(ourCheck.msg, low);
    check(low, low.priority, true);
    assert.deepEqual(agent.stats().selected, [{ component: 1, local: "host 10.0.0.1:1000", remote: `host ${low.address}:${low.port}` }]);
    for (let i = 0; i < 150; i++) check({ address: "10.9.9.9", port: 30000 + i }, candidatePriority("host", 1, 65535));
    assert.equal(agent.stats().pairs.length, MAX_CANDIDATE_PAIRS);
    assert.ok(agent.stats().pairs.some((p) => p.remote === `host ${low.address}:${low.port}` && p.nominated), "the selected pair stays");
    assert.equal(agent.active(1)?.remote.port, low.port);
    assert.equal(selected.at(-1), `${low.address}:${low.port}`);
  } finally {
    agent.close();
  }
});

test("ice checklist limit: a pair a peer's check nominates is kept even when the checklist is full of higher-priority pairs", () => {
  const { agent, peer, check } = agentUnderTest();
  try {
    agent.setRemote({ ...peer, candidates: Array.from({ length: 100 }, (_, i) => remote(i, 60000 + i)) });
    // Through a relay the priority is the lowest there is; the check nominates (USE-CANDIDATE).
    const res = check({ address: "10.9.9.7", port: 50000 }, candidatePriority("relay", 1, 1), true);
    assert.equal(res?.cls, "success");
    assert.ok(agent.stats().pairs.some((p) => p.remote === "prflx 10.9.9.7:50000"), "the nominated pair stays in the checklist");
    assert.ok(agent.isRemote(1, "10.9.9.7", 50000), "its address is one of the peer's");
  } finally {
    agent.close();
  }
});

test("ice checklist limit: a pair being checked or that succeeded is not dropped for higher-priority candidates arriving later", () => {
  const { agent, peer, sent, answer } = agentUnderTest("controlling");
  try {
    const low = remote(999, 1);
    agent.setRemote({ ...peer, candidates: [low] });
    const req = sent.find((s) => s.msg.cls === "request" && s.to.port === low.port);
    assert.ok(req, "a check went to the only candidate");
    answer(req.msg, { address: low.address, port: low.port });
    agent.setRemote({ ...peer, candidates: [low, ...Array.from({ length: 120 }, (_, i) => remote(i, 60000 + i))] });
    assert.ok(agent.stats().pairs.some((p) => p.remote === `host ${low.address}:${low.port}`), "the working pair is kept");
    assert.equal(agent.stats().pairs.length, MAX_CANDIDATE_PAIRS);
  } finally {
    agent.close();
  }
});
