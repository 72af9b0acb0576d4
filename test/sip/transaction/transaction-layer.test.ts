import { test } from "node:test";
import assert from "node:assert/strict";
import { createResponse } from "../../../src/sip/transaction/create-response.js";
import type { InviteServerTransaction } from "../../../src/sip/transaction/server-transaction.js";
import type { MessageTrace } from "../../../src/sip/transaction/transaction-layer.js";
import { T1, T4, parsedRequest, parsedResponse, request, requestText, setup } from "./harness.js";

// ---- Via handling (§18.2.1, RFC 3581) ----

test("layer: §18.2.1 adds received= when the sent-by host differs from the packet source", () => {
  const { layer, delivered, transport } = setup();
  layer.receive(request({ method: "INVITE", sentBy: "10.0.0.5:5060" }), transport.flow("192.0.2.10", 5060));
  const via = delivered[0]?.req.headers.getAll("Via")[0] ?? "";
  assert.match(via, /^SIP\/2\.0\/UDP 10\.0\.0\.5:5060;branch=z9hG4bK-test-1;received=192\.0\.2\.10$/);
  assert.doesNotMatch(via, /rport/, "no rport unless the client asked");
  // The response carries the fixed Via back (§8.2.6.2).
  assert.equal(parsedResponse(transport.sent[0]!.data).headers.getAll("Via")[0], via);
});

test("layer: the top Via is left alone when sent-by equals the source and there is no rport", () => {
  const { layer, delivered, transport } = setup();
  const raw = requestText({ sentBy: "192.0.2.10:5060" });
  layer.receive(Buffer.from(raw), transport.flow("192.0.2.10", 5060));
  assert.equal(delivered[0]?.req.headers.getAll("Via")[0], "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-test-1");
});

test("layer: RFC 3581 fills an empty rport with the source port and adds received even for the same host", () => {
  const { layer, delivered, transport } = setup();
  layer.receive(request({ sentBy: "192.0.2.10:5060", viaParams: ";rport" }), transport.flow("192.0.2.10", 40123));
  const via = delivered[0]?.req.headers.getAll("Via")[0] ?? "";
  assert.match(via, /;rport=40123(;|$)/);
  assert.match(via, /;received=192\.0\.2\.10(;|$)/);
});

test("layer: only the top Via is fixed; lower Via values are kept in order", () => {
  const { layer, delivered, transport } = setup();
  const raw = requestText({ sentBy: "10.0.0.5:5060", extra: ["Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-lower"] });
  layer.receive(Buffer.from(raw), transport.flow("192.0.2.10", 5060));
  const vias = delivered[0]?.req.headers.getAll("Via") ?? [];
  assert.equal(vias.length, 2);
  assert.match(vias[0] ?? "", /^SIP\/2\.0\/UDP 10\.0\.0\.5:5060;.*received=192\.0\.2\.10/);
  assert.equal(vias[1], "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-lower");
});

test("layer: responses go back to the flow's source address and port (§18.2.2)", () => {
  const { layer, transport } = setup();
  layer.receive(request({ method: "INVITE", sentBy: "10.0.0.5:5060" }), transport.flow("198.51.100.7", 41000));
  assert.equal(transport.sent[0]?.remoteAddress, "198.51.100.7");
  assert.equal(transport.sent[0]?.remotePort, 41000);
});

// ---- Malformed input (§8.2, STYLE.md §3) ----

test("layer: a malformed request with readable Via/From/To/Call-ID/CSeq gets a stateless 400", () => {
  const { layer, transport, delivered, parseErrors, flow } = setup();
  const raw = requestText().replace("Content-Length: 0", "Content-Length: 200");
  layer.receive(Buffer.from(raw), flow);
  assert.equal(delivered.length, 0);
  assert.equal(transport.sent.length, 1);
  const res = parsedResponse(transport.sent[0]!.data);
  assert.equal(res.status, 400);
  assert.match(res.reason, /^Bad Request - Content-Length larger than body/);
  assert.equal(res.headers.get("Call-ID"), "call-1@192.0.2.10");
  assert.equal(res.headers.get("CSeq"), "1 OPTIONS");
  assert.match(res.headers.get("To") ?? "", /;tag=/);
  assert.deepEqual(parseErrors, [{ reason: "Content-Length larger than body", answered: true }]);
  assert.deepEqual(layer.counts(), { server: 0, client: 0 }, "stateless: no transaction kept");
});

test("layer: a malformed request without a readable Call-ID is dropped and parseError says answered=false", () => {
  const { layer, transport, parseErrors, flow } = setup();
  const raw = requestText().replace(/Call-ID: [^\r]*\r\n/, "");
  layer.receive(Buffer.from(raw), flow);
  assert.equal(transport.sent.length, 0);
  assert.equal(parseErrors.length, 1);
  assert.equal(parseErrors[0]?.answered, false);
  assert.equal(layer.stats.parseErrors, 1);
});

test("layer: garbage is dropped with parseError answered=false", () => {
  const { layer, transport, parseErrors, flow } = setup();
  layer.receive(Buffer.from("\x16\x03\x01 not sip at all\r\n\r\n"), flow);
  assert.equal(transport.sent.length, 0);
  assert.deepEqual(parseErrors.map((e) => e.answered), [false]);
});

test("layer: a malformed ACK is never answered (§17: no response to ACK)", () => {
  const { layer, transport, parseErrors, flow } = setup();
  const raw = requestText({ method: "ACK", toTag: "t" }).replace("Content-Length: 0", "Content-Length: 50");
  layer.receive(Buffer.from(raw), flow);
  assert.equal(transport.sent.length, 0);
  assert.equal(parseErrors[0]?.answered, false);
});

test("layer: without a transaction user, requests are answered 503", () => {
  const { layer, transport, flow } = setup({ noUser: true });
  layer.receive(request(), flow);
  assert.equal(parsedResponse(transport.sent[0]!.data).status, 503);
});

// ---- 2xx ACK delivery (RFC 6026 §7.1) ----

test("layer: RFC 6026 §7.1 — an ACK matching an INVITE transaction in Accepted is passed up to the TU", () => {
  const { layer, delivered, flow } = setup();
  // An RFC 2543 peer: without a branch cookie the 2xx ACK has the INVITE's transaction key.
  layer.receive(request({ method: "INVITE", branch: null }), flow);
  const tx = delivered[0]?.tx as InviteServerTransaction | undefined;
  assert.ok(tx);
  tx.respond(createResponse(delivered[0]!.req, 200, "OK", "t"));
  layer.receive(request({ method: "ACK", branch: null, toTag: "t" }), flow);
  assert.equal(delivered.length, 2);
  assert.equal(delivered[1]?.req.method, "ACK");
  assert.equal(delivered[1]?.tx, undefined);
  // With a handler registered on the transaction, the handler gets it instead.
  const acks: string[] = [];
  tx.onAck((a) => acks.push(a.method));
  layer.receive(request({ method: "ACK", branch: null, toTag: "t" }), flow);
  assert.deepEqual(acks, ["ACK"]);
  assert.equal(delivered.length, 2);
});

// ---- Tracing and cleanup ----

test("layer: with tracing on, every message in and out is emitted as a trace event", () => {
  const { layer, flow } = setup();
  const traces: MessageTrace[] = [];
  layer.tracing = true;
  layer.on("trace", (t) => traces.push(t));
  layer.receive(request({ method: "INVITE" }), flow);
  assert.deepEqual(traces.map((t) => t.direction), ["in", "out"]);
  assert.equal(traces[0]?.message?.kind, "request");
});

test("layer: every transaction is cleaned up — counts() back to 0 and no timers once they run out", () => {
  const { layer, delivered, flow, clock, transport } = setup();
  layer.receive(request({ method: "INVITE", branch: "z9hG4bK-a" }), flow);
  layer.receive(request({ method: "INVITE", branch: "z9hG4bK-b" }), flow);
  layer.receive(request({ method: "INVITE", branch: "z9hG4bK-c" }), flow);
  layer.receive(request({ method: "REGISTER", branch: "z9hG4bK-d" }), flow);
  layer.receive(request({ method: "OPTIONS", branch: "z9hG4bK-e" }), flow);
  const [a, b, c, d] = delivered;
  a?.tx?.respond(createResponse(a.req, 200, "OK", "t")); // Accepted → Timer L
  b?.tx?.respond(createResponse(b.req, 486, "Busy Here", "t")); // Completed → Timer H (no ACK)
  c?.tx?.respond(createResponse(c.req, 404, "Not Found", "t")); // Completed → ACK → Timer I
  layer.receive(request({ method: "ACK", branch: "z9hG4bK-c", toTag: "t" }), flow);
  d?.tx?.respond(createResponse(d.req, 200, "OK", "t")); // Completed → Timer J
  // e is never answered by the TU: it lives until the TU answers or the layer closes.
  layer.sendRequest(parsedRequest(requestText({ sentBy: "192.0.2.1:5060", branch: "z9hG4bK-out" })), transport.flow("192.0.2.20", 5060), {
    onResponse: () => {},
  });
  assert.deepEqual(layer.counts(), { server: 5, client: 1 });
  clock.advance(64 * T1 + T4);
  assert.deepEqual(layer.counts(), { server: 1, client: 0 });
  layer.close();
  assert.deepEqual(layer.counts(), { server: 0, client: 0 });
  assert.equal(clock.pending, 0);
  assert.deepEqual(layer.dump(), []);
});
