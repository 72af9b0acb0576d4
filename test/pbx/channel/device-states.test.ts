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
