/**
 * The backends' output: Master.csv lines in Asterisk's column order and quoting, with the [csv]
 * options' extra columns and per-account files; SQLite rows from the configured values; the
 * Cdr event's fields; and `cdr show status`.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { buildCdrConfig } from "../../../src/config/cdr/load-cdr.js";
import { parseConfigText } from "../../../src/config/index.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import { CdrRecord, formatCdrTime } from "../../../src/pbx/cdr/cdr-record.js";
import type { FinishedCdr } from "../../../src/pbx/cdr/cdr-engine.js";
import { csvLine, CsvBackend } from "../../../src/pbx/cdr/csv-backend.js";
import { SqliteBackend } from "../../../src/pbx/cdr/sqlite-backend.js";
import { cdrEventFields } from "../../../src/pbx/cdr/cdr-module.js";
import { cdrStatusText } from "../../../src/pbx/cdr/cdr-commands.js";

const T0 = Date.UTC(2026, 11, 7, 9, 30, 0, 250);

function record(): FinishedCdr {
  const r = new CdrRecord({ channel: "PJSIP/1001-00000001", uniqueid: "1765099800.1", linkedid: "1765099800.1", callerIdNum: "1001", callerIdName: 'Ann "the boss"', accountCode: "sales", context: "office", exten: "2002" }, T0, 7);
  r.lastapp = "Dial";
  r.lastdata = "PJSIP/2002,30,tT";
  r.b = { channel: "PJSIP/2002-00000002", uniqueid: "1765099800.2", accountCode: "support" };
  r.answer = T0 + 4000;
  r.end = T0 + 65_600;
  r.userfield = "vip";
  return { record: r, disposition: "ANSWERED" };
}

function csv(text = "") {
  const c = buildCdrConfig({ cdr: parseConfigText(`[csv]\n${text}`, "cdr.conf"), manager: undefined, sqlite: undefined }).config.csv;
  assert.ok(c);
  return c;
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "sw-cdr-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("Master.csv line: Asterisk's 16 columns, quotes doubled, durations bare; times in UTC with usegmtime", () => {
  const line = csvLine(record(), csv("usegmtime=yes"), false);
  assert.equal(
    line,
    '"sales","1001","2002","office","""Ann ""the boss"""" <1001>","PJSIP/1001-00000001","PJSIP/2002-00000002","Dial","PJSIP/2002,30,tT",' +
      '"2026-12-07 09:30:00","2026-12-07 09:30:04","2026-12-07 09:31:05",65,61,"ANSWERED","DOCUMENTATION"\n',
  );
  assert.equal(line.split(",").length, 18, "two commas inside quoted fields, 16 columns");
});

test("Master.csv line: loguniqueid, loguserfield and newcdrcolumns add their columns in Asterisk's order", () => {
  const line = csvLine(record(), csv("usegmtime=yes\nloguniqueid=yes\nloguserfield=yes\nnewcdrcolumns=yes"), false);
  assert.ok(line.endsWith('"ANSWERED","DOCUMENTATION","1765099800.1","vip","support","1765099800.1",7\n'), line);
  assert.equal(csvLine(record(), csv("usegmtime=yes"), true).includes(",65,62,"), true, "initiatedseconds: 61.6 s billed as 62");
});

test("CSV backend: Master.csv and the account's file grow by a line per record; an unwritable directory is an error naming the file", (t) => {
  const dir = tempDir(t);
  const b = new CsvBackend(dir);
  b.write(record(), csv(), false);
  b.write(record(), csv(), false);
  assert.equal(readFileSync(join(dir, "cdr-csv", "Master.csv"), "utf8").split("\n").length, 3);
  assert.equal(readFileSync(join(dir, "cdr-csv", "sales.csv"), "utf8").split("\n").length, 3);
  const noAccounts = new CsvBackend(join(dir, "other"));
  noAccounts.write(record(), csv("accountlogs=no"), false);
  assert.equal(existsSync(join(dir, "other", "cdr-csv", "sales.csv")), false);
  const sneaky = record();
  sneaky.record.accountCode = "../../etc/x";
  b.write(sneaky, csv(), false);
  assert.equal(existsSync(join(dir, "etc")), false, "an account code with a path is not a file name");
  const blocked = new CsvBackend(join(dir, "cdr-csv", "Master.csv"));
  assert.throws(() => blocked.write(record(), csv(), false), /cdr-csv.*writable|EEXIST|ENOTDIR/);
});

test("SQLite backend: the table is created with the configured columns and a row per record holds the values", (t) => {
  const dir = tempDir(t);
  const conf = "[master]\ntable=calls\ncolumns=calldate, clid, dst, billsec, disposition, note\nvalues='${CDR(start)}','${CDR(clid)}','${CDR(dst)}','${CDR(billsec)}','${CDR(disposition)}','${ticket}'\nbusy_timeout=500\n";
  const r = buildCdrConfig({ cdr: undefined, manager: undefined, sqlite: parseConfigText(conf, "cdr_sqlite3_custom.conf") });
  assert.deepEqual(r.diagnostics, []);
  const sq = r.config.sqlite;
  assert.ok(sq);
  const b = new SqliteBackend(dir, new CaptureLogger());
  const f = record();
  f.record.vars.set("ticket", "T-42");
  b.write(f, sq, false);
  b.write(record(), sq, false);
  b.close();
  const db = new BetterSqlite3(join(dir, "master.db"), { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare("SELECT * FROM calls ORDER BY AcctId").all() as Array<Record<string, unknown>>;
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { AcctId: 1, calldate: formatCdrTime(T0), clid: '"Ann "the boss"" <1001>', dst: "2002", billsec: "61", disposition: "ANSWERED", note: "T-42" });
  assert.equal(rows[1]?.note, "", "a CDR variable that is not set is empty");
});

test("cdr_sqlite3_custom.conf: columns and values that do not pair up are an error and the backend stays off", () => {
  const r = buildCdrConfig({ cdr: undefined, manager: undefined, sqlite: parseConfigText("[master]\ncolumns=a,b\nvalues='${CDR(src)}'\n", "cdr_sqlite3_custom.conf") });
  assert.equal(r.config.sqlite, undefined);
  assert.match(r.diagnostics.find((d) => d.severity === "error")?.message ?? "", /2 columns but 1 values/);
  const bad = buildCdrConfig({ cdr: undefined, manager: undefined, sqlite: parseConfigText("[master]\ntable=cdr(x) drop\ncolumns=a\nvalues=x\n", "cdr_sqlite3_custom.conf") });
  assert.equal(bad.config.sqlite, undefined, "the table name goes into SQL: only a plain name is accepted");
  assert.match(bad.diagnostics.find((d) => d.severity === "error")?.message ?? "", /not a plain table name/);
});

test("Cdr event: cdr_manager's fields from the record", () => {
  const e = cdrEventFields(record(), false);
  assert.equal(e.Source, "1001");
  assert.equal(e.Destination, "2002");
  assert.equal(e.DestinationChannel, "PJSIP/2002-00000002");
  assert.equal(e.StartTime, formatCdrTime(T0));
  assert.equal(e.Duration, 65);
  assert.equal(e.BillableSeconds, 61);
  assert.equal(e.Disposition, "ANSWERED");
  assert.equal(e.UserField, "vip");
  assert.equal(e.AMAFlags, "DOCUMENTATION");
});

test("cdr show status: settings and the registered backends", () => {
  const c = buildCdrConfig({ cdr: parseConfigText("[general]\nunanswered=yes\n[csv]\n", "cdr.conf"), manager: parseConfigText("[general]\nenabled=yes\n", "cdr_manager.conf"), sqlite: undefined }).config;
  const text = cdrStatusText(c.general, ["csv", "cdr_manager"]);
  assert.match(text, /^\nCall Detail Record \(CDR\) settings\n-{34}\n {2}Logging: {20}Enabled\n {2}Mode: {23}Simple\n/);
  assert.match(text, /Log unanswered calls: {7}Yes\n/);
  assert.match(text, /\* Registered Backends\n {2}-{19}\n {4}csv\n {4}cdr_manager\n\n$/);
  assert.equal(c.managerEnabled, true);
});
