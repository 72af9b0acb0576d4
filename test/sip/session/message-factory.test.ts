import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNetwork } from "../../../src/core/ip.js";
import { Dialog } from "../../../src/sip/dialog/dialog.js";
import { MessageFactory, encodeUser } from "../../../src/sip/session/index.js";
import { FakeTransport } from "../../helpers/fake-transport.js";
import { inviteFrom, reparse } from "./harness.js";

const f = new MessageFactory({ userAgent: () => "UA/1" });

test("message-factory: Via and Contact use external_signaling_address toward peers outside local_net", () => {
  const t = new FakeTransport({ localAddress: "10.0.0.5", localPort: 5060 });
  const net = parseNetwork("10.0.0.0/8");
  assert.ok(net);
  t.nat = { localNets: [net], externalSignalingAddress: "203.0.113.7", externalSignalingPort: 5070 };
  const outside = t.flow("198.51.100.9", 5060);
  assert.match(f.via(outside), /^SIP\/2\.0\/UDP 203\.0\.113\.7:5070;rport;branch=z9hG4bK/);
  assert.equal(f.contact(outside, "2000"), "<sip:2000@203.0.113.7:5070>");
  assert.equal(f.contact(t.flow("10.1.2.3", 5060), "2000"), "<sip:2000@10.0.0.5:5060>", "inside local_net: the bound address");
});

test("message-factory: Contact scheme and transport per transport (transport param on streams; sips only in a secure dialog)", () => {
  for (const [protocol, want] of [
    ["udp", "<sip:u@192.0.2.1:5060>"],
    ["tcp", "<sip:u@192.0.2.1:5060;transport=tcp>"],
    ["tls", "<sip:u@192.0.2.1:5060;transport=tls>"],
    ["wss", "<sip:u@192.0.2.1:5060;transport=ws>"],
  ] as const) {
    assert.equal(f.contact(new FakeTransport({ protocol, reliable: protocol !== "udp" }).flow(), "u"), want, protocol);
  }
  assert.equal(f.contact(new FakeTransport({ protocol: "tls", reliable: true }).flow(), "u", true), "<sips:u@192.0.2.1:5060;transport=tls>", "secure dialog (§12.1.1)");
});

test("message-factory: branches, tags and Call-IDs are fresh each time", () => {
  const flow = new FakeTransport().flow();
  const a = f.request({ method: "OPTIONS", requestUri: "sip:x@192.0.2.10", flow, from: { user: "s" }, to: "<sip:x@192.0.2.10>" });
  const b = f.request({ method: "OPTIONS", requestUri: "sip:x@192.0.2.10", flow, from: { user: "s" }, to: "<sip:x@192.0.2.10>" });
  for (const h of ["Via", "From", "Call-ID"]) assert.notEqual(a.headers.get(h), b.headers.get(h), h);
});

test("message-factory: a response to a re-INVITE (To tag present) copies no Record-Route; one to the initial INVITE does", () => {
  const initial = inviteFrom({ recordRoute: ["<sip:192.0.2.50;lr>"] });
  assert.deepEqual(f.response(initial, 200, { toTag: "t1" }).headers.getAll("Record-Route"), ["<sip:192.0.2.50;lr>"]);
  assert.deepEqual(f.response(initial, 100).headers.getAll("Record-Route"), [], "100 Trying establishes nothing");
  const re = inviteFrom({ recordRoute: ["<sip:192.0.2.50;lr>"] });
  re.headers.set("To", "<sip:2000@192.0.2.1>;tag=t1");
  assert.deepEqual(f.response(re, 200).headers.getAll("Record-Route"), []);
});

test("message-factory: ACK for a 2xx keeps the INVITE's CSeq number; other requests count up", () => {
  const flow = new FakeTransport().flow();
  const d = Dialog.fromInvite(inviteFrom(), "t1", flow, "2000");
  const seq = d.state.localSeq;
  const info = f.inDialog(d, "INFO");
  assert.equal(info.headers.get("CSeq"), `${seq + 1} INFO`);
  assert.equal(f.ack(d, 77).headers.get("CSeq"), "77 ACK");
  assert.equal(f.inDialog(d, "BYE").headers.get("CSeq"), `${seq + 2} BYE`);
  assert.equal(info.headers.get("Contact"), undefined, "INFO is no target refresh");
  assert.equal(f.inDialog(d, "UPDATE").headers.get("Contact"), "<sip:2000@192.0.2.1:5060>");
  reparse(info);
});

test("message-factory: user parts are escaped", () => {
  assert.equal(encodeUser("a b@c"), "a%20b%40c");
});
