/** res_parking.conf: the default lot without the file, lots from sections, bad ranges refused. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { buildParkingConfig, parseParkpos } from "../../../src/config/parking/load-parking.js";

test("res_parking.conf: without the file the lot default is Asterisk's (700, 701-720, parkedcalls, 45 s)", () => {
  const lot = buildParkingConfig(undefined).config.lots.get("default");
  assert.ok(lot);
  assert.deepEqual([lot.parkext, lot.first, lot.last, lot.context, lot.parkingtime, lot.comebacktoorigin, lot.findslot], ["700", 701, 720, "parkedcalls", 45, true, "first"]);
});

test("res_parking.conf: lots from sections; overlapping spaces and bad ranges are errors; not implemented options named", () => {
  const text = "[general]\nparkeddynamic = yes\n[default]\nparkingtime = 60\n[sales]\nparkext = 800\nparkpos = 801-810\nparkinghints = yes\n[clash]\nparkpos = 805-806\ncontext = parkedcalls\n[broken]\nparkpos = many\n";
  const r = buildParkingConfig(parseConfigText(text, "res_parking.conf"));
  assert.deepEqual([...r.config.lots.keys()], ["default", "sales"]);
  assert.equal(r.config.lots.get("default")?.parkingtime, 60);
  const msgs = r.diagnostics.map((d) => `${d.severity}: ${d.message}`);
  assert.ok(msgs.some((m) => /^error: .*\[clash\].*meet lot 'sales'/.test(m)), msgs.join("\n"));
  assert.ok(msgs.some((m) => /^error: .*\[broken\].*not a range/.test(m)), msgs.join("\n"));
  assert.ok(msgs.some((m) => /parkinghints/.test(m) && /not implemented/.test(m)), msgs.join("\n"));
  assert.ok(msgs.some((m) => /parkeddynamic/.test(m) && /not implemented/.test(m)), msgs.join("\n"));
});

test("parkpos: ranges with their digit count", () => {
  assert.deepEqual(parseParkpos("701-720"), [701, 720, 3]);
  assert.deepEqual(parseParkpos(" 01 - 10 "), [1, 10, 2]);
  assert.equal(parseParkpos("720-701"), undefined);
  assert.equal(parseParkpos("701"), undefined);
});
