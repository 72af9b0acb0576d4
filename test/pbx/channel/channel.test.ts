/**
 * The Channel on its own: the events one channel reports on the bus (Newchannel, Newstate,
 * Hangup, with AMI's fields) and the device state it keeps, as both call legs share them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Channel, type ChannelOptions } from "../../../src/pbx/channel/channel.js";
import { DeviceStates } from "../../../src/pbx/channel/device-states.js";
import { createPbxEventBus, type PbxEvents } from "../../../src/pbx/events.js";

function setup(over: Partial<ChannelOptions> = {}) {
  const bus = createPbxEventBus();
  const seen: string[] = [];
  const payloads: Array<Record<string, unknown>> = [];
  bus.onAny((name, p) => {
    const f = p as Record<string, unknown>;
    payloads.push({ name, ...f });
    seen.push(name === "DeviceStateChange" ? `${name} ${String(f.Device)} ${String(f.State)}` : `${name} ${String(f.Channel)} ${String(f.ChannelStateDesc)}${name === "Hangup" ? ` ${String(f.Cause)}` : ""}`);
  });
  const devices = new DeviceStates(bus);
  const opts: ChannelOptions = {
    events: bus,
    devices,
    name: "PJSIP/1001-00000001",
    endpointId: "1001",
    uniqueId: "1700000000.1",
    linkedId: "1700000000.1",
    state: "Ring",
    callerId: { num: "1001", name: "Alice" },
    context: "internal",
    exten: "2000",
    now: 1_700_000_000_000,
    ...over,
  };
  return { bus, devices, seen, payloads, opts };
}

test("channel: an incoming channel reports Newchannel (Ring), each new state once, and one Hangup with the state it was in", () => {
  const t = setup();
  const ch = new Channel(t.opts);
  ch.setState("Ringing");
  ch.setState("Ringing");
  ch.setState("Up");
  assert.equal(ch.hangup(17), true);
  assert.equal(ch.hangup(16), false, "a second hangup is refused");
  ch.setState("Ringing");
  assert.deepEqual(t.seen, [
    "Newchannel PJSIP/1001-00000001 Ring",
    "DeviceStateChange PJSIP/1001 INUSE",
    "Newstate PJSIP/1001-00000001 Ringing",
    "DeviceStateChange PJSIP/1001 RINGING",
    "Newstate PJSIP/1001-00000001 Up",
    "DeviceStateChange PJSIP/1001 INUSE",
    "Hangup PJSIP/1001-00000001 Up 17",
    "DeviceStateChange PJSIP/1001 NOT_INUSE",
  ]);
  assert.equal(ch.hangupCause, 17, "the first cause stays");
  assert.equal(ch.vars.get("HANGUPCAUSE"), "17");
  assert.equal(ch.state, "Down");
  assert.equal(ch.hungUp, true);
});

test("channel: an outgoing channel is Down (no device use) until it rings; its connected line is the caller", () => {
  const t = setup({
    name: "PJSIP/2000-00000002",
    endpointId: "2000",
    uniqueId: "1700000000.2",
    state: "Down",
    callerId: { num: "2000", name: "" },
    connectedLine: { num: "1001", name: "Alice" },
    exten: "s",
  });
  const ch = new Channel(t.opts);
  ch.setState("Down");
  ch.setState("Ringing");
  assert.deepEqual(t.seen, ["Newchannel PJSIP/2000-00000002 Down", "Newstate PJSIP/2000-00000002 Ringing", "DeviceStateChange PJSIP/2000 RINGING"]);
  const nc = t.payloads[0] as unknown as PbxEvents["Newchannel"];
  assert.equal(nc.CallerIDNum, "2000");
  assert.equal(nc.ConnectedLineNum, "1001");
  assert.equal(nc.ConnectedLineName, "Alice");
  assert.equal(nc.Linkedid, "1700000000.1", "Linkedid is the caller's Uniqueid");
  assert.equal(nc.Uniqueid, "1700000000.2");
  assert.equal(nc.Exten, "s");
  ch.hangup(16);
  assert.equal(t.devices.stateOf("2000"), "NOT_INUSE");
});

test("channel: the dialplan location and caller ID changes are in the next event's snapshot", () => {
  const t = setup();
  const ch = new Channel(t.opts);
  ch.setLocation({ context: "internal", exten: "2000", priority: 3, app: "Dial", data: "PJSIP/2000" });
  ch.callerId = { num: "555", name: "Front desk" };
  ch.connectedLine = { num: "2000", name: "" };
  ch.setState("Up");
  const ns = t.payloads.find((p) => p.name === "Newstate") as unknown as PbxEvents["Newstate"];
  assert.equal(ns.Priority, 3);
  assert.equal(ns.CallerIDNum, "555");
  assert.equal(ns.CallerIDName, "Front desk");
  assert.equal(ns.ConnectedLineNum, "2000");
  assert.deepEqual(ch.dump().location, "2000@internal:3");
  assert.equal(ch.dump().application, "Dial");
  assert.equal(ch.vars.get("UNIQUEID"), "1700000000.1");
});
