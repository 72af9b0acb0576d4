import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandRegistry } from "../../src/cli/registry.js";
import { FakeClock } from "../../src/core/clock.js";
import { PbxError } from "../../src/core/errors.js";
import { CaptureLogger } from "../../src/core/logger.js";
import { ModuleHost } from "../../src/core/module-host.js";
import type { ModuleContext, PbxModule } from "../../src/core/module.js";
import type { SipCapabilities } from "../../src/core/module-capabilities.js";

/** A module that records its lifecycle calls into a shared journal. */
function recorder(journal: string[], name: string, o: { dependsOn?: string[]; failStart?: boolean; failReload?: boolean; capabilities?: SipCapabilities; command?: string } = {}): PbxModule {
  return {
    name,
    ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}),
    ...(o.capabilities ? { capabilities: o.capabilities } : {}),
    start(ctx: ModuleContext) {
      journal.push(`start ${name}`);
      if (o.command) ctx.commands.register({ command: o.command, usage: "Usage: x", summary: "x", handler: () => "ok\n" });
      ctx.defer(() => void journal.push(`undo ${name}`));
      if (o.failStart) throw new Error(`${name} cannot start`);
    },
    ready() {
      journal.push(`ready ${name}`);
    },
    reload() {
      journal.push(`reload ${name}`);
      if (o.failReload) throw new Error(`${name} cannot reload`);
    },
    stop() {
      journal.push(`stop ${name}`);
    },
  };
}

function hostOf(modules: PbxModule[], registry = new CommandRegistry(), log = new CaptureLogger()) {
  return new ModuleHost<ModuleContext>({ modules, log, clock: new FakeClock(), commands: registry, dataDir: "/nonexistent", configDir: undefined, extend: (base) => base });
}

test("module host: starts in list order, calls ready only after every start, stops in reverse order", async () => {
  const j: string[] = [];
  const host = hostOf([recorder(j, "a"), recorder(j, "b", { dependsOn: ["a"] }), recorder(j, "c", { dependsOn: ["a", "b"] })]);
  await host.start();
  assert.deepEqual(j, ["start a", "start b", "start c", "ready a", "ready b", "ready c"]);
  assert.equal(host.state("b"), "Running");
  j.length = 0;
  await host.stop();
  // What a module registered (ctx.defer) is undone before its own stop(), then the next one up.
  assert.deepEqual(j, ["undo c", "stop c", "undo b", "stop b", "undo a", "stop a"]);
  assert.equal(host.state("a"), "Stopped");
});

test("module host: stop() twice stops each module once and returns the same promise", async () => {
  const j: string[] = [];
  const host = hostOf([recorder(j, "a"), recorder(j, "b")]);
  await host.start();
  j.length = 0;
  const first = host.stop();
  const second = host.stop();
  assert.equal(first, second);
  await Promise.all([first, second, host.stop()]);
  assert.deepEqual(j, ["undo b", "stop b", "undo a", "stop a"]);
});

test("module host: a failed start undoes that module's registrations (no stop()), stops the earlier ones in reverse, never starts the rest, rethrows", async () => {
  const j: string[] = [];
  const registry = new CommandRegistry();
  const host = hostOf([recorder(j, "a", { command: "alpha show" }), recorder(j, "b", { failStart: true, command: "beta show" }), recorder(j, "c")], registry);
  await assert.rejects(host.start(), /b cannot start/);
  assert.deepEqual(j, ["start a", "start b", "undo b", "undo a", "stop a"]);
  assert.equal(host.state("b"), "Failed");
  assert.equal(host.state("c"), "Not Running");
  // Neither module's command is left in the registry.
  assert.deepEqual(registry.list().map((c) => c.command).filter((c) => c.endsWith(" show")), []);
});

test("module host: a command registered through the context is removed when its module stops", async () => {
  const registry = new CommandRegistry();
  const host = hostOf([recorder([], "a", { command: "alpha show" })], registry);
  await host.start();
  assert.equal((await registry.execute("alpha show")).output, "ok\n");
  assert.deepEqual(host.dump()[0]?.registered, { command: ["alpha show"] });
  await host.stop();
  assert.equal((await registry.execute("alpha show")).ok, false);
});

test("module host: reload runs in list order; a failing reload ends it there and reaches the caller", async () => {
  const j: string[] = [];
  const host = hostOf([recorder(j, "a"), recorder(j, "b", { failReload: true }), recorder(j, "c")]);
  await host.start();
  j.length = 0;
  await assert.rejects(host.reload(), /b cannot reload/);
  assert.deepEqual(j, ["reload a", "reload b"]);
  j.length = 0;
  await assert.rejects(host.reload(), /b cannot reload/);
  assert.deepEqual(j, ["reload a", "reload b"], "a failed reload does not block the next one");
  await host.stop();
});

test("module host: the list is the order — a dependency listed later, an unknown one or a name listed twice is refused", () => {
  const j: string[] = [];
  assert.throws(() => hostOf([recorder(j, "b", { dependsOn: ["a"] }), recorder(j, "a")]), (e: unknown) => e instanceof PbxError && /comes after it/.test(e.message));
  assert.throws(() => hostOf([recorder(j, "b", { dependsOn: ["nope"] })]), (e: unknown) => e instanceof PbxError && /not in the module list/.test(e.message));
  assert.throws(() => hostOf([recorder(j, "a"), recorder(j, "a")]), (e: unknown) => e instanceof PbxError && /listed twice/.test(e.message));
});

test("module host: stop() during start() lets the running start finish, stops what started in reverse, starts nothing more", async () => {
  const j: string[] = [];
  let release: () => void = () => {};
  const slow: PbxModule = {
    name: "slow",
    start: () => new Promise<void>((r) => (release = () => {
      j.push("start slow");
      r();
    })),
    stop: () => void j.push("stop slow"),
  };
  const host = hostOf([recorder(j, "a"), slow, recorder(j, "c")]);
  const starting = host.start();
  await new Promise((r) => setImmediate(r));
  const stopping = host.stop();
  release();
  await Promise.all([starting, stopping]);
  assert.deepEqual(j, ["start a", "start slow", "stop slow", "undo a", "stop a"]);
  assert.equal(host.state("c"), "Not Running");
});

test("module host: Allow and Supported are derived from the loaded modules' declarations", () => {
  const host = hostOf([
    recorder([], "registrar", { capabilities: { methods: ["REGISTER"] } }),
    recorder([], "calls", { capabilities: { methods: ["INVITE", "ACK", "CANCEL", "BYE", "UPDATE", "INFO", "PRACK"], optionTags: ["100rel", "timer"], accept: ["application/sdp"] } }),
    recorder([], "pipeline", { capabilities: { methods: ["OPTIONS"] } }),
  ]);
  // RFC 3261's methods first in the usual order, extensions as declared.
  assert.equal(host.capabilities.allow(), "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO, PRACK");
  assert.equal(host.capabilities.supported(), "100rel, timer");
  assert.equal(host.capabilities.accepted(), "application/sdp");
  assert.equal(host.capabilities.allowEvents(), "");
  assert.ok(host.capabilities.supports("100REL"));
  assert.ok(!host.capabilities.supports("replaces"));

  // Without the call layer, neither INVITE nor an option tag is offered.
  const bare = hostOf([recorder([], "registrar", { capabilities: { methods: ["REGISTER"] } }), recorder([], "pipeline", { capabilities: { methods: ["OPTIONS"] } })]);
  assert.equal(bare.capabilities.allow(), "OPTIONS, REGISTER");
  assert.equal(bare.capabilities.supported(), "");
  assert.ok(!bare.capabilities.allows("INVITE"));
});

test("capabilities: without() drops methods and tags for one endpoint (100rel=no: no PRACK, no 100rel)", () => {
  const host = hostOf([recorder([], "calls", { capabilities: { methods: ["INVITE", "BYE", "PRACK", "OPTIONS"], optionTags: ["100rel", "timer"] } })]);
  const noRel = host.capabilities.without({ methods: ["PRACK"], optionTags: ["100rel"] });
  assert.equal(noRel.allow(), "INVITE, BYE, OPTIONS");
  assert.equal(noRel.supported(), "timer");
  assert.equal(host.capabilities.allow(), "INVITE, BYE, OPTIONS, PRACK", "the loaded set itself is unchanged");
});

test("module host: a failing ready() stops every started module in reverse order and reaches the caller", async () => {
  const j: string[] = [];
  const failingReady: PbxModule = { name: "control", start: () => void j.push("start control"), ready: () => Promise.reject(new Error("socket in use")), stop: () => void j.push("stop control") };
  const host = hostOf([failingReady, recorder(j, "b")]);
  await assert.rejects(host.start(), /socket in use/);
  assert.deepEqual(j, ["start control", "start b", "undo b", "stop b", "stop control"]);
  await assert.rejects(host.reload(), /cannot reload/);
});
