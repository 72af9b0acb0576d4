/**
 * DeviceStates: the aggregate state of a device from its channels (Ringing rings it, Ring and Up
 * keep it in use, both at once is RINGINUSE), one DeviceStateChange per change of the aggregate,
 * and the same answers with thousands of channels of other devices alive.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { EventBus } from "../../../src/core/event-bus.js";
import type { PbxEvents } from "../../../src/pbx/events.js";
import { DeviceStates } from "../../../src/pbx/channel/device-states.js";

function setup() {
  const bus = new EventBus<PbxEvents>();
  const changes: string[] = [];
  bus.on("DeviceStateChange", (e) => changes.push(`${e.Device} ${e.State}`));
  return { devices: new DeviceStates(bus), changes };
}

it("a device rings, is in use, rings while in use, and is idle again when its channels hang up", () => {
  const { devices, changes } = setup();
  devices.set("PJSIP/1001-1", "1001", "Ringing");
  devices.set("PJSIP/1001-1", "1001", "Up");
  devices.set("PJSIP/1001-2", "1001", "Ringing");
  assert.equal(devices.stateOf("1001"), "RINGINUSE");
  devices.remove("PJSIP/1001-2");
  devices.remove("PJSIP/1001-1");
  devices.remove("PJSIP/1001-1");
  assert.deepEqual(changes, ["PJSIP/1001 RINGING", "PJSIP/1001 INUSE", "PJSIP/1001 RINGINUSE", "PJSIP/1001 INUSE", "PJSIP/1001 NOT_INUSE"]);
  assert.equal(devices.stateOf("1001"), "NOT_INUSE");
});

it("a Down channel does not count; a channel moved to another endpoint updates both", () => {
  const { devices, changes } = setup();
  devices.set("PJSIP/x-1", "2001", "Down");
  assert.equal(devices.stateOf("2001"), "NOT_INUSE");
  devices.set("PJSIP/x-1", "2001", "Up");
  devices.set("PJSIP/x-1", "2002", "Up");
  assert.equal(devices.stateOf("2001"), "NOT_INUSE");
  assert.equal(devices.stateOf("2002"), "INUSE");
  assert.deepEqual(changes, ["PJSIP/2001 INUSE", "PJSIP/2001 NOT_INUSE", "PJSIP/2002 INUSE"]);
});

it("with 20,000 channels of 1,000 devices alive, every device's state stays exact", () => {
  const { devices, changes } = setup();
  for (let i = 0; i < 20_000; i++) devices.set(`PJSIP/e${i % 1000}-${i}`, `e${i % 1000}`, i % 2 === 0 ? "Up" : "Ringing");
  for (let i = 0; i < 20_000; i++) devices.set(`PJSIP/e${i % 1000}-${i}`, `e${i % 1000}`, "Up");
  assert.equal(devices.stateOf("e1"), "INUSE");
  for (let i = 0; i < 20_000; i++) devices.remove(`PJSIP/e${i % 1000}-${i}`);
  assert.equal(devices.stateOf("e1"), "NOT_INUSE");
  assert.equal(changes.filter((c) => c.startsWith("PJSIP/e1 ")).at(-1), "PJSIP/e1 NOT_INUSE");
});

it("device_state_busy_at: BUSY at exactly that many channels Up, Ring or Busy; Ringing and Dialing channels do not count; 0 is off", () => {
  const bus = new EventBus<PbxEvents>();
  const changes: string[] = [];
  bus.on("DeviceStateChange", (e) => changes.push(`${e.Device} ${e.State}`));
  const busyAt = new Map([["1001", 2]]);
  const devices = new DeviceStates(bus, { busyAt: (ep) => busyAt.get(ep) ?? 0 });
  devices.set("PJSIP/1001-1", "1001", "Up");
  assert.equal(devices.stateOf("1001"), "INUSE");
  devices.set("PJSIP/1001-2", "1001", "Ringing");
  devices.set("PJSIP/1001-3", "1001", "Dialing");
  assert.equal(devices.stateOf("1001"), "RINGINUSE", "a ringing and a dialing channel are not counted towards the limit");
  devices.set("PJSIP/1001-2", "1001", "Up");
  assert.equal(devices.stateOf("1001"), "BUSY");
  // chan_pjsip compares for equality: a third channel in use makes it the aggregate again.
  devices.set("PJSIP/1001-3", "1001", "Ring");
  assert.equal(devices.stateOf("1001"), "INUSE");
  devices.remove("PJSIP/1001-3");
  assert.equal(devices.stateOf("1001"), "BUSY");
  devices.remove("PJSIP/1001-1");
  assert.equal(devices.stateOf("1001"), "INUSE");
  assert.deepEqual(changes, ["PJSIP/1001 INUSE", "PJSIP/1001 RINGINUSE", "PJSIP/1001 BUSY", "PJSIP/1001 INUSE", "PJSIP/1001 BUSY", "PJSIP/1001 INUSE"]);
  // Without the option (0) the same channels never make the device BUSY.
  devices.set("PJSIP/2001-1", "2001", "Up");
  devices.set("PJSIP/2001-2", "2001", "Up");
  assert.equal(devices.stateOf("2001"), "INUSE");
});

it("channelsOf counts every channel of the endpoint, Down ones too; recheck reports a state changed by a new device_state_busy_at", () => {
  const bus = new EventBus<PbxEvents>();
  const changes: string[] = [];
  bus.on("DeviceStateChange", (e) => changes.push(`${e.Device} ${e.State}`));
  let limit = 0;
  const devices = new DeviceStates(bus, { busyAt: () => limit });
  devices.set("PJSIP/1001-1", "1001", "Down");
  devices.set("PJSIP/1001-2", "1001", "Up");
  assert.equal(devices.channelsOf("1001"), 2);
  assert.equal(devices.channelsOf("1002"), 0);
  limit = 1;
  devices.recheck();
  assert.equal(devices.stateOf("1001"), "BUSY");
  assert.deepEqual(changes, ["PJSIP/1001 INUSE", "PJSIP/1001 BUSY"]);
  devices.remove("PJSIP/1001-2");
  devices.remove("PJSIP/1001-1");
  assert.equal(devices.channelsOf("1001"), 0);
  assert.equal(devices.stateOf("1001"), "NOT_INUSE");
});
