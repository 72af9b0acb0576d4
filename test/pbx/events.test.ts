/** The PBX event payloads carry AMI's field names and values (docs.asterisk.org, AMI Events). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bridgeFields, channelFields, channelStateCode, dialBeginFields, dialEndFields, hangupFields, type ChannelView } from "../../src/pbx/events.js";

const caller: ChannelView = { name: "PJSIP/1001-00000001", state: "Up", callerIdNum: "1001", callerIdName: "Alice", context: "default", exten: "1002", priority: 1, uniqueid: "1700000000.1", linkedid: "1700000000.1" };
const callee: ChannelView = { name: "PJSIP/1002-00000002", state: "Ringing", callerIdNum: "1002", callerIdName: "", context: "default", exten: "s", priority: 1, uniqueid: "1700000000.2", linkedid: "1700000000.1" };

test("events: ChannelState is Asterisk's numeric state (Down 0, Ring 4, Ringing 5, Up 6), ChannelStateDesc its name", () => {
  assert.deepEqual(["Down", "Ring", "Ringing", "Up", "Busy", "Pre-ring", "Unknown"].map((d) => channelStateCode(d as ChannelView["state"])), [0, 4, 5, 6, 7, 9, 10]);
  const f = channelFields(caller);
  assert.equal(f.ChannelState, 6);
  assert.equal(f.ChannelStateDesc, "Up");
  assert.deepEqual(Object.keys(f), ["Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName", "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode", "Context", "Exten", "Priority", "Uniqueid", "Linkedid"]);
});

test("events: DialBegin carries the caller's fields, the dialled channel's as Dest*, and DialString; DialEnd DialStatus", () => {
  const b = dialBeginFields(caller, callee, "1002");
  assert.equal(b.Channel, "PJSIP/1001-00000001");
  assert.equal(b.DestChannel, "PJSIP/1002-00000002");
  assert.equal(b.DestChannelState, 5);
  assert.equal(b.DestLinkedid, "1700000000.1");
  assert.equal(b.DialString, "1002");
  assert.equal(dialEndFields(caller, callee, "BUSY").DialStatus, "BUSY");
});

test("events: Hangup has Cause and Asterisk's Cause-txt; BridgeEnter's bridge fields default to a basic two-party bridge", () => {
  const h = hangupFields(caller, 17);
  assert.equal(h.Cause, 17);
  assert.equal(h["Cause-txt"], "User busy");
  assert.equal(hangupFields(caller, 16)["Cause-txt"], "Normal Clearing");
  assert.equal(hangupFields(caller, 999)["Cause-txt"], "Unknown");
  assert.deepEqual(bridgeFields({ id: "b1", numChannels: 2 }), {
    BridgeUniqueid: "b1", BridgeType: "basic", BridgeTechnology: "simple_bridge", BridgeCreator: "<unknown>", BridgeName: "<unknown>", BridgeNumChannels: 2, BridgeVideoSourceMode: "none",
  });
});
