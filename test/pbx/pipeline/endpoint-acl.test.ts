import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCidr } from "../../../src/config/schema/values.js";
import type { AclRule } from "../../../src/config/schema/options.js";
import { aclAllows } from "../../../src/pbx/pipeline/stages/endpoint-acl.js";
import { formatSecurityEvent } from "../../../src/security/security-log.js";
import { BASE_CONF, Phone, buildPbx } from "../harness.js";
import { buildAclConfig } from "../../../src/config/acl/load-acl.js";
import { parseConfigText } from "../../../src/config/index.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";

const rule = (sense: AclRule["sense"], net: string): AclRule => {
  const network = parseCidr(net);
  assert.ok(typeof network !== "string", typeof network === "string" ? network : "");
  return { sense, network };
};

test("acl: the last matching rule decides, none matching allows, as Asterisk's ACLs", () => {
  const rules = [rule("deny", "0.0.0.0/0"), rule("permit", "10.0.0.0/255.0.0.0"), rule("deny", "10.9.9.9")];
  assert.equal(aclAllows(rules, "192.0.2.1"), false);
  assert.equal(aclAllows(rules, "10.1.2.3"), true);
  assert.equal(aclAllows(rules, "10.9.9.9"), false);
  assert.equal(aclAllows([rule("deny", "192.0.2.0/24")], "198.51.100.1"), true);
  assert.equal(aclAllows([rule("deny", "0.0.0.0/0")], "::ffff:192.0.2.1"), false, "IPv4-mapped IPv6 is IPv4");
});

const conf = (options: string) => BASE_CONF.replace("[6001]\ntype=endpoint\n", `[6001]\ntype=endpoint\n${options}\n`);

test("acl: deny=0.0.0.0/0 then permit=<office>: a REGISTER from elsewhere gets 403, the NOTICE 'Not match Endpoint ACL' and FailedACL, before any challenge", () => {
  const pbx = buildPbx({ conf: conf("deny=0.0.0.0/0.0.0.0\npermit=203.0.113.0/24") });
  const outside = new Phone(pbx, { user: "6001", password: "secret6001" });
  assert.equal(outside.register().status, 403);
  const line = pbx.log.find("Not match Endpoint ACL");
  assert.equal(line?.level, "notice");
  assert.match(line?.msg ?? "", /^Request 'REGISTER' from '<sip:6001@192\.0\.2\.1>' failed for '198\.51\.100\.20:5060' \(callid: [^)]+\) - Not match Endpoint ACL$/);
  assert.deepEqual(pbx.securityEvents.map((e) => e.type), ["FailedACL"], "no challenge is sent to a refused source");
  const ev = pbx.securityEvents[0];
  assert.ok(ev);
  assert.match(formatSecurityEvent(ev, 1), /SecurityEvent="FailedACL",EventTV="[^"]+",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="6001",SessionID="[^"]+",LocalAddress="IPV4\/UDP\/[^"]+",RemoteAddress="IPV4\/UDP\/198\.51\.100\.20\/5060",ACLName="not_match_endpoint_acl"$/);
  const office = new Phone(pbx, { user: "6001", password: "secret6001", ip: "203.0.113.7" });
  assert.equal(office.registerWithAuth().status, 200);
});

test("acl: contact_deny refuses a REGISTER whose Contact names a denied network", () => {
  const pbx = buildPbx({ conf: conf("contact_deny=10.0.0.0/8") });
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  assert.equal(phone.register({ contacts: ["<sip:6001@10.1.1.1:5060>"] }).status, 403);
  assert.ok(pbx.log.find("Not match Endpoint Contact ACL"));
  assert.equal(pbx.securityEvents[0]?.reason, "not_match_endpoint_contact_acl");
  assert.equal(phone.register().status, 401, "a Contact outside the denied network is challenged as usual");
});

test("acl: with a contact ACL, a Contact whose host is a name is refused (it could resolve to anything); an address in an allowed network is not", () => {
  const pbx = buildPbx({ conf: conf("contact_deny=10.0.0.0/8") });
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });
  assert.equal(phone.register({ contacts: ["<sip:6001@phone.example.com:5060>"] }).status, 403);
  const line = pbx.log.find("Not match Endpoint Contact ACL");
  assert.match(JSON.stringify(line?.ctx ?? {}), /Contact host 'phone\.example\.com' is a name/);
  assert.equal(phone.register({ contacts: ["<sip:6001@[2001:db8::5]:5060>"] }).status, 401, "IPv6 in brackets is an address");
  const plain = buildPbx({ conf: BASE_CONF });
  assert.equal(new Phone(plain, { user: "6001", password: "secret6001" }).register({ contacts: ["<sip:6001@phone.example.com:5060>"] }).status, 401, "without a contact ACL, names are fine");
});

test("acl: acl=<name> applies acl.conf's named ACL too: a source it refuses gets 403 and FailedACL; an undefined name refuses everyone", () => {
  const office = buildAclConfig(parseConfigText("[office]\ndeny=0.0.0.0/0\npermit=203.0.113.0/24\n", "acl.conf")).config.named;
  const pbx = buildPbx({ conf: conf("acl=office"), namedAcls: office });
  assert.equal(new Phone(pbx, { user: "6001", password: "secret6001" }).register().status, 403);
  assert.ok(pbx.log.find("Not match Endpoint ACL"));
  assert.equal(pbx.securityEvents[0]?.reason, "not_match_endpoint_acl");
  assert.equal(new Phone(pbx, { user: "6001", password: "secret6001", ip: "203.0.113.7" }).registerWithAuth().status, 200);
  const missing = buildPbx({ conf: conf("acl=nosuch"), namedAcls: office });
  assert.equal(new Phone(missing, { user: "6001", password: "secret6001", ip: "203.0.113.7" }).register().status, 403, "a name acl.conf does not define refuses (and is an error at load)");
  const contact = buildPbx({ conf: conf("contact_acl=office"), namedAcls: office });
  assert.equal(new Phone(contact, { user: "6001", password: "secret6001", ip: "203.0.113.7" }).register({ contacts: ["<sip:6001@10.1.1.1:5060>"] }).status, 403, "contact_acl checks the Contact's address");
});

test("acl.conf: sections are named ACLs; an endpoint or manager user naming an undefined one is an error at load", () => {
  const c = loadConfiguration({
    kind: "embedded",
    files: {
      "pjsip.conf": "[t]\ntype=transport\nprotocol=udp\nbind=127.0.0.1:5060\n[6001]\ntype=endpoint\nacl=office,lab\n",
      "acl.conf": "[general]\n[office]\npermit=10.0.0.0/8\n",
      "manager.conf": "[general]\nenabled=yes\nbindaddr=0.0.0.0\n[crm]\nsecret=0123456789abcdef\nacl=office\n[bot]\nsecret=0123456789abcdef\nacl=nope\npermit=10.0.0.0/8\n",
    },
  } as never);
  const messages = c.diagnostics.map((d) => `${d.severity}: ${d.message}`);
  assert.ok(messages.some((m) => /^error: endpoint '6001': acl=lab names an ACL acl\.conf does not define/.test(m)), messages.join("\n"));
  assert.ok(messages.some((m) => /^error: manager user 'bot': acl=nope names an ACL/.test(m)), messages.join("\n"));
  assert.ok(messages.some((m) => /acl\.conf \[general\] is not an ACL/.test(m)));
  assert.ok(!messages.some((m) => /has no permit= list/.test(m)), "a user whose named ACL permits counts as fenced for a public bindaddr");
  assert.deepEqual(c.acl.named.get("office")?.map((r) => r.sense), ["permit"]);
});
