import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNetwork, type IpNetwork } from "../../../src/core/ip.js";
import { advertisedAddress, advertisedPort } from "../../../src/sip/transport/transport-set.js";
import { FakeTransport } from "../../helpers/fake-transport.js";

const lan = [parseNetwork("192.168.1.0/24"), parseNetwork("127.0.0.0/8")].filter((n): n is IpNetwork => n !== undefined);

test("transport NAT: external_signaling_address is written only toward destinations outside local_net", () => {
  const t = new FakeTransport({ localAddress: "192.168.1.5", localPort: 5060 });
  t.nat = { localNets: lan, externalSignalingAddress: "203.0.113.9", externalSignalingPort: 15060 };
  assert.equal(advertisedAddress(t, "198.51.100.20"), "203.0.113.9");
  assert.equal(advertisedPort(t, "198.51.100.20"), 15060);
  assert.equal(advertisedAddress(t, "192.168.1.77"), "192.168.1.5");
  assert.equal(advertisedPort(t, "192.168.1.77"), 5060);
});

test("transport NAT: external_signaling_port 0 keeps the bound port; no external address keeps the bound address", () => {
  const t = new FakeTransport({ localAddress: "192.168.1.5", localPort: 5070 });
  t.nat = { localNets: lan, externalSignalingAddress: "203.0.113.9", externalSignalingPort: 0 };
  assert.equal(advertisedPort(t, "198.51.100.20"), 5070);
  t.nat = { localNets: lan };
  assert.equal(advertisedAddress(t, "198.51.100.20"), "192.168.1.5");
});
