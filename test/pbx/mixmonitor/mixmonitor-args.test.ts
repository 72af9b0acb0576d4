/** MixMonitor's arguments: file names under the monitor directory, formats, and the option letters. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { monitorFile, parseMixMonitorArgs, volumeFactor } from "../../../src/pbx/mixmonitor/mixmonitor-args.js";

const DIR = "/var/spool/asterisk/monitor";

test("mixmonitor args: a relative name goes to the monitor directory; an absolute one stays", () => {
  assert.deepEqual(monitorFile("1700000000.12.wav", DIR), { file: { path: `${DIR}/1700000000.12.wav`, format: "wav" } });
  assert.deepEqual(monitorFile("/tmp/x/call.wav16", DIR), { file: { path: "/tmp/x/call.wav16", format: "wav16" } });
  assert.deepEqual(monitorFile("sub/dir/call.sln", DIR), { file: { path: `${DIR}/sub/dir/call.sln`, format: "sln" } });
});

test("mixmonitor args: without an extension the file is raw (headerless 8 kHz), as in Asterisk", () => {
  assert.deepEqual(monitorFile("call", DIR), { file: { path: `${DIR}/call.raw`, format: "sln" } });
  assert.deepEqual(monitorFile("my.dir/call", DIR), { file: { path: `${DIR}/my.dir/call.raw`, format: "sln" } });
});

test("mixmonitor args: formats Switchboard cannot write (gsm, WAV, wav49) are refused with the list", () => {
  for (const name of ["call.gsm", "call.WAV", "call.wav49", "call.mp3"]) {
    const r = monitorFile(name, DIR);
    assert.ok("error" in r && /cannot be written/.test(r.error), name);
  }
});

test("mixmonitor args: options a, b, r(), t(), i(), d and the volume letters", () => {
  const p = parseMixMonitorArgs(["call.wav", "abr(in.wav)t(/abs/out.wav)i(MID)dV(2)v(-1)"], DIR);
  assert.deepEqual(p.warnings, []);
  assert.equal(p.filename, `${DIR}/call.wav`);
  assert.equal(p.idVariable, "MID");
  assert.equal(p.deleteAfter, true);
  assert.deepEqual(p.spec, {
    mix: { path: `${DIR}/call.wav`, format: "wav" },
    receive: { path: `${DIR}/in.wav`, format: "wav" },
    transmit: { path: "/abs/out.wav", format: "wav" },
    append: true,
    bridgedOnly: true,
    receiveGain: 4,
    transmitGain: 0.5,
  });
  const w = parseMixMonitorArgs(["call.wav", "W(1)"], DIR);
  assert.equal(w.spec?.receiveGain, 2);
  assert.equal(w.spec?.transmitGain, 2);
});

test("mixmonitor args: r()/t() without a file name record only the directions", () => {
  const p = parseMixMonitorArgs(["", "r(rx.wav)"], DIR);
  assert.equal(p.filename, undefined);
  assert.equal(p.spec?.mix, undefined);
  assert.equal(p.spec?.receive?.path, `${DIR}/rx.wav`);
});

test("mixmonitor args: unknown, not implemented and bad options warn; no file at all records nothing", () => {
  const p = parseMixMonitorArgs(["call.wav", "xpB(10)v(9)", "/usr/bin/lame ^{x}"], DIR);
  assert.equal(p.warnings.length, 5, p.warnings.join("\n"));
  assert.match(p.warnings[0]!, /unknown option 'x'/);
  assert.match(p.warnings[1]!, /'p'.*not implemented/);
  assert.match(p.warnings[2]!, /'B'.*not implemented/);
  assert.match(p.warnings[3]!, /-4 to 4/);
  assert.match(p.warnings[4]!, /command/);
  assert.ok(p.spec !== undefined, "the recording still runs");
  const none = parseMixMonitorArgs([], DIR);
  assert.equal(none.spec, undefined);
  assert.match(none.warnings[0]!, /requires an argument/);
});

test("mixmonitor args: volume factors double or halve per step, -4…4", () => {
  assert.equal(volumeFactor("0"), 1);
  assert.equal(volumeFactor("3"), 8);
  assert.equal(volumeFactor("-2"), 0.25);
  assert.equal(volumeFactor("5"), undefined);
  assert.equal(volumeFactor("x"), undefined);
});
