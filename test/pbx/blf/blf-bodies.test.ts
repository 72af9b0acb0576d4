/**
 * Busy lamp field bodies: RFC 4235 dialog-info and RFC 3863 PIDF documents for each extension
 * state, the packages' lookup of the Request-URI user in subscribe_context, and the Accept check
 * of the subscription server.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText, type EndpointConfig } from "../../../src/config/index.js";
import { dialogInfoBody, dialogStateOf } from "../../../src/pbx/blf/dialog-info.js";
import { pidfBody, presenceOf } from "../../../src/pbx/blf/pidf.js";
import { DeviceCalls } from "../../../src/pbx/blf/device-calls.js";
import type { ChannelFields } from "../../../src/pbx/events.js";
import { dialogPackage, presencePackage, subscribeContextOf, type HintLookup } from "../../../src/pbx/blf/hint-packages.js";
import { accepts, type Subscription } from "../../../src/pbx/subscriptions/subscription-server.js";
import { EXTENSION_STATUS, type ExtensionStatusText } from "../../../src/pbx/hints/extension-state.js";

const cfg = buildPjsipConfig(parseConfigText("[plain]\ntype=endpoint\ncontext=internal\n\n[watcher]\ntype=endpoint\ncontext=internal\nsubscribe_context=hints\nnotify_early_inuse_ringing=yes\n", "pjsip.conf"));
const ep = (id: string): EndpointConfig => cfg.endpoints.get(id)!;

test("dialog state of each extension state: ringing is early, in use/busy/hold confirmed, idle and unavailable terminated", () => {
  const all = Object.keys(EXTENSION_STATUS) as ExtensionStatusText[];
  assert.deepEqual(
    Object.fromEntries(all.map((t) => [t, dialogStateOf(t)])),
    { Idle: "terminated", InUse: "confirmed", Busy: "confirmed", Unavailable: "terminated", Ringing: "early", "InUse&Ringing": "confirmed", Hold: "confirmed", "InUse&Hold": "confirmed", Unknown: "terminated" },
  );
  assert.equal(dialogStateOf("InUse&Ringing", true), "early", "notify_early_inuse_ringing=yes");
  assert.equal(dialogStateOf("InUse", true), "confirmed");
});

test("dialog-info: full document, version, entity, one dialog named after the extension; recipient while ringing", () => {
  const ringing = dialogInfoBody({ entity: "sip:2002@127.0.0.1:5060", version: 3, exten: "2002", text: "Ringing" });
  assert.equal(
    ringing,
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="full" entity="sip:2002@127.0.0.1:5060">\n' +
      '  <dialog id="2002" direction="recipient">\n' +
      "    <state>early</state>\n" +
      "  </dialog>\n" +
      "</dialog-info>\n",
  );
  const idle = dialogInfoBody({ entity: "sip:2002@pbx", version: 0, exten: "2002", text: "Idle" });
  assert.match(idle, /<dialog id="2002">\n {4}<state>terminated<\/state>/);
  assert.match(idle, /version="0"/);
  const held = dialogInfoBody({ entity: "sip:2002@pbx", version: 1, exten: "2002", text: "Hold" });
  assert.match(held, /<state>confirmed<\/state>\n {4}<local>\n {6}<identity>sip:2002@pbx<\/identity>\n {6}<target uri="sip:2002@pbx">\n {8}<param pname="\+sip.rendering" pvalue="no"\/>\n {6}<\/target>\n {4}<\/local>/);
  assert.match(dialogInfoBody({ entity: 'sip:a&b"@pbx', version: 0, exten: "<x>", text: "InUse" }), /entity="sip:a&amp;b&quot;@pbx"[^]*<dialog id="&lt;x&gt;">/, "attribute values escaped");
});

test("dialog-info with the call: direction, local and remote identity (RFC 4235 §4.1.6); none once terminated", () => {
  const call = { direction: "recipient" as const, remote: { num: "1001", name: "Alice & Co" } };
  const body = dialogInfoBody({ entity: "sip:2002@pbx", version: 1, exten: "2002", text: "Ringing", call, host: "127.0.0.1:5060" });
  assert.equal(
    body.split("\n").slice(2, -3).join("\n"),
    '  <dialog id="2002" direction="recipient">\n' +
      "    <state>early</state>\n" +
      "    <local>\n      <identity>sip:2002@pbx</identity>\n      <target uri=\"sip:2002@pbx\"/>\n    </local>\n" +
      '    <remote>\n      <identity display="Alice &amp; Co">sip:1001@127.0.0.1:5060</identity>\n      <target uri="sip:1001@127.0.0.1:5060"/>\n    </remote>',
  );
  const placed = dialogInfoBody({ entity: "sip:2002@pbx", version: 2, exten: "2002", text: "InUse", call: { direction: "initiator", remote: { num: "3000", name: "" } }, host: "h" });
  assert.match(placed, /<dialog id="2002" direction="initiator">\n {4}<state>confirmed<\/state>[^]*<identity>sip:3000@h<\/identity>/);
  const pickup = dialogInfoBody({ entity: "sip:2002@pbx", version: 1, exten: "2002", text: "Ringing", call, host: "h", sipDialog: { callId: "c1@pbx", localTag: "t2002", remoteTag: "tpbx" } });
  assert.match(pickup, /<dialog id="2002" call-id="c1@pbx" local-tag="t2002" remote-tag="tpbx" direction="recipient">/, "the ringing dialog's identifiers, for a pickup with Replaces");
  const answered = dialogInfoBody({ entity: "sip:2002@pbx", version: 2, exten: "2002", text: "InUse", call, host: "h", sipDialog: { callId: "c1@pbx", localTag: "t2002", remoteTag: "tpbx" } });
  assert.doesNotMatch(answered, /call-id=/, "only a ringing dialog is offered");
  const over = dialogInfoBody({ entity: "sip:2002@pbx", version: 3, exten: "2002", text: "Idle", call, host: "h" });
  assert.doesNotMatch(over, /<remote>|direction=/);
});

test("device calls: a Dial leg of the device is received, its remote the caller; a channel it began was placed", () => {
  const calls = new DeviceCalls();
  const fields = (o: Partial<ChannelFields>): ChannelFields => ({ Channel: "", ChannelState: 0, ChannelStateDesc: "Down", CallerIDNum: "", CallerIDName: "", ConnectedLineNum: "", ConnectedLineName: "", Language: "en", AccountCode: "", Context: "", Exten: "", Priority: 1, Uniqueid: "", Linkedid: "", ...o });
  const caller = fields({ Channel: "PJSIP/1001-00000001", ChannelStateDesc: "Ring", CallerIDNum: "1001", CallerIDName: "Alice", Exten: "2002", Uniqueid: "u1", Linkedid: "u1" });
  const leg = fields({ Channel: "PJSIP/2002-00000002", ChannelStateDesc: "Ringing", CallerIDNum: "2002", Uniqueid: "u2", Linkedid: "u1" });
  calls.update(caller);
  calls.update(leg);
  assert.deepEqual(calls.callOf(["PJSIP/2002"], true), { direction: "recipient", state: "Ringing", remote: { num: "1001", name: "Alice" } });
  assert.deepEqual(calls.callOf(["PJSIP/1001"], false), { direction: "initiator", state: "Ring", remote: { num: "2002", name: "" } }, "the dialled number until the connected line is known");
  calls.update({ ...caller, ChannelStateDesc: "Up", ConnectedLineNum: "2002", ConnectedLineName: "Bob" });
  assert.deepEqual(calls.callOf(["PJSIP/1001"], false)?.remote, { num: "2002", name: "Bob" });
  assert.equal(calls.callOf(["PJSIP/200"], false), undefined, "PJSIP/200 is not PJSIP/2002");
  calls.update(fields({ Channel: "PJSIP/2002-desk-00000003", ChannelStateDesc: "Up", Uniqueid: "u3", Linkedid: "u3" }));
  assert.equal(calls.callOf(["PJSIP/2002"], true)?.state, "Ringing", "a channel of endpoint 2002-desk is not one of PJSIP/2002");
  calls.hangup(leg);
  assert.equal(calls.callOf(["PJSIP/2002"], false), undefined);
  assert.equal(calls.callOf(["PJSIP/2002-desk"], false)?.state, "Up");
});

test("PIDF: open unless unavailable; the note and the on-the-phone activity", () => {
  assert.deepEqual(presenceOf("Idle"), { basic: "open", note: "Ready", onThePhone: false });
  assert.deepEqual(presenceOf("Ringing"), { basic: "open", note: "Ringing", onThePhone: false });
  assert.deepEqual(presenceOf("InUse"), { basic: "open", note: "On the phone", onThePhone: true });
  assert.deepEqual(presenceOf("Busy"), { basic: "open", note: "On the phone", onThePhone: true });
  assert.deepEqual(presenceOf("Hold"), { basic: "open", note: "On hold", onThePhone: true });
  assert.deepEqual(presenceOf("Unavailable"), { basic: "closed", note: "Unavailable", onThePhone: false });
  assert.equal(presenceOf("Unknown").basic, "closed");
  const body = pidfBody({ entity: "sip:2002@pbx", exten: "2002", text: "InUse" });
  assert.equal(
    body,
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:2002@pbx">\n' +
      '  <tuple id="2002">\n' +
      "    <status>\n      <basic>open</basic>\n    </status>\n" +
      '    <contact priority="1">sip:2002@pbx</contact>\n' +
      "    <note>On the phone</note>\n" +
      "  </tuple>\n" +
      "  <note>On the phone</note>\n" +
      '  <dm:person id="p-2002">\n    <rpid:activities>\n      <rpid:on-the-phone/>\n    </rpid:activities>\n  </dm:person>\n' +
      "</presence>\n",
  );
  const closed = pidfBody({ entity: "sip:2002@pbx", exten: "2002", text: "Unavailable" });
  assert.match(closed, /<basic>closed<\/basic>/);
  assert.doesNotMatch(closed, /rpid:activities/);
});

test("packages: the Request-URI user is a hint of subscribe_context, else of context; no hint is nothing to watch", () => {
  const hints = new Map<string, ExtensionStatusText>([["2002@hints", "Ringing"], ["2001@internal", "Idle"]]);
  const lookup: HintLookup = (exten, context) => hints.get(`${exten}@${context}`);
  assert.equal(subscribeContextOf(ep("watcher")), "hints");
  assert.equal(subscribeContextOf(ep("plain")), "internal");
  const dialog = dialogPackage(lookup);
  assert.equal(dialog.resolve(ep("watcher"), "2002"), "2002@hints");
  assert.equal(dialog.resolve(ep("watcher"), "2001"), undefined, "2001's hint is in another context");
  assert.equal(dialog.resolve(ep("plain"), "2001"), "2001@internal");
  assert.equal(dialog.resolve(ep("plain"), ""), undefined);
  const sub = { uri: "sip:2002@127.0.0.1:5060;transport=udp", notifies: 4 } as Subscription;
  const body = dialog.body("2002@hints", ep("watcher"), "127.0.0.1:5060", sub);
  assert.match(body, /version="4" state="full" entity="sip:2002@127.0.0.1:5060"/, "the entity is the Request-URI without parameters");
  assert.match(body, /<state>early<\/state>/);
  hints.set("2002@hints", "InUse&Ringing");
  assert.match(dialog.body("2002@hints", ep("watcher"), "h", sub), /<state>early<\/state>/, "the watcher has notify_early_inuse_ringing=yes");
  assert.match(dialog.body("2002@hints", ep("plain"), "h", sub), /<state>confirmed<\/state>/, "the default: confirmed");
  hints.set("2002@hints", "Unavailable");
  assert.match(presencePackage(lookup).body("2002@hints", ep("watcher"), "h", sub), /<basic>closed<\/basic>/);
  assert.equal(dialog.contentType, "application/dialog-info+xml");
  assert.equal(presencePackage(lookup).contentType, "application/pidf+xml");
  assert.deepEqual(cfg.diagnostics, [], "subscribe_context loads without a not-implemented warning");
});

test("Accept: absent, exact, wildcards and lists admit the type; another type alone does not", () => {
  assert.equal(accepts([], "application/pidf+xml"), true);
  assert.equal(accepts(["application/pidf+xml"], "application/pidf+xml"), true);
  assert.equal(accepts(["application/xpidf+xml, application/PIDF+xml;q=0.5"], "application/pidf+xml"), true);
  assert.equal(accepts(["application/*"], "application/pidf+xml"), true);
  assert.equal(accepts(["*/*"], "application/dialog-info+xml"), true);
  assert.equal(accepts(["application/xpidf+xml"], "application/pidf+xml"), false);
  assert.equal(accepts(["application/rlmi+xml", "multipart/related"], "application/dialog-info+xml"), false);
});
