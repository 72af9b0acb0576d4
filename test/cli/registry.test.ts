import { test } from "node:test";
import assert from "node:assert/strict";
import { CliUsageError, CommandRegistry, type CliCommand } from "../../src/cli/registry.js";
import { splitWords } from "../../src/cli/words.js";
import { PbxError } from "../../src/core/errors.js";

function cmd(command: string, extra: Partial<CliCommand> = {}): CliCommand {
  return {
    command,
    usage: `Usage: ${command}\n       Does ${command}.\n`,
    summary: `Summary of ${command}`,
    handler: (ctx) => `ran ${command} args=${JSON.stringify(ctx.args)}\n`,
    ...extra,
  };
}

function pjsipRegistry(): CommandRegistry {
  const r = new CommandRegistry();
  r.register(cmd("pjsip show endpoints"));
  r.register(
    cmd("pjsip show endpoint", {
      usage: "Usage: pjsip show endpoint <id>\n       Shows one endpoint.\n",
      complete: () => ["6001", "6002", "7001"],
      handler: (ctx) => {
        if (ctx.args.length !== 1) throw new CliUsageError();
        return `endpoint ${ctx.args[0]}\n`;
      },
    }),
  );
  r.register(cmd("pjsip show contacts"));
  r.register(cmd("pjsip set logger", { complete: () => ["on", "off", "host"] }));
  return r;
}

test("words: double quotes group words and are removed", () => {
  assert.deepEqual(splitWords('dialplan set global FOO "a b" c').words, ["dialplan", "set", "global", "FOO", "a b", "c"]);
  assert.deepEqual(splitWords('x "say \\"hi\\""').words, ["x", 'say "hi"']);
  assert.equal(splitWords("pjsip sh").trailingSpace, false);
  assert.equal(splitWords("pjsip ").trailingSpace, true);
  assert.equal(splitWords("").trailingSpace, true);
});

test("registry: exact fixed words run the command with no args", async () => {
  const res = await pjsipRegistry().execute("pjsip show endpoints");
  assert.deepEqual(res, { ok: true, output: "ran pjsip show endpoints args=[]\n" });
});

test("registry: matching is case-insensitive and keeps argument case", async () => {
  const res = await pjsipRegistry().execute("  PJSIP Show Endpoint Alice  ");
  assert.deepEqual(res, { ok: true, output: "endpoint Alice\n" });
});

test("registry: longest fixed-word prefix wins and the rest become args", async () => {
  const r = new CommandRegistry();
  r.register(cmd("core show"));
  r.register(cmd("core show channels"));
  const res = await r.execute('core show channels concise "a b"');
  assert.equal(res.output, 'ran core show channels args=["concise","a b"]\n');
});

test("registry: unknown command answers Asterisk's 'No such command' text, and the hint is never empty", async () => {
  const r = pjsipRegistry();
  // An unknown first word is named itself, as Asterisk does ('foo' → 'core show help foo').
  assert.deepEqual(await r.execute("foo"), {
    ok: false,
    output: "No such command 'foo' (type 'core show help foo' for other possible commands)\n",
  });
  // The hint ends at the first word that no command of that length continues.
  assert.equal((await r.execute("frobnicate now")).output, "No such command 'frobnicate now' (type 'core show help frobnicate now' for other possible commands)\n");
  const partial = await r.execute("pjsip show");
  assert.equal(partial.ok, false);
  assert.equal(partial.output, "No such command 'pjsip show' (type 'core show help pjsip show' for other possible commands)\n");
  assert.equal((await r.execute("pjsip show nothing here")).output, "No such command 'pjsip show nothing here' (type 'core show help pjsip show' for other possible commands)\n");
  // Asterisk's recorded answer when chan_sip is not loaded: 'sip show peers' → 'core show help sip show'.
  assert.equal((await r.execute("sip show peers")).output, "No such command 'sip show peers' (type 'core show help sip show' for other possible commands)\n");
  // The words are echoed as typed.
  assert.match((await r.execute("Frob")).output, /'core show help Frob'/);
});

test("registry: empty line is ok with no output", async () => {
  assert.deepEqual(await pjsipRegistry().execute("   "), { ok: true, output: "" });
});

test("registry: CliUsageError prints the usage and fails", async () => {
  const res = await pjsipRegistry().execute("pjsip show endpoint");
  assert.deepEqual(res, { ok: false, output: "Usage: pjsip show endpoint <id>\n       Shows one endpoint.\n" });
});

test("registry: CliUsageError with a message prints the message above the usage", async () => {
  const r = new CommandRegistry();
  r.register(cmd("x y", { handler: () => { throw new CliUsageError("'zz' is not a number"); } }));
  assert.deepEqual(await r.execute("x y zz"), { ok: false, output: "'zz' is not a number\nUsage: x y\n       Does x y.\n" });
});

test("registry: a handler that throws yields 'Command ... failed' and does not reject", async () => {
  const r = new CommandRegistry();
  r.register(cmd("boom", { handler: async () => { throw new Error("disk on fire"); } }));
  assert.deepEqual(await r.execute("boom  now"), { ok: false, output: "Command 'boom  now' failed: disk on fire\n" });
});

test("registry: ctx.write output comes before the returned text", async () => {
  const r = new CommandRegistry();
  r.register(cmd("stream", { handler: (ctx) => { ctx.write?.("a\n"); ctx.write?.("b\n"); return "c\n"; } }));
  assert.equal((await r.execute("stream")).output, "a\nb\nc\n");
});

test("registry: duplicate registration or missing usage is a programming error", () => {
  const r = pjsipRegistry();
  assert.throws(() => r.register(cmd("PJSIP  show endpoints")), (e: unknown) => e instanceof PbxError && e.code === "INVALID_ARGUMENT");
  assert.throws(() => r.register(cmd("new thing", { usage: " " })), /no usage/);
});

test("registry: the unregister function removes the command", async () => {
  const r = new CommandRegistry();
  const off = r.register(cmd("temp cmd"));
  assert.equal((await r.execute("temp cmd")).ok, true);
  off();
  off();
  assert.equal((await r.execute("temp cmd")).ok, false);
  assert.ok(!r.list().some((c) => c.command === "temp cmd"));
});

test("registry: help lists commands sorted as 'command -- summary'", async () => {
  const res = await pjsipRegistry().execute("help");
  assert.equal(res.ok, true);
  const lines = res.output.trimEnd().split("\n");
  const names = lines.map((l) => l.split(" -- ")[0]?.trimEnd());
  assert.deepEqual(names, [...names].sort());
  assert.ok(lines.includes(`${"pjsip show contacts".padEnd(30)} -- Summary of pjsip show contacts`));
  assert.ok(names.includes("core show help") && names.includes("help"));
});

test("registry: help with a prefix lists only matching commands", async () => {
  const res = await pjsipRegistry().execute("core show help pjsip show endp");
  const names = res.output.trimEnd().split("\n").map((l) => l.split(" -- ")[0]?.trimEnd());
  assert.deepEqual(names, ["pjsip show endpoint", "pjsip show endpoints"]);
});

test("registry: help with a full command prints its usage", async () => {
  assert.equal((await pjsipRegistry().execute("help pjsip show endpoint")).output, "Usage: pjsip show endpoint <id>\n       Shows one endpoint.\n");
  assert.equal((await pjsipRegistry().execute("help nothing here")).output, "No such command 'nothing here'.\n");
});

test("registry: completion offers the next fixed words of matching commands", async () => {
  const r = pjsipRegistry();
  assert.deepEqual(await r.complete("pjsip sh"), ["show"]);
  assert.deepEqual(await r.complete("pjsip show "), ["contacts", "endpoint", "endpoints"]);
  assert.deepEqual(await r.complete("PJSIP SHOW endp"), ["endpoint", "endpoints"]);
  assert.deepEqual(await r.complete("zzz "), []);
  const first = await r.complete("");
  assert.ok(first.includes("pjsip") && first.includes("help") && first.includes("core"));
});

test("registry: completion after the fixed words asks the command's complete()", async () => {
  const r = pjsipRegistry();
  assert.deepEqual(await r.complete("pjsip show endpoint 60"), ["6001", "6002"]);
  assert.deepEqual(await r.complete("pjsip set logger "), ["host", "off", "on"]);
  // "pjsip show endpoints " has no completer: the longer command owns the arguments.
  assert.deepEqual(await r.complete("pjsip show endpoints "), []);
});

test("registry: help completes command words", async () => {
  assert.deepEqual(await pjsipRegistry().complete("help pjsip show c"), ["contacts"]);
});

test("registry: a throwing completer offers nothing", async () => {
  const r = new CommandRegistry();
  r.register(cmd("x", { complete: () => { throw new Error("nope"); } }));
  assert.deepEqual(await r.complete("x "), []);
});
