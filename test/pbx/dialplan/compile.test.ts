import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { compileDialplan } from "../../../src/pbx/dialplan/compile.js";

function compile(text: string, known?: string[]) {
  const opts = known === undefined ? {} : { isKnownApp: (n: string) => known.some((k) => k.toLowerCase() === n.toLowerCase()) };
  return compileDialplan(parseConfigText(text, "extensions.conf"), opts);
}

test("compile: exten and same => n lines become numbered priorities with labels", () => {
  const { dialplan, diagnostics } = compile(["[internal]", "exten => 600,1,Answer()", " same => n(loop),Echo()", " same => n,Hangup(16)"].join("\n"));
  assert.deepEqual(diagnostics, []);
  const ext = dialplan.contexts.get("internal")?.extensions[0];
  assert.equal(ext?.name, "600");
  assert.deepEqual(
    ext?.priorities.map((p) => [p.priority, p.label, p.app, p.appData, p.line]),
    [
      [1, undefined, "Answer", "", 2],
      [2, "loop", "Echo", "", 3],
      [3, undefined, "Hangup", "16", 4],
    ],
  );
});

test("compile: 'same' priority, '+N' offset and explicit numbers resolve like Asterisk", () => {
  const { dialplan } = compile(["[c]", "exten => s,1,NoOp(a)", "exten => s,same+2,NoOp(b)", "exten => s,5(five),NoOp(c)", "exten => s,n,NoOp(d)"].join("\n"));
  const ext = dialplan.contexts.get("c")?.extensions[0];
  assert.deepEqual(ext?.priorities.map((p) => p.priority), [1, 3, 5, 6]);
  assert.equal(ext?.priorities[2]?.label, "five");
});

test("compile: 'n' on the first entry is an error naming the line", () => {
  const { dialplan, diagnostics } = compile(["[c]", "", "exten => 100,n,NoOp()"].join("\n"));
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]?.severity, "error");
  assert.equal(diagnostics[0]?.line, 3);
  assert.match(diagnostics[0]?.message ?? "", /Can't use 'next' priority on the first entry at line 3 of extensions.conf!/);
  assert.equal(dialplan.contexts.get("c")?.extensions.length ?? 0, 0);
});

test("compile: 'same =>' without a previous exten is an error", () => {
  const { diagnostics } = compile("[c]\nsame => n,NoOp()\n");
  assert.match(diagnostics[0]?.message ?? "", /No previous pattern in the first entry of context 'c' to match 'n,NoOp\(\)'/);
});

test("compile: invalid priority text is an error and the line is skipped", () => {
  const { dialplan, diagnostics } = compile("[c]\nexten => 1,abc,NoOp()\nexten => 2,1,NoOp()\n");
  assert.match(diagnostics[0]?.message ?? "", /Invalid priority\/label 'abc' at line 2/);
  assert.deepEqual(dialplan.contexts.get("c")?.extensions.map((e) => e.name), ["2"]);
});

test("compile: duplicate priority is a warning and the first one stays", () => {
  const { dialplan, diagnostics } = compile("[c]\nexten => 1,1,NoOp(first)\nexten => 1,1,NoOp(second)\n");
  assert.match(diagnostics[0]?.message ?? "", /Unable to register extension '1' priority 1 in 'c', already in use/);
  assert.equal(dialplan.contexts.get("c")?.extensions[0]?.priorities[0]?.appData, "first");
});

test("compile: unknown application warns at load with its name and line, and still loads", () => {
  const { dialplan, diagnostics } = compile("[c]\nexten => 1,1,Answer()\nexten => 1,n,Frobnicate(x)\n", ["Answer"]);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]?.severity, "warning");
  assert.equal(diagnostics[0]?.line, 3);
  assert.match(diagnostics[0]?.message ?? "", /Application 'Frobnicate' at line 3 of extensions.conf does not exist/);
  assert.equal(dialplan.contexts.get("c")?.extensions[0]?.priorities.length, 2);
});

test("compile: [globals] become global variables and [general] sets autofallthrough", () => {
  const { dialplan, diagnostics } = compile("[general]\nautofallthrough=no\nstatic=yes\n[globals]\nTRUNK=PJSIP/trunk\nX => 1\n[c]\nexten => 1,1,NoOp()\n");
  assert.deepEqual(diagnostics, []);
  assert.equal(dialplan.globals.get("TRUNK"), "PJSIP/trunk");
  assert.equal(dialplan.globals.get("X"), "1");
  assert.equal(dialplan.general.autofallthrough, false);
  assert.deepEqual([...dialplan.contexts.keys()], ["c"]);
});

test("compile: include, ignorepat and hint are kept; switch warns as unsupported", () => {
  const { dialplan, diagnostics } = compile(
    ["[a]", "include => b", "ignorepat => 9", "switch => Realtime/x", "exten => 6001,hint,PJSIP/6001", "exten => 6001,1,Dial(PJSIP/6001)", "[b]", "exten => 1,1,NoOp()"].join("\n"),
  );
  const a = dialplan.contexts.get("a");
  assert.deepEqual(a?.includes.map((i) => i.context), ["b"]);
  assert.deepEqual(a?.ignorePatterns, ["9"]);
  assert.equal(a?.extensions[0]?.hint?.devices, "PJSIP/6001");
  assert.equal(a?.extensions[0]?.priorities.length, 1);
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0]?.message ?? "", /'switch => Realtime\/x' at line 4 .* not supported/);
});

test("compile: include of a context that does not exist warns", () => {
  const { diagnostics } = compile("[a]\ninclude => nowhere\n");
  assert.match(diagnostics[0]?.message ?? "", /includes 'nowhere', which does not exist/);
});

test("compile: the same context in two sections is merged", () => {
  const { dialplan } = compile("[a]\nexten => 1,1,NoOp()\n[a]\nexten => 2,1,NoOp()\n");
  assert.deepEqual(dialplan.contexts.get("a")?.extensions.map((e) => e.name), ["1", "2"]);
});

test("compile: extensions are ordered literals first, then patterns from most specific", () => {
  const { dialplan } = compile(["[c]", "exten => _X.,1,NoOp()", "exten => _1XX,1,NoOp()", "exten => 100,1,NoOp()", "exten => _1NX,1,NoOp()", "exten => s,1,NoOp()"].join("\n"));
  assert.deepEqual(dialplan.contexts.get("c")?.extensions.map((e) => e.name), ["100", "s", "_1NX", "_1XX", "_X."]);
});

test("compile: '_.' warns that it is strongly discouraged", () => {
  const { diagnostics } = compile("[c]\nexten => _.,1,NoOp()\n");
  assert.match(diagnostics[0]?.message ?? "", /The use of '_\.' for an extension is strongly discouraged.*Please use '_X\.' instead at line 2/);
});

test("compile: missing closing parenthesis warns and keeps the rest as arguments", () => {
  const { dialplan, diagnostics } = compile("[c]\nexten => 1,1,Dial(PJSIP/1,30\n");
  assert.match(diagnostics[0]?.message ?? "", /Can't find trailing parenthesis for Dial at line 2/);
  assert.equal(dialplan.contexts.get("c")?.extensions[0]?.priorities[0]?.appData, "PJSIP/1,30");
});

test("compile: missing application is an error", () => {
  const { diagnostics } = compile("[c]\nexten => 1,1\n");
  assert.match(diagnostics[0]?.message ?? "", /No application given at line 2/);
});

test("compile: caller ID match '/cid' is stored and sorted before the plain extension", () => {
  const { dialplan } = compile("[c]\nexten => 100,1,NoOp(any)\nexten => 100/_55X,1,NoOp(vip)\n");
  const exts = dialplan.contexts.get("c")?.extensions ?? [];
  assert.deepEqual(exts.map((e) => e.cidMatch), ["_55X", undefined]);
});

test("compile: unknown directives in a context warn", () => {
  const { diagnostics } = compile("[c]\nfoo => bar\n");
  assert.match(diagnostics[0]?.message ?? "", /Unknown directive 'foo' at line 2/);
});

test("compile: old App,args form without parentheses is accepted", () => {
  const { dialplan } = compile("[c]\nexten => 1,1,Wait,2\n");
  const p = dialplan.contexts.get("c")?.extensions[0]?.priorities[0];
  assert.deepEqual([p?.app, p?.appData], ["Wait", "2"]);
});
