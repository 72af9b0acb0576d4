/** Parking spaces: findslot first/next, a wanted space, the lot's extensions in its context. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildParkingConfig } from "../../../src/config/parking/load-parking.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { ParkedCalls, type ParkedCall } from "../../../src/pbx/parking/parked-calls.js";
import { parkingDialplan } from "../../../src/pbx/parking/parking-dialplan.js";
import { deviceOf } from "../../../src/pbx/parking/parking-module.js";
import type { LoadedConfig } from "../../../src/config/index.js";

function lots(text: string) {
  return buildParkingConfig(parseConfigText(text, "res_parking.conf")).config;
}

function entry(lot: string, space: string): ParkedCall {
  return { lot, space, channel: { name: `PJSIP/x-${space}` } as ParkedCall["channel"], parker: "PJSIP/y-1", since: 0, timeoutSec: 45, take: () => undefined };
}

test("parked-calls: first takes the lowest free space, next the one after the last given, a wanted free space wins", () => {
  const cfg = lots("[default]\nparkpos = 1-3\n[rr]\nparkpos = 11-13\nfindslot = next\ncontext = other\n");
  const d = cfg.lots.get("default")!;
  const rr = cfg.lots.get("rr")!;
  const p = new ParkedCalls();
  assert.equal(p.freeSpace(d), "1");
  p.add(entry("default", "1"));
  assert.equal(p.freeSpace(d), "2");
  assert.equal(p.freeSpace(d, "3"), "3");
  assert.equal(p.freeSpace(d, "1"), "2", "a taken wanted space falls back to the first free");
  p.add(entry("rr", "11"));
  assert.equal(p.freeSpace(rr), "12");
  p.add(entry("rr", "12"));
  p.remove(p.get("rr", "11")!);
  assert.equal(p.freeSpace(rr), "13", "next: after the last given, not the lowest");
  p.add(entry("rr", "13"));
  assert.equal(p.freeSpace(rr), "11", "wraps round");
  p.add(entry("rr", "11"));
  assert.equal(p.freeSpace(rr), undefined, "full");
  assert.deepEqual(p.list("rr").map((c) => c.space), ["11", "12", "13"]);
});

test("parking-dialplan: parkext parks (Park(<lot>) when exclusive), every space retrieves", () => {
  const cfg = { parking: lots("[default]\nparkpos = 701-702\n[vip]\nparkext = 800\nparkpos = 801-801\nparkext_exclusive = yes\n") } as unknown as LoadedConfig;
  assert.equal(
    parkingDialplan(cfg),
    "[parkedcalls]\nexten => 700,1,Park()\nexten => 701,1,ParkedCall(default,701)\nexten => 702,1,ParkedCall(default,702)\nexten => 800,1,Park(vip)\nexten => 801,1,ParkedCall(vip,801)\n",
  );
});

test("parking: the parker's device from its channel name", () => {
  assert.equal(deviceOf("PJSIP/2001-0000000a"), "PJSIP/2001");
  assert.equal(deviceOf("PJSIP/trunk-a-0000000b"), "PJSIP/trunk-a");
});
