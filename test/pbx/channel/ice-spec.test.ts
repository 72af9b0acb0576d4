/** What a leg's ICE gathers: off without ice_support or with icesupport=no; host addresses less ice_deny unless ice_permit, and only those ice_acl's named ACLs allow; stunaddr and turnaddr resolved. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText } from "../../../src/config/index.js";
import { buildRtpConfig } from "../../../src/config/rtp/load-rtp.js";
import { buildAclConfig } from "../../../src/config/acl/load-acl.js";
import { runCheck } from "../../../src/config/check/run-check.js";
import { iceSpecFor } from "../../../src/pbx/media-session/ice-spec.js";
import type { Flow } from "../../../src/sip/transport/types.js";

const eps = buildPjsipConfig(parseConfigText("[ice]\ntype=endpoint\nice_support=yes\n[plain]\ntype=endpoint\n", "pjsip.conf")).endpoints;
const flow = { transport: { localAddress: "10.0.0.5", family: 4 }, remoteAddress: "10.0.0.9", remotePort: 5060 } as unknown as Flow;
const rtp = (text: string) => buildRtpConfig(parseConfigText(`[general]\n${text}`, "rtp.conf")).config;

test("ice spec: the endpoint's ice_support and rtp.conf icesupport both must be on", async () => {
  assert.equal(await iceSpecFor(eps.get("plain")!, rtp(""), flow), undefined);
  assert.equal(await iceSpecFor(eps.get("ice")!, rtp("icesupport=no\n"), flow), undefined);
  assert.deepEqual(await iceSpecFor(eps.get("ice")!, rtp(""), flow), { hostAddresses: ["10.0.0.5"] });
});

test("ice spec: stunaddr and turnaddr (default port 3478) with the TURN credentials", async () => {
  const spec = await iceSpecFor(eps.get("ice")!, rtp("stunaddr=192.0.2.1\nturnaddr=192.0.2.2:3479\nturnusername=u\nturnpassword=p\n"), flow);
  assert.deepEqual(spec, { hostAddresses: ["10.0.0.5"], stun: { address: "192.0.2.1", port: 3478 }, turn: { address: "192.0.2.2", port: 3479, username: "u", password: "p" } });
});

test("ice spec: ice_deny (and its old name ice_blacklist) removes a host address, ice_permit puts it back; nothing left means no ICE", async () => {
  assert.equal(await iceSpecFor(eps.get("ice")!, rtp("ice_deny=10.0.0.0/8\n"), flow), undefined);
  assert.equal(await iceSpecFor(eps.get("ice")!, rtp("ice_blacklist=10.0.0.0/24\n"), flow), undefined);
  assert.deepEqual(await iceSpecFor(eps.get("ice")!, rtp("ice_deny=10.0.0.0/8\nice_permit=10.0.0.5/32\n"), flow), { hostAddresses: ["10.0.0.5"] });
  assert.deepEqual(await iceSpecFor(eps.get("ice")!, rtp("ice_deny=192.168.0.0/16\n"), flow), { hostAddresses: ["10.0.0.5"] });
});

test("ice spec: a c= address that is not ours (external_media_address) becomes a mapped server-reflexive candidate", async () => {
  assert.deepEqual(await iceSpecFor(eps.get("ice")!, rtp(""), flow, "198.51.100.20"), { hostAddresses: ["10.0.0.5"], mapped: ["198.51.100.20"] });
  assert.deepEqual(await iceSpecFor(eps.get("ice")!, rtp(""), flow, "10.0.0.5"), { hostAddresses: ["10.0.0.5"] });
});

test("ice spec: rtp.conf [ice_host_candidates] advertises a host address as another, and with include_local_address as itself too", async () => {
  const mapped = (text: string) => buildRtpConfig(parseConfigText(`[general]\n[ice_host_candidates]\n${text}`, "rtp.conf"));
  const one = mapped("10.0.0.5 => 203.0.113.5\n");
  assert.deepEqual(one.diagnostics, []);
  assert.deepEqual(await iceSpecFor(eps.get("ice")!, one.config, flow), { hostAddresses: ["203.0.113.5"] });
  assert.deepEqual(await iceSpecFor(eps.get("ice")!, mapped("10.0.0.5 => 203.0.113.5,include_local_address\n").config, flow), { hostAddresses: ["203.0.113.5", "10.0.0.5"] });
  assert.deepEqual(await iceSpecFor(eps.get("ice")!, mapped("10.9.9.9 => 203.0.113.5\n").config, flow), { hostAddresses: ["10.0.0.5"] }, "another address's mapping changes nothing");
  const bad = mapped("10.0.0.5 => somewhere\n10.0.0.6 => 2001:db8::1\n10.0.0.7 => 203.0.113.7,keep\n");
  assert.equal(bad.config.iceHostCandidates.length, 1, "the two malformed lines are ignored");
  assert.equal(bad.diagnostics.length, 3, bad.diagnostics.map((d) => d.message).join("\n"));
  assert.match(bad.diagnostics[2]?.message ?? "", /'keep' is not known \(include_local_address is\)/);
});

test("ice spec: ice_acl names acl.conf ACLs that must each allow a host address, on top of ice_deny/ice_permit; an undefined name allows none", async () => {
  const acls = buildAclConfig(parseConfigText("[lan]\ndeny=0.0.0.0/0\npermit=10.0.0.0/8\n[nat]\npermit=0.0.0.0/0\ndeny=10.0.0.5/32\n", "acl.conf")).config.named;
  const twoHosts = { ...eps.get("ice")!, mediaAddress: "192.0.2.7" };
  assert.deepEqual(await iceSpecFor(twoHosts, rtp(""), flow, undefined, acls), { hostAddresses: ["10.0.0.5", "192.0.2.7"] });
  assert.deepEqual(await iceSpecFor(twoHosts, rtp("ice_acl=lan\n"), flow, undefined, acls), { hostAddresses: ["10.0.0.5"] }, "lan refuses the media_address");
  assert.equal(await iceSpecFor(eps.get("ice")!, rtp("ice_acl=lan\nice_acl=nat\n"), flow, undefined, acls), undefined, "every listed ACL must allow: nat refuses 10.0.0.5");
  assert.equal(await iceSpecFor(eps.get("ice")!, rtp("ice_acl=lan,nat\n"), flow, undefined, acls), undefined, "a comma-separated list too");
  assert.equal(await iceSpecFor(eps.get("ice")!, rtp("ice_acl=lan\nice_deny=10.0.0.5/32\n"), flow, undefined, acls), undefined, "ice_deny still applies");
  assert.equal(await iceSpecFor(eps.get("ice")!, rtp("ice_acl=nat\nice_permit=10.0.0.5/32\n"), flow, undefined, acls), undefined, "ice_permit does not override a named ACL");
  assert.equal(await iceSpecFor(eps.get("ice")!, rtp("ice_acl=nosuch\n"), flow, undefined, acls), undefined, "an ACL acl.conf does not define allows nothing");
  assert.deepEqual(await iceSpecFor(eps.get("ice")!, rtp(""), flow, undefined, acls), { hostAddresses: ["10.0.0.5"] }, "without ice_acl the ACLs do not matter");
});

test("ice spec: switchboard check warns about an ice_acl naming a section acl.conf does not have, and not about one it has", () => {
  const report = runCheck({ kind: "embedded", files: { "pjsip.conf": "", "rtp.conf": "[general]\nice_acl=lan\nice_acl=nosuch\n", "acl.conf": "[lan]\npermit=10.0.0.0/8\n" } });
  const lines = report.text.split("\n").filter((l) => l.includes("ice_acl"));
  assert.deepEqual(lines, ["rtp.conf:1: warning: rtp.conf [general] ice_acl=nosuch names an ACL acl.conf does not define; it allows no address, so no host candidate is offered and every leg goes without ICE until [nosuch] is defined in acl.conf"]);
  assert.doesNotMatch(report.text, /ice_acl.*not implemented/);
});
