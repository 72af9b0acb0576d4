/** cdr.conf, cdr_manager.conf and cdr_sqlite3_custom.conf: defaults, backends turned on by their sections, and the samples. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCdrConfig, splitQuotedList } from "../../../src/config/cdr/load-cdr.js";
import { renderCdrManagerSample, renderCdrSample, renderCdrSqliteSample } from "../../../src/config/cdr/cdr-sample.js";
import { parseConfigText } from "../../../src/config/index.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "configs", "samples");

test("cdr: without the files records are kept (Asterisk's default) and no backend writes them", () => {
  const r = buildCdrConfig({ cdr: undefined, manager: undefined, sqlite: undefined });
  assert.equal(r.config.general.enable, true);
  assert.equal(r.config.general.unanswered, false);
  assert.equal(r.config.csv, undefined, "cdr_csv needs a [csv] section");
  assert.equal(r.config.managerEnabled, false);
  assert.equal(r.config.sqlite, undefined);
});

test("cdr.conf: [csv] turns the CSV backend on with Asterisk's defaults; batch mode and other sections are named, not silently taken", () => {
  const r = buildCdrConfig({ cdr: parseConfigText("[general]\nbatch=yes\n[csv]\n[custom]\nx=1\n", "cdr.conf"), manager: parseConfigText("[general]\nenabled=yes\n[mappings]\nrate => Rate\n", "cdr_manager.conf"), sqlite: undefined });
  assert.deepEqual(r.config.csv, { usegmtime: false, loguniqueid: false, loguserfield: false, accountlogs: true, newcdrcolumns: false });
  assert.equal(r.config.managerEnabled, true);
  const texts = r.diagnostics.map((d) => d.message).join("\n");
  assert.match(texts, /batch.*not implemented/i);
  assert.match(texts, /\[custom\] is not read/);
  assert.match(texts, /\[mappings\] is not implemented/);
});

test("cdr_sqlite3_custom.conf: values split on commas outside quotes and parentheses, quotes removed", () => {
  assert.deepEqual(splitQuotedList("'${CDR(clid)}', '${IF($[1]?a,b:c)}',\"x,y\", plain"), ["${CDR(clid)}", "${IF($[1]?a,b:c)}", "x,y", "plain"]);
  assert.deepEqual(splitQuotedList(""), []);
});

test("the cdr samples are generated from the schemas and load without errors or warnings", () => {
  const cdr = readFileSync(join(SAMPLES, "cdr.conf.sample"), "utf8");
  const mgr = readFileSync(join(SAMPLES, "cdr_manager.conf.sample"), "utf8");
  const sq = readFileSync(join(SAMPLES, "cdr_sqlite3_custom.conf.sample"), "utf8");
  assert.equal(cdr, renderCdrSample(), "run: node --import tsx scripts/gen-samples.ts");
  assert.equal(mgr, renderCdrManagerSample());
  assert.equal(sq, renderCdrSqliteSample());
  const r = buildCdrConfig({ cdr: parseConfigText(cdr, "cdr.conf"), manager: parseConfigText(mgr, "cdr_manager.conf"), sqlite: parseConfigText(sq, "cdr_sqlite3_custom.conf") });
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.config.sqlite?.columns.length, 16);
  assert.equal(r.config.csv?.loguniqueid, true);
});

test("loadConfiguration reads the cdr files from the directory's file set", () => {
  const c = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "[t]\ntype=transport\nprotocol=udp\nbind=127.0.0.1:5060\n", "cdr.conf": "[csv]\nloguniqueid=yes\n" } } as never);
  assert.equal(c.cdr.csv?.loguniqueid, true);
});

test("acl.conf.sample is generated from the schema and loads without errors or warnings", async () => {
  const { renderAclSample } = await import("../../../src/config/acl/acl-sample.js");
  const { buildAclConfig } = await import("../../../src/config/acl/load-acl.js");
  const text = readFileSync(join(SAMPLES, "acl.conf.sample"), "utf8");
  assert.equal(text, renderAclSample(), "run: node --import tsx scripts/gen-samples.ts");
  const r = buildAclConfig(parseConfigText(text, "acl.conf"));
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.config.named.get("office")?.length, 3);
});
