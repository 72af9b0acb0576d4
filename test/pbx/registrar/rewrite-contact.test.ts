import { test } from "node:test";
import assert from "node:assert/strict";
import { Phone, bindingsOf, buildPbx } from "../harness.js";

const CONF = `
[transport-udp]
type=transport
protocol=udp
bind=0.0.0.0

[6001]
type=endpoint
auth=6001
aors=6001
rewrite_contact=yes

[6001]
type=auth
username=6001
password=secret6001

[6001]
type=aor
max_contacts=1
`;

const phoneOptions = { user: "6001", password: "secret6001", ip: "203.0.113.9", port: 40555, localIp: "10.0.0.23", localPort: 5060 };

test("registrar: rewrite_contact over UDP drops ;transport=udp (the default) as Asterisk does, keeping other parameters", () => {
  const pbx = buildPbx({ conf: CONF });
  const p = new Phone(pbx, phoneOptions);
  const res = p.registerWithAuth({ contacts: ["<sip:6001@10.0.0.23:5060;transport=udp;ob>"] });
  assert.equal(res.status, 200);
  assert.deepEqual(
    pbx.store.list().map((c) => c.uri),
    ["sip:6001@203.0.113.9:40555;ob"],
  );
  assert.deepEqual(bindingsOf(res).map((b) => b.uri), ["sip:6001@203.0.113.9:40555;ob"]);
  // The same Contact, sent again to unregister, rewrites to the stored binding.
  assert.equal(p.registerWithAuth({ contacts: ["<sip:6001@10.0.0.23:5060;transport=udp;ob>"], expires: 0 }).status, 200);
  assert.equal(pbx.store.count(), 0);
});

test("registrar: rewrite_contact over TCP names the transport (transport=tcp)", () => {
  const pbx = buildPbx({ conf: CONF, reliable: true });
  const p = new Phone(pbx, phoneOptions);
  assert.equal(p.registerWithAuth({ contacts: ["<sip:6001@10.0.0.23:5060;transport=udp>"] }).status, 200);
  assert.deepEqual(
    pbx.store.list().map((c) => c.uri),
    ["sip:6001@203.0.113.9:40555;transport=tcp"],
  );
});
