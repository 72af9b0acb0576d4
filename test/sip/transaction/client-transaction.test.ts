import { test } from "node:test";
import assert from "node:assert/strict";
import type { SipResponse } from "../../../src/sip/message/message.js";
import type { ClientTransactionDelegate } from "../../../src/sip/transaction/client-transaction.js";
import { T1, T2, T4, flushMicrotasks, parsedRequest, requestText, setup, type RequestSpec } from "./harness.js";

const OUR_VIA = "192.0.2.1:5060";

function outgoing(spec: RequestSpec = {}) {
  return parsedRequest(requestText({ sentBy: OUR_VIA, branch: "z9hG4bK-client-1", uri: "sip:2000@192.0.2.10", ...spec }));
}

function responseText(status: number, reason: string, opts: { method?: string; branch?: string; toTag?: string; cseq?: number } = {}): Buffer {
  const method = opts.method ?? "OPTIONS";
  return Buffer.from(
    [
      `SIP/2.0 ${status} ${reason}`,
      `Via: SIP/2.0/UDP ${OUR_VIA};branch=${opts.branch ?? "z9hG4bK-client-1"};received=192.0.2.1`,
      "From: <sip:1001@192.0.2.1>;tag=from-1",
      `To: <sip:2000@192.0.2.1>${status > 100 ? `;tag=${opts.toTag ?? "remote-tag"}` : ""}`,
      "Call-ID: call-1@192.0.2.10",
      `CSeq: ${opts.cseq ?? 1} ${method}`,
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n"),
    "latin1",
  );
}

function recorder() {
  const responses: SipResponse[] = [];
  let timeouts = 0;
  let transportErrors = 0;
  const delegate: ClientTransactionDelegate = {
    onResponse: (r) => responses.push(r),
    onTimeout: () => timeouts++,
    onTransportError: () => transportErrors++,
  };
  return {
    delegate,
    responses,
    get timeouts() {
      return timeouts;
    },
    get transportErrors() {
      return transportErrors;
    },
  };
}

/** Advances the clock in small steps and returns the intervals between sends. */
function intervals(env: ReturnType<typeof setup>, untilMs: number): number[] {
  const { clock, transport } = env;
  const t0 = clock.now();
  const times: number[] = [];
  let seen = transport.sent.length;
  for (let t = 0; t < untilMs; t += 50) {
    clock.advance(50);
    for (; seen < transport.sent.length; seen++) times.push(clock.now() - t0);
  }
  return times.map((t, i) => t - (i === 0 ? 0 : (times[i - 1] ?? 0)));
}

// ---- Non-INVITE client transaction (§17.1.2) ----

test("non-INVITE client: Timer E retransmits at T1, doubling up to T2 (§17.1.2.2)", () => {
  const env = setup();
  const rec = recorder();
  env.layer.sendRequest(outgoing(), env.flow, rec.delegate);
  assert.equal(env.transport.sent.length, 1, "sent at once");
  assert.deepEqual(intervals(env, 20_000).slice(0, 6), [T1, 2 * T1, 4 * T1, T2, T2, T2]);
});

test("non-INVITE client: Timer F (64*T1) reports a timeout and removes the transaction", () => {
  const env = setup();
  const rec = recorder();
  const tx = env.layer.sendRequest(outgoing(), env.flow, rec.delegate);
  env.clock.advance(64 * T1 - 1);
  assert.equal(rec.timeouts, 0);
  env.clock.advance(1);
  assert.equal(rec.timeouts, 1);
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(env.layer.counts(), { server: 0, client: 0 });
  assert.equal(env.clock.pending, 0);
});

test("non-INVITE client: a 1xx moves to Proceeding and Timer E continues at T2", () => {
  const env = setup();
  const rec = recorder();
  const tx = env.layer.sendRequest(outgoing(), env.flow, rec.delegate);
  env.layer.receive(responseText(100, "Trying"), env.flow);
  assert.equal(tx.state, "Proceeding");
  assert.equal(rec.responses[0]?.status, 100);
  // The pending Timer E (T1) still fires; from then on the interval is T2.
  assert.deepEqual(intervals(env, 3 * T2 + T1).slice(0, 3), [T1, T2, T2]);
});

test("non-INVITE client: a final response moves to Completed; Timer K (T4) absorbs retransmissions then terminates", () => {
  const env = setup();
  const rec = recorder();
  const tx = env.layer.sendRequest(outgoing(), env.flow, rec.delegate);
  env.layer.receive(responseText(200, "OK"), env.flow);
  assert.equal(tx.state, "Completed");
  const sent = env.transport.sent.length;
  env.layer.receive(responseText(200, "OK"), env.flow);
  assert.equal(rec.responses.length, 1, "the retransmitted final is absorbed");
  env.clock.advance(T4 - 1);
  assert.equal(env.transport.sent.length, sent, "Timer E stopped");
  assert.equal(tx.state, "Completed");
  env.clock.advance(1);
  assert.equal(tx.state, "Terminated");
  assert.equal(rec.timeouts, 0);
  assert.deepEqual(env.layer.counts(), { server: 0, client: 0 });
  assert.equal(env.clock.pending, 0);
});

test("non-INVITE client on a reliable transport: no Timer E, Timer K is zero", () => {
  const env = setup({ reliable: true });
  const rec = recorder();
  const tx = env.layer.sendRequest(outgoing(), env.flow, rec.delegate);
  env.clock.advance(10 * T1);
  assert.equal(env.transport.sent.length, 1);
  env.layer.receive(responseText(404, "Not Found"), env.flow);
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(env.layer.counts(), { server: 0, client: 0 });
  assert.equal(env.clock.pending, 0);
});

test("non-INVITE client: a response with another method in CSeq does not match (§17.1.3)", () => {
  const env = setup();
  const rec = recorder();
  env.layer.sendRequest(outgoing(), env.flow, rec.delegate);
  env.layer.receive(responseText(200, "OK", { method: "REGISTER" }), env.flow);
  assert.equal(rec.responses.length, 0);
  assert.equal(env.stray.length, 1, "handed to the TU as a stray response");
});

test("client transaction: a transport failure terminates it and reports onTransportError", async () => {
  const env = setup();
  const rec = recorder();
  env.transport.failWith = new Error("ECONNREFUSED");
  const tx = env.layer.sendRequest(outgoing(), env.flow, rec.delegate);
  await flushMicrotasks();
  assert.equal(rec.transportErrors, 1);
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(env.layer.counts(), { server: 0, client: 0 });
});

// ---- INVITE client transaction (§17.1.1, RFC 6026 §8.4) ----

test("INVITE client: Timer A retransmits at T1 and doubles each time; Timer B times out", () => {
  const env = setup();
  const rec = recorder();
  const tx = env.layer.sendRequest(outgoing({ method: "INVITE" }), env.flow, rec.delegate);
  const iv = intervals(env, 64 * T1);
  // Sends at 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s; Timer B fires at 32 s.
  assert.deepEqual(iv, [T1, 2 * T1, 4 * T1, 8 * T1, 16 * T1, 32 * T1]);
  assert.equal(rec.timeouts, 1);
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(env.layer.counts(), { server: 0, client: 0 });
  assert.equal(env.clock.pending, 0);
});

test("INVITE client: 1xx moves to Proceeding, which stops Timer A and Timer B (a phone may ring past 32 s)", () => {
  const env = setup();
  const rec = recorder();
  const tx = env.layer.sendRequest(outgoing({ method: "INVITE" }), env.flow, rec.delegate);
  env.layer.receive(responseText(180, "Ringing", { method: "INVITE" }), env.flow);
  assert.equal(tx.state, "Proceeding");
  env.clock.advance(2 * 64 * T1);
  assert.equal(env.transport.sent.length, 1, "no retransmission in Proceeding");
  assert.equal(rec.timeouts, 0, "§17.1.1.2: Timer B only times out a transaction still in Calling");
  assert.equal(tx.state, "Proceeding");
  env.layer.receive(responseText(200, "OK", { method: "INVITE" }), env.flow);
  assert.equal(tx.state, "Accepted");
});

test("INVITE client: ACK for a 3xx–6xx has the INVITE's Request-URI, Call-ID, From, CSeq number and top Via, the response's To, CSeq method ACK (§17.1.1.3)", () => {
  const env = setup();
  const rec = recorder();
  const invite = outgoing({ method: "INVITE", cseq: 42, extra: ["Route: <sip:proxy.example.test;lr>"] });
  const tx = env.layer.sendRequest(invite, env.flow, rec.delegate);
  env.layer.receive(responseText(486, "Busy Here", { method: "INVITE", cseq: 42, toTag: "busy-tag" }), env.flow);
  assert.equal(tx.state, "Completed");
  assert.equal(rec.responses[0]?.status, 486);
  assert.equal(env.transport.sent.length, 2);
  const ack = parsedRequest(env.transport.sent[1]!.data);
  assert.equal(ack.method, "ACK");
  assert.equal(ack.uri, invite.uri);
  assert.equal(ack.headers.get("Call-ID"), invite.headers.get("Call-ID"));
  assert.equal(ack.headers.get("From"), invite.headers.get("From"));
  assert.equal(ack.headers.get("CSeq"), "42 ACK");
  assert.deepEqual(ack.headers.getAll("Via"), [invite.headers.getAll("Via")[0]]);
  assert.equal(ack.headers.get("To"), "<sip:2000@192.0.2.1>;tag=busy-tag");
  assert.equal(ack.headers.get("Route"), "<sip:proxy.example.test;lr>", "§17.1.1.3: Route header fields of the INVITE");
});

test("INVITE client: a retransmitted final response is answered with the same ACK; Timer D (32 s) terminates", () => {
  const env = setup();
  const rec = recorder();
  const tx = env.layer.sendRequest(outgoing({ method: "INVITE" }), env.flow, rec.delegate);
  env.layer.receive(responseText(404, "Not Found", { method: "INVITE" }), env.flow);
  const ack = env.transport.sent[1]!.data;
  env.layer.receive(responseText(404, "Not Found", { method: "INVITE" }), env.flow);
  assert.equal(env.transport.sent.length, 3);
  assert.ok(env.transport.sent[2]!.data.equals(ack));
  assert.equal(rec.responses.length, 1, "the TU saw the final once");
  env.clock.advance(32_000 - 1);
  assert.equal(tx.state, "Completed");
  env.clock.advance(1);
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(env.layer.counts(), { server: 0, client: 0 });
  assert.equal(env.clock.pending, 0);
});

test("INVITE client: 2xx moves to Accepted (RFC 6026 §8.4) and further 2xx pass to the TU; no ACK from the transaction", () => {
  const env = setup();
  const rec = recorder();
  const tx = env.layer.sendRequest(outgoing({ method: "INVITE" }), env.flow, rec.delegate);
  env.layer.receive(responseText(200, "OK", { method: "INVITE", toTag: "a" }), env.flow);
  assert.equal(tx.state, "Accepted");
  env.layer.receive(responseText(200, "OK", { method: "INVITE", toTag: "a" }), env.flow);
  env.layer.receive(responseText(200, "OK", { method: "INVITE", toTag: "forked" }), env.flow);
  assert.deepEqual(rec.responses.map((r) => r.status), [200, 200, 200]);
  assert.equal(env.transport.sent.length, 1, "the 2xx ACK belongs to the TU, not the transaction");
  env.clock.advance(64 * T1); // Timer M
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(env.layer.counts(), { server: 0, client: 0 });
  assert.equal(env.clock.pending, 0);
});

test("INVITE client on a reliable transport: no Timer A, Timer D is zero", () => {
  const env = setup({ reliable: true });
  const rec = recorder();
  const tx = env.layer.sendRequest(outgoing({ method: "INVITE" }), env.flow, rec.delegate);
  env.clock.advance(10 * T1);
  assert.equal(env.transport.sent.length, 1);
  env.layer.receive(responseText(503, "Service Unavailable", { method: "INVITE" }), env.flow);
  assert.equal(env.transport.sent.length, 2, "the ACK is still sent");
  assert.equal(tx.state, "Terminated");
  assert.deepEqual(env.layer.counts(), { server: 0, client: 0 });
});

test("sendRequest: a request without a Via branch is a programming error", () => {
  const env = setup();
  const req = outgoing();
  req.headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060");
  assert.throws(() => env.layer.sendRequest(req, env.flow, recorder().delegate), /Via with branch/);
});
