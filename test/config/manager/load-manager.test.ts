import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfiguration } from "../../../src/config/load-configuration.js";
import { renderManagerSample } from "../../../src/config/manager/manager-sample.js";

const load = (manager: string) => loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "", "manager.conf": manager } });

test("manager.conf: [general] with Asterisk's defaults, users with classes, rules, filters and setvar", () => {
  const c = load("[general]\nenabled=yes\nport=5039\n[crm]\nsecret=s\nread=call,cdr\nwrite=all\ndeny=0.0.0.0/0\npermit=10.0.0.0/8\neventfilter=Event: Newchannel\neventfilter=!Channel: PJSIP/9\nsetvar=PBXACCOUNT=edvina\nsetvar=X=1\n");
  const m = c.manager;
  assert.equal(m.general.enabled, true);
  assert.equal(m.general.port, 5039);
  assert.equal(m.general.bindaddr, "0.0.0.0");
  assert.equal(m.general.authtimeout, 30);
  assert.equal(m.general.authlimit, 50);
  const u = m.users.get("crm")!;
  assert.deepEqual([...u.read].sort(), ["call", "cdr"]);
  assert.ok(u.write.has("originate") && u.write.has("command") && u.write.has("system"), "write=all is every class");
  assert.deepEqual(u.rules.map((r) => r.sense), ["deny", "permit"]);
  assert.deepEqual(u.eventFilters.map((f) => f.sense), ["white", "black"]);
  assert.deepEqual(u.setvar, ["PBXACCOUNT=edvina", "X=1"]);
  assert.equal(u.writeTimeoutMs, 100);
});

test("manager.conf: without the file AMI is off; a bad filter is an error at its line; no secret is a warning", () => {
  assert.equal(loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "" } }).manager.general.enabled, false);
  const c = load("[general]\nenabled=yes\nbindaddr=127.0.0.1\n[x]\neventfilter=Event: (\n");
  const errors = c.diagnostics.filter((d) => d.severity === "error");
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /eventfilter=Event: \( is not a valid regular expression/);
  assert.equal(errors[0]!.line, 5);
  assert.ok(c.diagnostics.some((d) => d.severity === "warning" && /has no secret= and cannot log in/.test(d.message)));
  assert.equal(c.manager.users.get("x")?.eventFilters.length, 0);
  const bad = load("[y]\nsecret=s\nread=call,bogus\n");
  assert.ok(bad.diagnostics.some((d) => /read=call,bogus is not valid; 'bogus' is not one of/.test(d.message)));
});

test("manager.conf.sample is generated from the schema and loads without errors", () => {
  const file = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "configs", "samples", "manager.conf.sample");
  const text = readFileSync(file, "utf8");
  assert.equal(text, renderManagerSample(), "run: node --import tsx scripts/gen-samples.ts");
  const c = load(text);
  assert.deepEqual(c.diagnostics.filter((d) => d.severity === "error"), []);
  assert.equal(c.manager.users.size, 2);
});

test("manager.conf: AMI on a public address without permit lists is an error at load; short secrets are warned", () => {
  const open = load("[general]\nenabled=yes\n[admin]\nsecret=abc\n");
  const err = open.diagnostics.find((d) => d.severity === "error");
  assert.match(err?.message ?? "", /bindaddr 0\.0\.0\.0 is not a loopback address and user 'admin' has no permit= list; AMI will not listen/);
  assert.ok(open.diagnostics.some((d) => d.severity === "warning" && /secret of 3 characters is guessable/.test(d.message)));
  const fenced = load("[general]\nenabled=yes\n[admin]\nsecret=abcdefghijklmnop\ndeny=0.0.0.0/0\npermit=10.0.0.0/8\n");
  assert.deepEqual(fenced.diagnostics, []);
  const off = load("[admin]\nsecret=abc\n");
  assert.equal(off.diagnostics.filter((d) => d.severity === "error").length, 0, "AMI off: nothing listens, nothing to refuse");
});
