/**
 * MixMonitor and StopMixMonitor on a scripted channel: the request handed to the media side,
 * MIXMONITOR_FILENAME and the ID variable, the dialplan going on at once, StopMixMonitor waiting
 * for the files to close, option d, and the MixMonitorStart/Stop events.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CaptureLogger } from "../../../src/core/logger.js";
import type { MixMonitorResult, MixMonitorSpec } from "../../../src/media/index.js";
import { createCoreAppRegistry } from "../../../src/pbx/apps/index.js";
import { createCoreFuncRegistry } from "../../../src/pbx/funcs/index.js";
import { DialplanExecutor } from "../../../src/pbx/dialplan/executor.js";
import { createPbxEventBus, type ChannelView } from "../../../src/pbx/events.js";
import { MixMonitors, mixMonitorApp, stopMixMonitorApp } from "../../../src/pbx/mixmonitor/mixmonitor-apps.js";
import { FakeChannel, dialplanFrom } from "../dialplan/fake-channel.js";

/** A channel whose recordings end when stopped (or when `finish` is called). */
class RecordingChannel extends FakeChannel {
  readonly started: MixMonitorSpec[] = [];
  readonly stopped: string[] = [];
  private readonly ends = new Map<string, (r: MixMonitorResult) => void>();
  mixMonitor(spec: MixMonitorSpec): Promise<MixMonitorResult> {
    this.started.push(spec);
    this.calls.push(`mixMonitor(${spec.tapId})`);
    return new Promise((resolve) => this.ends.set(spec.tapId, resolve));
  }
  stopMixMonitor(tapId: string): void {
    this.stopped.push(tapId);
    // The worker closes the files a moment later.
    setTimeout(() => this.ends.get(tapId)?.({ reason: "stopped", durationMs: 1000 }), 10);
  }
  view(): ChannelView {
    return { name: this.name, state: "Up", callerIdNum: "1001", callerIdName: "Alice", context: "office", exten: "s", priority: 1, uniqueid: "1.1", linkedid: "1.1" };
  }
}

async function run(text: string, dir: string) {
  const apps = createCoreAppRegistry();
  const bus = createPbxEventBus();
  const seen: string[] = [];
  bus.on("MixMonitorStart", (e) => seen.push(`start ${e.Channel}`));
  bus.on("MixMonitorStop", (e) => seen.push(`stop ${e.Channel}`));
  const monitors = new MixMonitors(() => dir, bus);
  apps.register(mixMonitorApp(monitors));
  apps.register(stopMixMonitorApp(monitors));
  const log = new CaptureLogger();
  const exec = new DialplanExecutor({ dialplan: () => dialplanFrom(text), log, apps, funcs: createCoreFuncRegistry() });
  const ch = new RecordingChannel();
  await exec.run(ch, "office", "s");
  return { ch, log, seen };
}

test("MixMonitor hands the worker its request, sets MIXMONITOR_FILENAME and the ID, and the dialplan goes on", async () => {
  const { ch, seen } = await run("[office]\nexten => s,1,MixMonitor(calls/${CALLERID(num)}.wav,bi(MID))\n same => n,Playback(hello)\n", "/mon");
  assert.equal(ch.started.length, 1);
  const spec = ch.started[0]!;
  assert.deepEqual({ ...spec, tapId: undefined }, { tapId: undefined, mix: { path: "/mon/calls/1001.wav", format: "wav" }, append: false, bridgedOnly: true, receiveGain: 1, transmitGain: 1 });
  assert.equal(ch.vars.get("MIXMONITOR_FILENAME"), "/mon/calls/1001.wav");
  assert.equal(ch.vars.get("MID"), spec.tapId);
  // It neither answers (Playback does) nor waits for the recording to end.
  assert.deepEqual(ch.calls.slice(0, 3), [`mixMonitor(${spec.tapId})`, "answer()", "playback(hello)"]);
  assert.deepEqual(seen, ["start PJSIP/1001-00000001"]);
});

test("StopMixMonitor stops the one named (else the latest) and returns once its files are closed", async () => {
  const { ch, seen } = await run("[office]\nexten => s,1,MixMonitor(a.wav,i(A))\n same => n,MixMonitor(b.wav)\n same => n,StopMixMonitor(${A})\n same => n,Playback(after)\n same => n,StopMixMonitor()\n same => n,StopMixMonitor()\n", "/mon");
  const [a, b] = ch.started;
  assert.deepEqual(ch.stopped, [a!.tapId, b!.tapId], "A by its ID, then the latest left; the third finds none");
  assert.deepEqual(seen, ["start PJSIP/1001-00000001", "start PJSIP/1001-00000001", "stop PJSIP/1001-00000001", "stop PJSIP/1001-00000001"]);
  assert.ok(ch.calls.indexOf("playback(after)") > ch.calls.indexOf(`mixMonitor(${b!.tapId})`));
});

test("MixMonitor: option d deletes the files when the recording ends; a format it cannot write records nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mixmon-app-"));
  try {
    writeFileSync(join(dir, "gone.wav"), "x");
    const { ch, log } = await run("[office]\nexten => s,1,MixMonitor(gone.wav,d)\n same => n,StopMixMonitor()\n same => n,MixMonitor(x.gsm)\n", dir);
    assert.equal(existsSync(join(dir, "gone.wav")), false);
    assert.equal(ch.started.length, 1, "no recording for .gsm");
    assert.ok(log.records.some((r) => /MixMonitor: file: '\.gsm' cannot be written/.test(r.msg)), log.records.map((r) => r.msg).join("\n"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
