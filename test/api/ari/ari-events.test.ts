/**
 * Bus events (AMI-shaped) as ARI events: names, objects and what they concern; endpoint and
 * device states from contacts and DeviceStateChange; ARI's timestamp format.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../../src/core/clock.js";
import { buildPjsipConfig } from "../../../src/config/pjsip/load-pjsip.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { EndpointDirectory } from "../../../src/pbx/endpoint/directory.js";
import { MemoryContactStore } from "../../../src/pbx/registrar/store/memory-contact-store.js";
import { channelFields, hangupFields, type ChannelView } from "../../../src/pbx/events.js";
import { AriState } from "../../../src/api/ari/ari-state.js";
import { AriEventTranslator } from "../../../src/api/ari/ari-events.js";
import { ariTimestamp } from "../../../src/api/ari/ari-time.js";

function setup() {
  const cfg = buildPjsipConfig(parseConfigText("[1001]\ntype=endpoint\nallow=ulaw\naors=1001\n[1001]\ntype=aor\nmax_contacts=1\n[trunk]\ntype=endpoint\nallow=ulaw\naors=trunk\n[trunk]\ntype=aor\ncontact=sip:198.51.100.1\n", "pjsip.conf"));
  const directory = new EndpointDirectory(cfg);
  const clock = new FakeClock();
  const contacts = new MemoryContactStore();
  const state = new AriState({ clock, directory: () => directory, contacts: () => contacts, calls: () => undefined, defaultLanguage: () => "en" });
  return { state, contacts, clock, translator: new AriEventTranslator(state, () => ["FOO"]) };
}

const VIEW: ChannelView = { name: "PJSIP/1001-00000001", state: "Ring", callerIdNum: "1001", callerIdName: "Alice", context: "internal", exten: "600", priority: 1, uniqueid: "1765000000.1", linkedid: "1765000000.1" };

test("ari time: ISO 8601 local time with milliseconds and a colon-less zone", () => {
  assert.match(ariTimestamp(Date.UTC(2026, 11, 7, 6, 10, 0, 5)), /^2026-12-0[67]T\d\d:\d0:00\.005[+-]\d{4}$/);
});

test("ari events: Newchannel is ChannelCreated with ARI's Channel object; Hangup is ChannelDestroyed with the cause", () => {
  const { translator } = setup();
  const created = translator.translate("Newchannel", channelFields(VIEW));
  assert.deepEqual(created?.scope, { channelIds: ["1765000000.1"] });
  const ch = created?.event.channel as Record<string, unknown>;
  assert.equal(created?.event.type, "ChannelCreated");
  assert.deepEqual(
    { id: ch.id, name: ch.name, state: ch.state, caller: ch.caller, dialplan: ch.dialplan, language: ch.language, channelvars: ch.channelvars },
    { id: "1765000000.1", name: "PJSIP/1001-00000001", state: "Ring", caller: { name: "Alice", number: "1001" }, dialplan: { context: "internal", exten: "600", priority: 1, app_name: "", app_data: "" }, language: "en", channelvars: { FOO: "" } },
  );
  const gone = translator.translate("Hangup", hangupFields(VIEW, 17));
  assert.equal(gone?.event.type, "ChannelDestroyed");
  assert.equal(gone?.event.cause, 17);
  assert.equal(gone?.event.cause_txt, "User busy");
});

test("ari events: DeviceStateChange is DeviceStateChanged, and the device state is remembered", () => {
  const { state, translator } = setup();
  assert.equal(state.deviceState("PJSIP/1001"), "UNAVAILABLE", "no contact yet");
  assert.equal(state.deviceState("PJSIP/trunk"), "NOT_INUSE", "a static contact");
  assert.equal(state.deviceState("PJSIP/nobody"), "INVALID");
  const e = { Device: "PJSIP/1001", State: "INUSE" } as const;
  state.note("DeviceStateChange", e);
  assert.deepEqual(translator.translate("DeviceStateChange", e), { event: { type: "DeviceStateChanged", device_state: { name: "PJSIP/1001", state: "INUSE" } }, scope: { device: "PJSIP/1001" } });
  assert.equal(state.deviceState("PJSIP/1001"), "INUSE");
});

test("ari endpoints: online with a live registered contact, offline when it is unreachable or gone", () => {
  const { state, contacts, clock } = setup();
  assert.equal(state.endpoint("1001")?.state, "offline");
  contacts.upsert({ id: "1001;@x", aor: "1001", uri: "sip:1001@192.0.2.5", expiresAt: clock.now() + 60000, endpoint: "1001", userAgent: "", viaAddr: "", viaPort: 0, callId: "c", cseq: 1, path: "", regServer: "", sourceAddress: "192.0.2.5", sourcePort: 5060, transport: "udp", createdAt: clock.now() });
  assert.equal(state.endpoint("1001")?.state, "online");
  state.note("ContactStatus", { URI: "sip:1001@192.0.2.5", ContactStatus: "Unreachable", AOR: "1001", EndpointName: "1001", RoundtripUsec: 0 });
  assert.equal(state.endpoint("1001")?.state, "offline");
  state.note("ContactStatus", { URI: "sip:1001@192.0.2.5", ContactStatus: "Reachable", AOR: "1001", EndpointName: "1001", RoundtripUsec: 1200 });
  assert.equal(state.endpoint("1001")?.state, "online");
  clock.advance(61000);
  assert.equal(state.endpoint("1001")?.state, "offline", "expired");
  assert.equal(state.endpoint("trunk")?.state, "online");
  assert.equal(state.endpoint("nope"), undefined);
});

test("ari events: ContactStatus is ContactStatusChange with the endpoint and ContactInfo (Unqualified as NonQualified)", () => {
  const { translator } = setup();
  const t = translator.translate("ContactStatus", { URI: "sip:1001@192.0.2.5", ContactStatus: "Unqualified", AOR: "1001", EndpointName: "1001", RoundtripUsec: 0 });
  assert.deepEqual(t?.event, { type: "ContactStatusChange", endpoint: { technology: "PJSIP", resource: "1001", state: "offline", channel_ids: [] }, contact_info: { uri: "sip:1001@192.0.2.5", contact_status: "NonQualified", aor: "1001", roundtrip_usec: "0" } });
  assert.deepEqual(t?.scope, { endpoint: "1001" });
});

test("ari bridges: BridgeEnter makes the bridge known with its channels, the last BridgeLeave forgets it", () => {
  const { state, translator } = setup();
  const bridge = { BridgeUniqueid: "b-1", BridgeType: "basic", BridgeTechnology: "simple_bridge", BridgeCreator: "<unknown>", BridgeName: "<unknown>", BridgeNumChannels: 1, BridgeVideoSourceMode: "none" as const };
  const enter = { ...bridge, ...channelFields(VIEW) };
  state.note("BridgeEnter", enter);
  const t = translator.translate("BridgeEnter", enter);
  assert.equal(t?.event.type, "ChannelEnteredBridge");
  assert.deepEqual((t?.event.bridge as { channels: string[] }).channels, ["1765000000.1"]);
  assert.deepEqual(state.bridgeList().map((b) => b.id), ["b-1"]);
  state.note("BridgeLeave", { ...bridge, BridgeNumChannels: 0, ...channelFields(VIEW) });
  assert.deepEqual(state.bridgeList(), []);
});

test("ari events: hangup requests, dialplan steps, variables, caller id and received keys keep ARI's field names", () => {
  const { translator } = setup();
  const f = channelFields(VIEW);
  assert.deepEqual(translator.translate("SoftHangupRequest", { ...f, Cause: 16 })?.event.soft, true);
  assert.equal(translator.translate("HangupRequest", { ...f, Cause: 16 })?.event.soft, undefined);
  const dp = translator.translate("Newexten", { ...f, Extension: "600", Application: "Stasis", AppData: "demo" })?.event;
  assert.deepEqual([dp?.type, dp?.dialplan_app, dp?.dialplan_app_data], ["ChannelDialplan", "Stasis", "demo"]);
  const cid = translator.translate("NewCallerid", { ...f, CID_CallingPres: "0 (Presentation Allowed, Not Screened)" })?.event;
  assert.deepEqual([cid?.caller_presentation, cid?.caller_presentation_txt], [0, "Presentation Allowed, Not Screened"]);
  const key = translator.translate("DTMFEnd", { ...f, Digit: "5", DurationMs: 120, Direction: "Received" })?.event;
  assert.deepEqual([key?.type, key?.digit, key?.duration_ms], ["ChannelDtmfReceived", "5", 120]);
  assert.equal(translator.translate("DTMFEnd", { ...f, Digit: "5", DurationMs: 120, Direction: "Sent" }), undefined, "keys we send are not received ones");
});
