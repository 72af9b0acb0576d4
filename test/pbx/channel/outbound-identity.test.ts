/**
 * Who we say is calling in the INVITE to a dialled endpoint (src/pbx/channel/outbound-identity.ts,
 * docs/trunks.md "Calls out through a trunk"): From from the caller's name and number, with
 * from_user / from_domain replacing them; send_pai → P-Asserted-Identity, send_rpid →
 * Remote-Party-ID with the caller's number; a restricted caller is "Anonymous"
 * <sip:anonymous@anonymous.invalid>, its real identity only to trust_id_outbound=yes with
 * `Privacy: id`; the Contact user. Endpoints are loaded from pjsip.conf text, so the options'
 * parsing is covered too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText, type EndpointConfig } from "../../../src/config/index.js";
import { outboundIdentity } from "../../../src/pbx/channel/outbound-identity.js";
import type { CallerId } from "../../../src/pbx/channel/channel.js";

const OUR_HOST = "192.0.2.1:5060";
const ALICE: CallerId = { num: "1001", name: "Alice Example" };
const HIDDEN: CallerId = { num: "1001", name: "Alice Example", restricted: true };

/** The endpoint `[carrier]` with these option lines, as the PBX loads it. */
function endpoint(options = ""): EndpointConfig {
  const cfg = buildPjsipConfig(parseConfigText(`[carrier]\ntype=endpoint\ncontext=from-carrier\n${options}`, "pjsip.conf"));
  assert.deepEqual(cfg.diagnostics, [], "the options load without findings");
  const ep = cfg.endpoints.get("carrier");
  assert.ok(ep);
  return ep;
}

test("outbound identity: without options the From is the caller's name and number at our address, no PAI/RPID", () => {
  const ep = endpoint();
  assert.equal(ep.sendPai, false);
  assert.equal(ep.sendRpid, false);
  assert.equal(ep.trustIdOutbound, false);
  const id = outboundIdentity(ep, ALICE, OUR_HOST);
  assert.deepEqual(id.from, { user: "1001", display: "Alice Example" }, "no host: the session layer puts our address");
  assert.equal(id.contactUser, "1001", "the Contact user is the caller's number");
  assert.deepEqual(id.headers, []);
});

test("outbound identity: from_user replaces the number and from_domain our address; the caller's name stays", () => {
  const ep = endpoint("from_user=4930555100\nfrom_domain=sip.example.com\n");
  assert.equal(ep.fromUser, "4930555100");
  assert.equal(ep.fromDomain, "sip.example.com");
  const id = outboundIdentity(ep, ALICE, OUR_HOST);
  assert.deepEqual(id.from, { user: "4930555100", display: "Alice Example", host: "sip.example.com" });
  assert.equal(id.contactUser, "1001", "from_user does not change the Contact user");
});

test("outbound identity: from_user alone keeps our address, from_domain alone keeps the caller's number", () => {
  assert.deepEqual(outboundIdentity(endpoint("from_user=acct\n"), ALICE, OUR_HOST).from, { user: "acct", display: "Alice Example" });
  assert.deepEqual(outboundIdentity(endpoint("from_domain=sip.example.com\n"), ALICE, OUR_HOST).from, { user: "1001", display: "Alice Example", host: "sip.example.com" });
});

test("outbound identity: contact_user sets the Contact user; a caller without number falls back to switchboard", () => {
  assert.equal(outboundIdentity(endpoint("contact_user=4930555100\n"), ALICE, OUR_HOST).contactUser, "4930555100");
  assert.equal(outboundIdentity(endpoint(), { num: "", name: "" }, OUR_HOST).contactUser, "switchboard");
});

test("outbound identity: a caller without number is From anonymous (at our address, not anonymous.invalid)", () => {
  const id = outboundIdentity(endpoint("send_pai=yes\n"), { num: "", name: "" }, OUR_HOST);
  assert.deepEqual(id.from, { user: "anonymous", display: "" });
  assert.deepEqual(id.headers, [["P-Asserted-Identity", `<sip:anonymous@${OUR_HOST}>`]]);
});

test("outbound identity: send_pai adds P-Asserted-Identity with the caller's name and number at our address", () => {
  const ep = endpoint("send_pai=yes\n");
  assert.equal(ep.sendPai, true);
  const id = outboundIdentity(ep, ALICE, OUR_HOST);
  assert.deepEqual(id.headers, [["P-Asserted-Identity", '"Alice Example" <sip:1001@192.0.2.1:5060>']]);
});

test("outbound identity: PAI carries the caller's number, not from_user, at from_domain when set", () => {
  const id = outboundIdentity(endpoint("send_pai=yes\nfrom_user=4930555100\nfrom_domain=sip.example.com\n"), ALICE, OUR_HOST);
  assert.equal(id.from.user, "4930555100");
  assert.deepEqual(id.headers, [["P-Asserted-Identity", '"Alice Example" <sip:1001@sip.example.com>']]);
});

test("outbound identity: send_rpid adds Remote-Party-ID with party=calling;privacy=off;screen=no", () => {
  const ep = endpoint("send_rpid=yes\n");
  assert.equal(ep.sendRpid, true);
  const id = outboundIdentity(ep, ALICE, OUR_HOST);
  assert.deepEqual(id.headers, [["Remote-Party-ID", '"Alice Example" <sip:1001@192.0.2.1:5060>;party=calling;privacy=off;screen=no']]);
});

test("outbound identity: send_pai and send_rpid together give PAI then RPID, and no Privacy for an allowed caller", () => {
  const id = outboundIdentity(endpoint("send_pai=yes\nsend_rpid=yes\ntrust_id_outbound=yes\n"), ALICE, OUR_HOST);
  assert.deepEqual(id.headers.map(([n]) => n), ["P-Asserted-Identity", "Remote-Party-ID"]);
  assert.equal(id.headers.find(([n]) => n === "Privacy"), undefined);
});

test("outbound identity: a caller without name gets PAI/RPID without display name; quotes and backslashes are dropped from one", () => {
  const ep = endpoint("send_pai=yes\nsend_rpid=yes\n");
  assert.deepEqual(outboundIdentity(ep, { num: "1001", name: "" }, OUR_HOST).headers, [
    ["P-Asserted-Identity", "<sip:1001@192.0.2.1:5060>"],
    ["Remote-Party-ID", "<sip:1001@192.0.2.1:5060>;party=calling;privacy=off;screen=no"],
  ]);
  const odd = outboundIdentity(ep, { num: "1001", name: 'Al "the" \\ Boss' }, OUR_HOST);
  assert.equal(odd.headers[0]?.[1], '"Al the  Boss" <sip:1001@192.0.2.1:5060>');
});

test("outbound identity: the number is escaped as a SIP user in PAI (+ kept, space and # percent-encoded)", () => {
  const id = outboundIdentity(endpoint("send_pai=yes\n"), { num: "+49 30#1", name: "" }, OUR_HOST);
  assert.deepEqual(id.headers, [["P-Asserted-Identity", "<sip:+49%2030%231@192.0.2.1:5060>"]]);
});

test("outbound identity: our IPv6 address is used as given in PAI", () => {
  const id = outboundIdentity(endpoint("send_pai=yes\n"), ALICE, "[2001:db8::1]:5060");
  assert.equal(id.headers[0]?.[1], '"Alice Example" <sip:1001@[2001:db8::1]:5060>');
});

test("outbound identity: a restricted caller is From \"Anonymous\" <sip:anonymous@anonymous.invalid>", () => {
  const id = outboundIdentity(endpoint(), HIDDEN, OUR_HOST);
  assert.deepEqual(id.from, { user: "anonymous", display: "Anonymous", host: "anonymous.invalid" });
  assert.deepEqual(id.headers, []);
});

test("outbound identity: a restricted caller keeps from_user and from_domain in the From", () => {
  const id = outboundIdentity(endpoint("from_user=4930555100\nfrom_domain=sip.example.com\n"), HIDDEN, OUR_HOST);
  assert.deepEqual(id.from, { user: "4930555100", display: "Anonymous", host: "sip.example.com" });
});

test("outbound identity: without trust_id_outbound a restricted caller gets no PAI, RPID or Privacy", () => {
  const ep = endpoint("send_pai=yes\nsend_rpid=yes\ntrust_id_outbound=no\n");
  const id = outboundIdentity(ep, HIDDEN, OUR_HOST);
  assert.deepEqual(id.headers, []);
  assert.equal(id.from.user, "anonymous");
  assert.ok(!JSON.stringify(id.from).includes("1001"), "the real number is nowhere in the From");
});

test("outbound identity: with trust_id_outbound a restricted caller's PAI and RPID (privacy=full) carry the real identity, with Privacy: id", () => {
  const ep = endpoint("send_pai=yes\nsend_rpid=yes\ntrust_id_outbound=yes\n");
  assert.equal(ep.trustIdOutbound, true);
  const id = outboundIdentity(ep, HIDDEN, OUR_HOST);
  assert.deepEqual(id.from, { user: "anonymous", display: "Anonymous", host: "anonymous.invalid" }, "the From is anonymous all the same");
  assert.deepEqual(id.headers, [
    ["P-Asserted-Identity", '"Alice Example" <sip:1001@192.0.2.1:5060>'],
    ["Remote-Party-ID", '"Alice Example" <sip:1001@192.0.2.1:5060>;party=calling;privacy=full;screen=no'],
    ["Privacy", "id"],
  ]);
});

test("outbound identity: trusted PAI of a restricted caller is at from_domain, not anonymous.invalid", () => {
  const id = outboundIdentity(endpoint("send_pai=yes\ntrust_id_outbound=yes\nfrom_domain=sip.example.com\n"), HIDDEN, OUR_HOST);
  assert.deepEqual(id.headers, [["P-Asserted-Identity", '"Alice Example" <sip:1001@sip.example.com>'], ["Privacy", "id"]]);
});

test("outbound identity: trust_id_outbound alone (no send_pai/send_rpid) adds no Privacy header", () => {
  const id = outboundIdentity(endpoint("trust_id_outbound=yes\n"), HIDDEN, OUR_HOST);
  assert.deepEqual(id.headers, []);
});

test("outbound identity: a restricted caller's Contact user is still the number (contact_user overrides it)", () => {
  assert.equal(outboundIdentity(endpoint(), HIDDEN, OUR_HOST).contactUser, "1001");
  assert.equal(outboundIdentity(endpoint("contact_user=trunk\n"), HIDDEN, OUR_HOST).contactUser, "trunk");
});

test("outbound identity: the boolean options take Asterisk's spellings (true/1/on, false/0/off)", () => {
  const on = endpoint("send_pai=true\nsend_rpid=1\ntrust_id_outbound=on\n");
  assert.deepEqual([on.sendPai, on.sendRpid, on.trustIdOutbound], [true, true, true]);
  assert.equal(outboundIdentity(on, HIDDEN, OUR_HOST).headers.length, 3);
  const off = endpoint("send_pai=false\nsend_rpid=0\ntrust_id_outbound=off\n");
  assert.deepEqual([off.sendPai, off.sendRpid, off.trustIdOutbound], [false, false, false]);
  assert.deepEqual(outboundIdentity(off, ALICE, OUR_HOST).headers, []);
});

test("outbound identity: an unreadable send_pai is a load error and the endpoint is not created", () => {
  const cfg = buildPjsipConfig(parseConfigText("[carrier]\ntype=endpoint\nsend_pai=maybe\n", "pjsip.conf"));
  assert.ok(cfg.diagnostics.some((d) => d.severity === "error" && d.message === "[carrier] endpoint: send_pai=maybe is not valid; use yes or no"), JSON.stringify(cfg.diagnostics));
  assert.equal(cfg.endpoints.get("carrier"), undefined);
});
