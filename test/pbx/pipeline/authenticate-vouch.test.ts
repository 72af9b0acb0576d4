/**
 * The authenticate stage vouches for the connection a request came over once the request is
 * authenticated (digest accepted) or its endpoint needs none (no auth=): a WebSocket transport
 * then takes that connection off probation (ws-transport.ts). A challenge, a wrong password,
 * the artificial endpoint and an unauthenticated OPTIONS vouch for nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Flow } from "../../../src/sip/transport/types.js";
import { BASE_CONF, Phone, buildPbx } from "../harness.js";

function spied(conf = BASE_CONF) {
  const pbx = buildPbx({ conf });
  const vouched: Flow[] = [];
  (pbx.transport as { vouch?: (flow: Flow) => void }).vouch = (flow) => vouched.push(flow);
  return { pbx, vouched };
}

test("authenticate: a REGISTER that passes digest vouches for its flow; the challenge and a wrong password do not", () => {
  const { pbx, vouched } = spied();
  const phone = new Phone(pbx, { user: "6001", password: "secret6001", ip: "203.0.113.7" });
  assert.equal(phone.register().status, 401);
  assert.equal(new Phone(pbx, { user: "6001", password: "wrong", ip: "203.0.113.8" }).registerWithAuth().status, 401);
  assert.equal(new Phone(pbx, { user: "9999", password: "x", ip: "203.0.113.9" }).registerWithAuth().status, 401, "the artificial endpoint");
  assert.equal(new Phone(pbx, { user: "6001", password: "x", ip: "203.0.113.10" }).options().status, 401, "an OPTIONS without credentials is challenged");
  assert.equal(new Phone(pbx, { user: "nobody", password: "x", ip: "203.0.113.12" }).options().status, 200, "an OPTIONS that names no endpoint is answered, unauthenticated");
  assert.equal(vouched.length, 0);
  assert.equal(phone.registerWithAuth().status, 200);
  assert.equal(vouched.length, 1);
  assert.equal(vouched[0]?.remoteAddress, "203.0.113.7");
});

test("authenticate: a request from an endpoint without auth= (trusted by identification) vouches for its flow", () => {
  const { pbx, vouched } = spied(`${BASE_CONF}\n[7001]\ntype=endpoint\ncontext=default\naors=7001\n\n[7001]\ntype=aor\nmax_contacts=1\n`);
  assert.equal(new Phone(pbx, { user: "7001", password: "", ip: "203.0.113.11" }).register().status, 200);
  assert.equal(vouched.length, 1);
});

test("authenticate: a request let in as the anonymous endpoint vouches for nothing", () => {
  const { pbx, vouched } = spied(`${BASE_CONF}\n[anonymous]\ntype=endpoint\ncontext=default\n`);
  // A scanner's OPTIONS from nobody the PBX knows: let in as anonymous (no auth=), answered.
  assert.equal(new Phone(pbx, { user: "stranger", password: "", ip: "203.0.113.13" }).options().status, 200);
  assert.equal(vouched.length, 0);
});
