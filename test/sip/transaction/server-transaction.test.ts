import { test } from "node:test";
import assert from "node:assert/strict";
import { createResponse } from "../../../src/sip/transaction/create-response.js";
import type { InviteServerTransaction, ServerTransaction } from "../../../src/sip/transaction/server-transaction.js";
import { T1, T2, T4, parsedResponse, request, setup } from "./harness.js";

function onlyTx(delivered: Array<{ tx: ServerTransaction | undefined }>): ServerTransaction {
  assert.equal(delivered.length, 1, "exactly one request reached the TU");
  const tx = delivered[0]?.tx;
  assert.ok(tx);
  return tx;
}

/** Times (relative to `t0`) at which the transport sent something. */
function sendTimes(clock: { now(): number }, transport: { sent: unknown[] }, t0: number, untilMs: number, advance: (ms: number) => void, step = 100) {
  const times: number[] = [];
  let seen = transport.sent.length;
  for (let t = 0; t < untilMs; t += step) {
    advance(step);
    while (transport.sent.length > seen) {
      times.push(clock.now() - t0);
      seen++;
    }
  }
  return times;
}

// ---- Non-INVITE server transaction (§17.2.2) ----

test("non-INVITE server: retransmitted request in Trying is absorbed (§17.2.2: discarded), TU sees it once", () => {
  const { layer, transport, delivered, flow } = setup();
  layer.receive(request(), flow);
  layer.receive(request(), flow);
  assert.equal(delivered.length, 1);
  assert.equal(transport.sent.length, 0, "nothing sent in Trying");
  assert.equal(layer.stats.retransmissionsAbsorbed, 1);
  assert.equal(onlyTx(delivered).state, "Trying");
});

test("non-INVITE server: retransmission in Proceeding resends the last provisional response", () => {
  const { layer, transport, delivered, flow } = setup();
  layer.receive(request(), flow);
  const tx = onlyTx(delivered);
  tx.respond(createResponse(delivered[0]!.req, 100));
  assert.equal(tx.state, "Proceeding");
  layer.receive(request(), flow);
  assert.equal(transport.sent.length, 2);
  assert.deepEqual(transport.sent[1]?.data, transport.sent[0]?.data);
  assert.equal(parsedResponse(transport.sent[1]!.data).status, 100);
});

test("non-INVITE server: retransmission in Completed resends the final response byte for byte", () => {
  const { layer, transport, delivered, flow } = setup();
  layer.receive(request(), flow);
  const tx = onlyTx(delivered);
  tx.respond(createResponse(delivered[0]!.req, 200));
  assert.equal(tx.state, "Completed");
  layer.receive(request(), flow);
  layer.receive(request(), flow);
  assert.equal(transport.sent.length, 3);
  assert.ok(transport.sent.every((p) => p.data.equals(transport.sent[0]!.data)));
  assert.equal(delivered.length, 1, "the TU never sees the retransmissions");
});

test("non-INVITE server: a second final response from the TU in Completed is ignored", () => {
  const { layer, transport, delivered, flow } = setup();
  layer.receive(request(), flow);
  const tx = onlyTx(delivered);
  tx.respond(createResponse(delivered[0]!.req, 200));
  tx.respond(createResponse(delivered[0]!.req, 500));
  assert.equal(transport.sent.length, 1);
  assert.equal(tx.finalStatus, 200);
});

test("non-INVITE server: Timer J (64*T1 on unreliable transports) removes the transaction", () => {
  const { layer, clock, delivered, flow } = setup();
  layer.receive(request(), flow);
  const tx = onlyTx(delivered);
  tx.respond(createResponse(delivered[0]!.req, 200));
  clock.advance(64 * T1 - 1);
  assert.deepEqual(layer.counts(), { server: 1, client: 0 });
  clock.advance(1);
  assert.deepEqual(layer.counts(), { server: 0, client: 0 });
  assert.equal(tx.state, "Terminated");
  assert.equal(clock.pending, 0, "no timer left behind");
});

test("non-INVITE server: Timer J is zero on reliable transports (terminated with the final response)", () => {
  const { layer, clock, delivered, flow } = setup({ reliable: true });
  layer.receive(request(), flow);
  const tx = onlyTx(delivered);
  tx.respond(createResponse(delivered[0]!.req, 404));
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(layer.counts(), { server: 0, client: 0 });
  assert.equal(clock.pending, 0);
});

test("non-INVITE server: after Timer J a retransmission is a new request for the TU", () => {
  const { layer, clock, delivered, flow } = setup();
  layer.receive(request(), flow);
  onlyTx(delivered).respond(createResponse(delivered[0]!.req, 200));
  clock.advance(64 * T1);
  layer.receive(request(), flow);
  assert.equal(delivered.length, 2);
});

// ---- INVITE server transaction (§17.2.1, RFC 6026 §7.1) ----

test("INVITE server: 100 Trying is sent at once, before the TU answers (§17.2.1)", () => {
  const { layer, transport, delivered, flow } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  assert.equal(transport.sent.length, 1);
  const trying = parsedResponse(transport.sent[0]!.data);
  assert.equal(trying.status, 100);
  assert.doesNotMatch(trying.headers.get("To") ?? "", /tag=/, "100 Trying carries no To tag (§8.2.6.1)");
  assert.equal(onlyTx(delivered).state, "Proceeding");
});

test("INVITE server: retransmitted INVITE resends the most recent provisional response", () => {
  const { layer, transport, delivered, flow } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  layer.receive(request({ method: "INVITE" }), flow);
  assert.equal(parsedResponse(transport.last()!.data).status, 100, "the 100 is resent while nothing newer exists");
  const tx = onlyTx(delivered);
  tx.respond(createResponse(delivered[0]!.req, 180, "Ringing", "totag"));
  const ringing = transport.last()!.data;
  layer.receive(request({ method: "INVITE" }), flow);
  assert.equal(transport.sent.length, 4);
  assert.ok(transport.last()!.data.equals(ringing));
  assert.equal(delivered.length, 1);
});

test("INVITE server: final 4xx is retransmitted by Timer G at T1, 2T1, 4T1 … capped at T2", () => {
  const { layer, transport, delivered, flow, clock } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  const tx = onlyTx(delivered);
  tx.respond(createResponse(delivered[0]!.req, 486, "Busy Here", "t"));
  assert.equal(tx.state, "Completed");
  const final = transport.last()!.data;
  const before = transport.sent.length;
  const t0 = clock.now();
  const times = sendTimes(clock, transport, t0, 20_000, (ms) => clock.advance(ms));
  const intervals = times.map((t, i) => t - (i === 0 ? 0 : (times[i - 1] ?? 0)));
  assert.deepEqual(intervals.slice(0, 6), [T1, 2 * T1, 4 * T1, T2, T2, T2]);
  assert.ok(transport.sent.slice(before).every((p) => p.data.equals(final)), "each retransmission is the same 486");
});

test("INVITE server: Timer H (64*T1) fires onTimeout when no ACK arrives, and the transaction ends", () => {
  const { layer, delivered, flow, clock } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  const tx = onlyTx(delivered);
  let timeouts = 0;
  tx.delegate = { onTimeout: () => timeouts++ };
  tx.respond(createResponse(delivered[0]!.req, 486, "Busy Here", "t"));
  clock.advance(64 * T1 - 1);
  assert.equal(timeouts, 0);
  clock.advance(1);
  assert.equal(timeouts, 1);
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(layer.counts(), { server: 0, client: 0 });
  assert.equal(clock.pending, 0);
});

test("INVITE server: ACK moves Completed to Confirmed, stops Timer G, and Timer I (T4) terminates", () => {
  const { layer, transport, delivered, flow, clock } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  const tx = onlyTx(delivered);
  let timeouts = 0;
  tx.delegate = { onTimeout: () => timeouts++ };
  tx.respond(createResponse(delivered[0]!.req, 486, "Busy Here", "t"));
  layer.receive(request({ method: "ACK", toTag: "t", cseqMethod: "ACK" }), flow);
  assert.equal(tx.state, "Confirmed");
  assert.equal(delivered.length, 1, "the non-2xx ACK is absorbed by the transaction");
  const sent = transport.sent.length;
  // Retransmitted ACKs and INVITEs are absorbed in Confirmed.
  layer.receive(request({ method: "ACK", toTag: "t", cseqMethod: "ACK" }), flow);
  layer.receive(request({ method: "INVITE" }), flow);
  clock.advance(T4 - 1);
  assert.equal(transport.sent.length, sent, "no retransmission after the ACK");
  assert.equal(tx.state, "Confirmed");
  clock.advance(1);
  assert.equal(tx.state, "Terminated");
  assert.equal(timeouts, 0, "Timer H was cancelled");
  assert.deepEqual(layer.counts(), { server: 0, client: 0 });
  assert.equal(clock.pending, 0);
});

test("INVITE server on a reliable transport: no Timer G, and Timer I is zero", () => {
  const { layer, transport, delivered, flow, clock } = setup({ reliable: true });
  layer.receive(request({ method: "INVITE" }), flow);
  const tx = onlyTx(delivered);
  tx.respond(createResponse(delivered[0]!.req, 603, "Decline", "t"));
  clock.advance(10 * T1);
  assert.equal(transport.sent.length, 2, "100 and 603 only");
  layer.receive(request({ method: "ACK", toTag: "t", cseqMethod: "ACK" }), flow);
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(layer.counts(), { server: 0, client: 0 });
  assert.equal(clock.pending, 0);
});

test("INVITE server: 2xx moves to Accepted (RFC 6026), absorbs INVITE retransmissions, Timer L terminates", () => {
  const { layer, transport, delivered, flow, clock } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  const tx = onlyTx(delivered) as InviteServerTransaction;
  const ok = createResponse(delivered[0]!.req, 200, "OK", "t");
  tx.respond(ok);
  assert.equal(tx.state, "Accepted");
  const sent = transport.sent.length;
  layer.receive(request({ method: "INVITE" }), flow);
  assert.equal(transport.sent.length, sent, "RFC 6026 §7.1: retransmitted INVITE absorbed in Accepted");
  // The TU (not the transaction) retransmits the 2xx; the transaction passes those on.
  tx.respond(ok);
  assert.equal(transport.sent.length, sent + 1);
  clock.advance(10 * T1);
  assert.equal(transport.sent.length, sent + 1, "no Timer G for 2xx");
  clock.advance(64 * T1 - 10 * T1 - 1);
  assert.equal(tx.state, "Accepted");
  clock.advance(1);
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(layer.counts(), { server: 0, client: 0 });
});

test("INVITE server: a non-2xx final from the TU in Accepted is not sent", () => {
  const { layer, transport, delivered, flow } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  const tx = onlyTx(delivered);
  tx.respond(createResponse(delivered[0]!.req, 200, "OK", "t"));
  const sent = transport.sent.length;
  tx.respond(createResponse(delivered[0]!.req, 500, "Server Internal Error", "t"));
  assert.equal(transport.sent.length, sent);
  assert.equal(tx.finalStatus, 200);
});

test("server transaction: close() is safe to call twice and removes the transaction", () => {
  const { layer, delivered, flow, clock } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  const tx = onlyTx(delivered);
  let terminated = 0;
  tx.delegate = { onTerminated: () => terminated++ };
  tx.respond(createResponse(delivered[0]!.req, 486, "Busy Here", "t"));
  tx.close();
  tx.close();
  assert.equal(terminated, 1);
  assert.deepEqual(layer.counts(), { server: 0, client: 0 });
  assert.equal(clock.pending, 0);
});
