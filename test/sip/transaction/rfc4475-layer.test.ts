/**
 * What the transaction layer does with each RFC 4475 message arriving in a UDP datagram: answer
 * statelessly (400, or 505 for an unknown SIP version), pass the request to the transaction user,
 * or drop it (responses that match nothing, messages too broken to address a response to). The
 * answers of the request pipeline above (416, 420, 501, …) are in test/pbx/pipeline/rfc4475.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parsedResponse, setup } from "./harness.js";

const DIR = fileURLToPath(new URL("../../fixtures/sip/rfc4475/", import.meta.url));

function load(name: string): Buffer {
  return readFileSync(`${DIR}${name}.sip`);
}

type Outcome =
  | { to: "tu"; method: string }
  | { to: "stray" }
  | { to: "answer"; status: 400 | 505; reason: RegExp }
  | { to: "dropped"; reason: RegExp };

/** One row per message; the comment quotes what the RFC expects. */
const OUTCOMES: Record<string, Outcome> = {
  // §3.1.1: well formed, so they reach the transaction user.
  wsinv: { to: "tu", method: "INVITE" },
  intmeth: { to: "tu", method: "!interesting-Method0123456789_*+`.%indeed'~" },
  esc01: { to: "tu", method: "INVITE" },
  escnull: { to: "tu", method: "REGISTER" },
  esc02: { to: "tu", method: "RE%47IST%45R" },
  lwsdisp: { to: "tu", method: "OPTIONS" },
  longreq: { to: "tu", method: "INVITE" },
  dblreq: { to: "tu", method: "REGISTER" },
  semiuri: { to: "tu", method: "OPTIONS" },
  transports: { to: "tu", method: "OPTIONS" },
  mpart01: { to: "tu", method: "MESSAGE" },
  unreason: { to: "stray" },
  noreason: { to: "stray" },
  // §3.1.2: "An element receiving this request should respond with a 400 Bad Request error."
  badinv01: { to: "answer", status: 400, reason: /^Bad Request - malformed Via header$/ },
  clerr: { to: "answer", status: 400, reason: /Content-Length larger than body/ },
  ncl: { to: "answer", status: 400, reason: /invalid Content-Length/ },
  scalar02: { to: "answer", status: 400, reason: /invalid CSeq/ },
  // "An element receiving this response will simply discard it."
  scalarlg: { to: "dropped", reason: /invalid CSeq/ },
  quotbal: { to: "answer", status: 400, reason: /unterminated quoted string in To/ },
  ltgtruri: { to: "answer", status: 400, reason: /invalid Request-URI/ },
  lwsruri: { to: "answer", status: 400, reason: /whitespace in Request-URI/ },
  lwsstart: { to: "answer", status: 400, reason: /whitespace in Request-URI/ },
  trws: { to: "answer", status: 400, reason: /malformed request line/ },
  escruri: { to: "tu", method: "INVITE" },
  baddate: { to: "tu", method: "INVITE" },
  regbadct: { to: "tu", method: "REGISTER" },
  badaspec: { to: "tu", method: "OPTIONS" },
  baddn: { to: "tu", method: "OPTIONS" },
  // "The element should respond to the request with a 505 Version Not Supported error."
  badvers: { to: "answer", status: 505, reason: /^Version Not Supported$/ },
  mismatch01: { to: "answer", status: 400, reason: /CSeq method does not match/ },
  mismatch02: { to: "answer", status: 400, reason: /CSeq method does not match/ },
  // "An element receiving this response should simply drop it."
  bigcode: { to: "dropped", reason: /malformed status code/ },
  // §3.2.1: "it could fall back to the RFC 2543-style transaction identifier".
  badbranch: { to: "tu", method: "OPTIONS" },
  // §3.3.1: no Call-ID, From or To, so no response can be addressed; it "must not break".
  insuf: { to: "dropped", reason: /missing From header/ },
  unkscm: { to: "tu", method: "OPTIONS" },
  novelsc: { to: "tu", method: "OPTIONS" },
  unksm2: { to: "tu", method: "REGISTER" },
  bext01: { to: "tu", method: "OPTIONS" },
  invut: { to: "tu", method: "INVITE" },
  regaut01: { to: "tu", method: "REGISTER" },
  multi01: { to: "answer", status: 400, reason: /multiple CSeq headers/ },
  mcl01: { to: "answer", status: 400, reason: /conflicting Content-Length/ },
  // "an endpoint receiving this message should simply discard it".
  bcast: { to: "stray" },
  zeromf: { to: "tu", method: "OPTIONS" },
  cparam01: { to: "tu", method: "REGISTER" },
  cparam02: { to: "tu", method: "REGISTER" },
  regescrt: { to: "tu", method: "REGISTER" },
  sdp01: { to: "tu", method: "INVITE" },
  inv2543: { to: "tu", method: "INVITE" },
};

for (const [name, outcome] of Object.entries(OUTCOMES)) {
  const label = outcome.to === "answer" ? `answered ${outcome.status}` : outcome.to === "tu" ? "passed to the TU" : outcome.to === "stray" ? "a stray response, discarded" : "dropped";
  test(`layer: RFC 4475 ${name} over UDP is ${label}`, () => {
    const { layer, transport, delivered, stray, parseErrors, flow } = setup();
    layer.receive(load(name), flow);
    if (outcome.to === "tu") {
      assert.deepEqual(parseErrors, []);
      assert.equal(delivered.length, 1);
      assert.equal(delivered[0]?.req.method, outcome.method);
      // The only thing sent before the TU answers is the INVITE's 100 Trying (§17.2.1).
      assert.deepEqual(transport.sent.map((p) => parsedResponse(p.data).status), outcome.method === "INVITE" ? [100] : []);
    } else if (outcome.to === "stray") {
      assert.deepEqual(parseErrors, []);
      assert.equal(stray.length, 1);
      assert.equal(transport.sent.length, 0);
    } else if (outcome.to === "dropped") {
      assert.equal(delivered.length + stray.length + transport.sent.length, 0);
      assert.equal(parseErrors.length, 1);
      assert.match(parseErrors[0]?.reason ?? "", outcome.reason);
      assert.equal(parseErrors[0]?.answered, false);
    } else {
      assert.equal(delivered.length, 0);
      assert.equal(transport.sent.length, 1, "one stateless answer");
      // Read from the raw text: the answer copies the request's headers, and for scalar02 (CSeq)
      // and quotbal (To) those are exactly the broken ones, so our own parser would refuse it.
      const text = transport.sent[0]!.data.toString("latin1");
      const status = /^SIP\/2\.0 (\d{3}) (.*)\r\n/.exec(text);
      assert.equal(Number(status?.[1]), outcome.status, text);
      assert.match(status?.[2] ?? "", outcome.reason);
      const callIdLine = load(name).toString("latin1").split("\r\n").find((l) => /^(Call-ID|i)\s*:/i.test(l)) ?? "";
      assert.ok(text.includes(`\r\nCall-ID: ${callIdLine.slice(callIdLine.indexOf(":") + 1).trim()}\r\n`), `the answer names the request's Call-ID\n${text}`);
      assert.equal(parseErrors[0]?.answered, true);
      assert.deepEqual(layer.counts(), { server: 0, client: 0 }, "stateless: no transaction kept");
    }
  });
}

test("layer: RFC 4475 badinv01's 400 carries its Via, From, To, Call-ID and CSeq back unchanged", () => {
  const { layer, transport, flow } = setup();
  layer.receive(load("badinv01"), flow);
  const res = parsedResponse(transport.sent[0]!.data);
  assert.deepEqual(res.headers.getAll("Via"), ["SIP/2.0/UDP 192.0.2.15;;", ";"], "the malformed Via comes back as it was sent");
  assert.equal(res.headers.get("Call-ID"), "badinv01.0ha0isndaksdjasdf3234nas");
  assert.equal(res.headers.get("CSeq"), "8 INVITE");
  assert.equal(res.headers.get("From"), "sip:caller@example.net;tag=134161461246");
  assert.match(res.headers.get("To") ?? "", /^sip:j\.user@example\.com;tag=/);
});

test("layer: RFC 4475 badbranch requests with a cookie-only branch are not merged into one transaction", () => {
  // Each such request carries the same branch; matched by branch they would all be absorbed as
  // retransmissions of the first. RFC 2543 matching (Call-ID, CSeq, From tag) keeps them apart.
  const { layer, delivered, flow } = setup();
  const first = load("badbranch");
  const second = Buffer.from(first.toString("latin1").replace("badbranch.sadonfo23i420jv0as0derf3j3n", "badbranch.second").replace("CSeq: 8 OPTIONS", "CSeq: 9 OPTIONS"), "latin1");
  layer.receive(first, flow);
  layer.receive(second, flow);
  layer.receive(first, flow);
  assert.deepEqual(delivered.map((d) => d.req.headers.get("Call-ID")), ["badbranch.sadonfo23i420jv0as0derf3j3n", "badbranch.second"]);
  assert.equal(layer.stats.retransmissionsAbsorbed, 1, "the repeated first one is a retransmission");
});

test("layer: RFC 4475 inv2543 (no branch) is matched the RFC 2543 way: its retransmission is absorbed", () => {
  const { layer, delivered, transport, flow } = setup();
  layer.receive(load("inv2543"), flow);
  layer.receive(load("inv2543"), flow);
  assert.equal(delivered.length, 1);
  assert.equal(layer.stats.retransmissionsAbsorbed, 1);
  // The retransmitted INVITE gets the last provisional again (§17.2.1).
  assert.deepEqual(transport.sent.map((p) => parsedResponse(p.data).status), [100, 100]);
});

test("layer: RFC 4475 dblreq yields one REGISTER; the INVITE octets after its empty body are ignored", () => {
  const { layer, delivered, transport, flow } = setup();
  layer.receive(load("dblreq"), flow);
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0]?.req.body.length, 0);
  assert.equal(transport.sent.length, 0, "no 100 Trying: there is no INVITE here");
});
