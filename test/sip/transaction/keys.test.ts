import { test } from "node:test";
import assert from "node:assert/strict";
import { createResponse } from "../../../src/sip/transaction/create-response.js";
import { clientKey, serverKey } from "../../../src/sip/transaction/keys.js";
import { serializeMessage } from "../../../src/sip/parser/index.js";
import { parsedRequest, parsedResponse, request, requestText, setup } from "./harness.js";

test("serverKey: RFC 3261 branch keys on branch, sent-by and method; ACK keys as INVITE (§17.2.3)", () => {
  const invite = parsedRequest(requestText({ method: "INVITE" }));
  const ack = parsedRequest(requestText({ method: "ACK", toTag: "x" }));
  const cancel = parsedRequest(requestText({ method: "CANCEL" }));
  assert.equal(serverKey(invite), serverKey(ack));
  assert.notEqual(serverKey(invite), serverKey(cancel));
  assert.equal(serverKey(cancel, "INVITE"), serverKey(invite));
  assert.notEqual(serverKey(invite), serverKey(parsedRequest(requestText({ method: "INVITE", sentBy: "192.0.2.11:5060" }))));
});

test("serverKey: a sent-by without a port matches the same sent-by with the default port 5060", () => {
  const a = parsedRequest(requestText({ sentBy: "192.0.2.10" }));
  const b = parsedRequest(requestText({ sentBy: "192.0.2.10:5060" }));
  assert.equal(serverKey(a), serverKey(b));
});

test("clientKey: a response matches by top Via branch and CSeq method (§17.1.3)", () => {
  const req = parsedRequest(requestText({ method: "INVITE" }));
  const res = parsedResponse(serializeMessage(createResponse(req, 486)));
  assert.equal(clientKey(req), clientKey(res));
  const cancelRes = parsedResponse(serializeMessage(createResponse(parsedRequest(requestText({ method: "CANCEL" })), 200)));
  assert.notEqual(clientKey(cancelRes), clientKey(req));
});

test("matching: same branch but a different sent-by is a different transaction (§17.2.3)", () => {
  const { layer, delivered, flow } = setup();
  layer.receive(request({ sentBy: "192.0.2.10:5060" }), flow);
  layer.receive(request({ sentBy: "192.0.2.99:5060" }), flow);
  assert.equal(delivered.length, 2);
  assert.deepEqual(layer.counts(), { server: 2, client: 0 });
});

test("matching: same branch but a different method is a different transaction", () => {
  const { layer, delivered, flow } = setup();
  layer.receive(request({ method: "OPTIONS" }), flow);
  layer.receive(request({ method: "INFO" }), flow);
  assert.equal(delivered.length, 2);
});

test("matching: the ACK for a non-2xx final matches the INVITE server transaction", () => {
  const { layer, delivered, flow } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  const tx = delivered[0]?.tx;
  assert.ok(tx);
  tx.respond(createResponse(delivered[0]!.req, 480, "Temporarily Unavailable", "t"));
  layer.receive(request({ method: "ACK", toTag: "t" }), flow);
  assert.equal(tx.state, "Confirmed");
  assert.equal(delivered.length, 1);
});

test("matching: an ACK matching no transaction (the 2xx ACK) goes to the TU without a transaction", () => {
  const { layer, delivered, flow } = setup();
  layer.receive(request({ method: "ACK", branch: "z9hG4bK-new-ack", toTag: "t" }), flow);
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0]?.tx, undefined);
  assert.deepEqual(layer.counts(), { server: 0, client: 0 });
});

test("matching: CANCEL gets its own transaction and findInviteForCancel finds the INVITE (§9.2)", () => {
  const { layer, delivered, flow } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  layer.receive(request({ method: "CANCEL" }), flow);
  assert.equal(delivered.length, 2);
  const [inv, cancel] = delivered;
  assert.ok(inv?.tx && cancel?.tx);
  assert.notEqual(inv.tx, cancel.tx);
  assert.equal(cancel.tx.method, "CANCEL");
  assert.equal(layer.findInviteForCancel(cancel.req), inv.tx);
  assert.deepEqual(layer.counts(), { server: 2, client: 0 });
});

test("matching: findInviteForCancel finds nothing for a CANCEL with another branch", () => {
  const { layer, delivered, flow } = setup();
  layer.receive(request({ method: "INVITE" }), flow);
  layer.receive(request({ method: "CANCEL", branch: "z9hG4bK-other" }), flow);
  assert.equal(layer.findInviteForCancel(delivered[1]!.req), undefined);
});

test("matching (RFC 2543 fallback, no magic cookie): retransmission matches by Call-ID, CSeq, From tag and sent-by", () => {
  const { layer, delivered, transport, flow } = setup();
  const old = { method: "INVITE", branch: "1234abcd" };
  layer.receive(request(old), flow);
  layer.receive(request(old), flow);
  assert.equal(delivered.length, 1);
  assert.equal(transport.sent.length, 2, "100 Trying resent for the retransmission");
  // Another From tag or CSeq is another transaction.
  layer.receive(request({ ...old, fromTag: "other" }), flow);
  layer.receive(request({ ...old, cseq: 2 }), flow);
  assert.equal(delivered.length, 3);
});

test("matching (RFC 2543 fallback): the ACK for a non-2xx final matches the INVITE even with the To tag added", () => {
  const { layer, delivered, flow } = setup();
  layer.receive(request({ method: "INVITE", branch: null }), flow);
  const tx = delivered[0]?.tx;
  assert.ok(tx);
  tx.respond(createResponse(delivered[0]!.req, 486, "Busy Here", "t"));
  layer.receive(request({ method: "ACK", branch: null, toTag: "t" }), flow);
  assert.equal(tx.state, "Confirmed");
  assert.equal(delivered.length, 1);
});
