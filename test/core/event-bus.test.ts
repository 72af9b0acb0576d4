import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandRegistry } from "../../src/cli/registry.js";
import { FakeClock } from "../../src/core/clock.js";
import { InvalidStateError } from "../../src/core/errors.js";
import { EventBus, scopedEventPort } from "../../src/core/event-bus.js";
import { CaptureLogger } from "../../src/core/logger.js";
import { ModuleHost } from "../../src/core/module-host.js";
import type { ModuleContext, PbxModule } from "../../src/core/module.js";

interface TestEvents {
  Newstate: { Channel: string; ChannelStateDesc: string };
  Hangup: { Channel: string; Cause: number };
}

test("event bus: a payload reaches the listeners of its name and catch-all listeners, in subscription order", () => {
  const bus = new EventBus<TestEvents>();
  const seen: string[] = [];
  bus.on("Newstate", (p) => seen.push(`named ${p.Channel} ${p.ChannelStateDesc}`));
  bus.onAny((name, p) => seen.push(`any ${name} ${p.Channel}`));
  bus.on("Hangup", (p) => seen.push(`hangup ${p.Cause}`));
  bus.emit("Newstate", { Channel: "PJSIP/1001-00000001", ChannelStateDesc: "Ringing" });
  bus.emit("Hangup", { Channel: "PJSIP/1001-00000001", Cause: 16 });
  assert.deepEqual(seen, ["named PJSIP/1001-00000001 Ringing", "any Newstate PJSIP/1001-00000001", "hangup 16", "any Hangup PJSIP/1001-00000001"]);
});

test("event bus: a listener that throws is reported and the others still get the event", () => {
  const bus = new EventBus<TestEvents>();
  const errors: string[] = [];
  bus.onListenerError = (err, name) => errors.push(`${name}: ${(err as Error).message}`);
  const got: number[] = [];
  bus.on("Hangup", () => {
    throw new Error("cdr writer broke");
  });
  bus.on("Hangup", (p) => got.push(p.Cause));
  bus.onAny(() => {
    throw new Error("ami broke");
  });
  assert.doesNotThrow(() => bus.emit("Hangup", { Channel: "c", Cause: 17 }));
  assert.deepEqual(got, [17]);
  assert.deepEqual(errors, ["Hangup: cdr writer broke", "Hangup: ami broke"]);
});

test("event bus: wants() is false until someone listens (emitters skip building payloads), unsubscribe ends delivery", () => {
  const bus = new EventBus<TestEvents>();
  assert.equal(bus.wants("Newstate"), false);
  const got: string[] = [];
  const off = bus.on("Newstate", (p) => got.push(p.ChannelStateDesc));
  assert.equal(bus.wants("Newstate"), true);
  assert.equal(bus.wants("Hangup"), false);
  bus.emit("Newstate", { Channel: "c", ChannelStateDesc: "Up" });
  off();
  off();
  bus.emit("Newstate", { Channel: "c", ChannelStateDesc: "Down" });
  assert.deepEqual(got, ["Up"]);
  assert.equal(bus.wants("Newstate"), false);
  const offAny = bus.onAny(() => {});
  assert.equal(bus.wants("Hangup"), true, "a catch-all listener wants everything");
  offAny();
  assert.deepEqual(bus.dump(), { byName: {}, any: 0 });
});

test("event bus: a listener added during delivery first hears the next event", () => {
  const bus = new EventBus<TestEvents>();
  const got: string[] = [];
  bus.on("Newstate", () => {
    bus.on("Newstate", (p) => got.push(`late ${p.ChannelStateDesc}`));
  });
  bus.emit("Newstate", { Channel: "c", ChannelStateDesc: "Ring" });
  assert.deepEqual(got, []);
  bus.emit("Newstate", { Channel: "c", ChannelStateDesc: "Up" });
  assert.deepEqual(got, ["late Up"]);
});

test("event bus: a module may emit only what it declares, and its subscriptions end when it stops", async () => {
  const bus = new EventBus<TestEvents>();
  const heard: string[] = [];
  let port: ReturnType<typeof scopedEventPort<TestEvents>> | undefined;
  const mod: PbxModule = {
    name: "calls",
    emits: ["Newstate"],
    start(ctx: ModuleContext) {
      port = scopedEventPort(bus, { owner: "calls", emits: this.emits ?? [], defer: (u) => ctx.defer(u) });
      port.on("Hangup", (p) => heard.push(`hangup ${p.Channel}`));
    },
  };
  const host = new ModuleHost<ModuleContext>({ modules: [mod], log: new CaptureLogger(), clock: new FakeClock(), commands: new CommandRegistry(), dataDir: "/nonexistent", configDir: undefined, extend: (b) => b });
  await host.start();
  assert.ok(port);
  port.emit("Newstate", { Channel: "c", ChannelStateDesc: "Up" });
  assert.throws(() => port?.emit("Hangup", { Channel: "c", Cause: 16 }), (e: unknown) => e instanceof InvalidStateError && /does not declare/.test(e.message));
  bus.emit("Hangup", { Channel: "x", Cause: 16 });
  await host.stop();
  bus.emit("Hangup", { Channel: "y", Cause: 16 });
  assert.deepEqual(heard, ["hangup x"]);
  assert.deepEqual(bus.dump(), { byName: {}, any: 0 });
});
