import { test } from "node:test";
import assert from "node:assert/strict";
import { mapAccess } from "../../../src/config/ini/file-access.js";
import { parseConfigFile, parseConfigText } from "../../../src/config/ini/parser.js";
import { visibleCategories, type ParsedConfig } from "../../../src/config/ini/types.js";

/** name=value pairs of the n-th visible category, for compact assertions. */
function pairs(parsed: ParsedConfig, index = 0): string[] {
  const cat = visibleCategories(parsed)[index];
  assert.ok(cat, `category ${index} exists`);
  return cat.variables.map((v) => `${v.name}=${v.value}`);
}

const VALUE_CASES: Array<{ name: string; text: string; expect: string[] }> = [
  { name: "key = value strips whitespace around name and value", text: "[a]\n  key  =   some value  \n", expect: ["key=some value"] },
  { name: "=> sets a variable like =", text: "[a]\nexten => 100,1,Answer()\n", expect: ["exten=100,1,Answer()"] },
  { name: "repeated keys are kept in order", text: "[a]\nallow=ulaw\nallow=alaw\n", expect: ["allow=ulaw", "allow=alaw"] },
  { name: "+= appends to the last same-named variable without a separator", text: "[a]\nx=1\nx=2\nx+=3\n", expect: ["x=1", "x=23"] },
  { name: "+= with no earlier variable acts as =", text: "[a]\ny+=5\n", expect: ["y=5"] },
  { name: "; starts a comment", text: "[a]\nk=v ; comment\n; whole line\n", expect: ["k=v"] },
  { name: "\\; is a literal semicolon", text: "[a]\npassword=se\\;cret\n", expect: ["password=se;cret"] },
  { name: "block comment spans lines", text: "[a]\nk=1\n;-- hidden=1\nhidden=2 --;\nl=2\n", expect: ["k=1", "l=2"] },
  { name: "text after a closed block comment on the same line is kept", text: "[a]\n;-- x --; m=3\n", expect: ["m=3"] },
  { name: "nested block comments close at the matching level", text: "[a]\n;-- a ;-- b --; still hidden=1 --;\nn=4\n", expect: ["n=4"] },
  { name: "an empty value is kept", text: "[a]\nempty=\n", expect: ["empty="] },
  { name: "CRLF line endings are accepted", text: "[a]\r\nk=v\r\n", expect: ["k=v"] },
];

for (const c of VALUE_CASES) {
  test(`ini parser: ${c.name}`, () => {
    const parsed = parseConfigText(c.text, "t.conf");
    assert.deepEqual(pairs(parsed), c.expect);
    assert.deepEqual(parsed.diagnostics, []);
  });
}

test("ini parser: => sets the object flag and = does not", () => {
  const parsed = parseConfigText("[a]\nx => 1\ny = 2\n", "t.conf");
  const vars = visibleCategories(parsed)[0]?.variables ?? [];
  assert.deepEqual(vars.map((v) => v.object), [true, false]);
});

test("ini parser: variables and categories remember file and line", () => {
  const parsed = parseConfigText("; c\n[a]\n\nk=v\n", "x.conf");
  const cat = parsed.categories[0];
  assert.equal(cat?.file, "x.conf");
  assert.equal(cat?.line, 2);
  assert.deepEqual(cat?.variables[0], { name: "k", value: "v", file: "x.conf", line: 4, object: false });
});

test("ini parser: same-named categories stay separate, in order", () => {
  const parsed = parseConfigText("[6001]\ntype=endpoint\n[6001]\ntype=auth\n[6001]\ntype=aor\n", "p.conf");
  assert.deepEqual(
    parsed.categories.map((c) => `${c.name}:${c.variables[0]?.value}`),
    ["6001:endpoint", "6001:auth", "6001:aor"],
  );
});

test("ini parser: a template is hidden but its variables are inherited first, in template order", () => {
  const text = "[t1](!)\na=1\nb=1\n[t2](!)\nb=2\n[x](t1,t2)\nc=3\n";
  const parsed = parseConfigText(text, "t.conf");
  assert.deepEqual(visibleCategories(parsed).map((c) => c.name), ["x"]);
  assert.deepEqual(pairs(parsed), ["a=1", "b=1", "b=2", "c=3"]);
  const x = visibleCategories(parsed)[0];
  assert.deepEqual(x?.inherits, ["t1", "t2"]);
  assert.equal(x?.variables[0]?.inheritedFrom, "t1");
  assert.equal(x?.variables[0]?.line, 2, "inherited variables keep the template's line");
});

test("ini parser: [x](!,base) is a template that itself inherits", () => {
  const parsed = parseConfigText("[base](!)\na=1\n[mid](!,base)\nb=2\n[leaf](mid)\nc=3\n", "t.conf");
  const mid = parsed.categories.find((c) => c.name === "mid");
  assert.equal(mid?.template, true);
  assert.deepEqual(pairs(parsed), ["a=1", "b=2", "c=3"]);
});

test("ini parser: [x](+) appends to the existing category", () => {
  const parsed = parseConfigText("[a]\nk=1\n[b]\nz=0\n[a](+)\nl=2\n", "t.conf");
  assert.equal(parsed.categories.length, 2);
  assert.deepEqual(pairs(parsed, 0), ["k=1", "l=2"]);
  assert.deepEqual(parsed.diagnostics, []);
});

test("ini parser: [x](+type=aor) appends to the same-named category whose variable matches", () => {
  const parsed = parseConfigText("[6001]\ntype=endpoint\n[6001]\ntype=aor\n[6001](+type=aor)\nmax_contacts=1\n", "t.conf");
  assert.deepEqual(pairs(parsed, 1), ["type=aor", "max_contacts=1"]);
});

const DIAGNOSTIC_CASES: Array<{ name: string; text: string; severity: "error" | "warning"; message: string; line: number; ok: boolean }> = [
  { name: "a line without = is ignored with a warning", text: "[a]\njustaword\n", severity: "warning", message: "No '=' (equal sign) in line 2 of t.conf", line: 2, ok: true },
  { name: "a variable before any category is ignored with a warning", text: "k=v\n[a]\n", severity: "warning", message: "parse error: No category context for line 1 of t.conf", line: 1, ok: true },
  { name: "(+) on an unknown category is an error", text: "[a](+)\nk=v\n", severity: "error", message: "Category addition requested, but category 'a' does not exist, line 1 of t.conf", line: 1, ok: false },
  { name: "inheriting from an unknown category is an error", text: "[a](nope)\n", severity: "error", message: "Inheritance requested, but category 'nope' does not exist, line 1 of t.conf", line: 1, ok: false },
  { name: "a header without ] is an error", text: "[a\n", severity: "error", message: "parse error: no closing ']', line 1 of t.conf", line: 1, ok: false },
  { name: "#exec is warned about and not run", text: "[a]\n#exec /bin/echo k=v\n", severity: "warning", message: "#exec is not supported; line 2 of t.conf ignored (Asterisk runs programs only with execincludes=yes)", line: 2, ok: true },
  { name: "a missing #include fails the parse", text: "[a]\n#include \"missing.conf\"\n", severity: "error", message: "The file 'missing.conf' was listed as a #include but it does not exist.", line: 2, ok: false },
];

for (const c of DIAGNOSTIC_CASES) {
  test(`ini parser: ${c.name}`, () => {
    const parsed = parseConfigText(c.text, "t.conf", mapAccess({}));
    assert.deepEqual(parsed.diagnostics, [{ severity: c.severity, file: "t.conf", line: c.line, message: c.message }]);
    assert.equal(parsed.ok, c.ok);
  });
}

test("ini parser: #include in all three spellings resolves next to the including file", () => {
  const files = {
    "main.conf": '[a]\n#include "sub/one.conf"\n#include <sub/two.conf>\n#include sub/three.conf\n',
    "sub/one.conf": "one=1\n#include four.conf\n",
    "sub/two.conf": "two=2\n",
    "sub/three.conf": "three=3\n",
    "sub/four.conf": "four=4\n",
  };
  const parsed = parseConfigFile("main.conf", mapAccess(files));
  assert.deepEqual(pairs(parsed), ["one=1", "four=4", "two=2", "three=3"]);
  assert.deepEqual(parsed.files, ["main.conf", "sub/one.conf", "sub/four.conf", "sub/two.conf", "sub/three.conf"]);
  assert.equal(visibleCategories(parsed)[0]?.variables[1]?.file, "sub/four.conf");
  assert.equal(parsed.ok, true);
});

test("ini parser: an included file may open new categories; the includer continues its own", () => {
  const files = { "m.conf": "[a]\n#include inc.conf\nafter=1\n", "inc.conf": "[b]\nb=1\n" };
  const parsed = parseConfigFile("m.conf", mapAccess(files));
  assert.deepEqual(pairs(parsed, 0), ["after=1"]);
  assert.deepEqual(pairs(parsed, 1), ["b=1"]);
});

test("ini parser: #tryinclude of a missing file is silently skipped", () => {
  const parsed = parseConfigText("[a]\n#tryinclude nothere.conf\nk=v\n", "m.conf", mapAccess({}));
  assert.deepEqual(parsed.diagnostics, []);
  assert.deepEqual(pairs(parsed), ["k=v"]);
});

test("ini parser: #tryinclude with a glob reads matching files in name order", () => {
  const files = { "m.conf": "#tryinclude d/*.conf\n", "d/b.conf": "[b]\n", "d/a.conf": "[a]\n", "d/c.txt": "[c]\n" };
  const parsed = parseConfigFile("m.conf", mapAccess(files));
  assert.deepEqual(parsed.categories.map((c) => c.name), ["a", "b"]);
});

test("ini parser: an include loop is detected and reported with the chain", () => {
  const files = { "a.conf": "[x]\n#include b.conf\n", "b.conf": "#include a.conf\nk=v\n" };
  const parsed = parseConfigFile("a.conf", mapAccess(files));
  assert.equal(parsed.ok, false);
  assert.equal(parsed.diagnostics.length, 1);
  assert.equal(parsed.diagnostics[0]?.file, "b.conf");
  assert.match(parsed.diagnostics[0]?.message ?? "", /#include loop: 'a.conf' is already being read \(a.conf -> b.conf -> a.conf\)/);
  assert.deepEqual(pairs(parsed), ["k=v"]);
});

test("ini parser: a file missing on disk is an error diagnostic, not an exception", () => {
  const parsed = parseConfigFile("/nonexistent/dir/pjsip.conf");
  assert.equal(parsed.ok, false);
  assert.equal(parsed.diagnostics[0]?.severity, "error");
});
