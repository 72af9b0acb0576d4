import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatDiagnostic } from "../../../src/config/diagnostic.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";
import { buildLoggerConfig } from "../../../src/config/logger/load-logger.js";
import { loggerSchema } from "../../../src/config/logger/logger-schema.js";
import { renderLoggerSample } from "../../../src/config/logger/logger-sample.js";
import { levelNames } from "../../../src/core/log/levels.js";

const SAMPLE = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "configs", "samples", "logger.conf.sample"), "utf8");
const load = (text: string) => buildLoggerConfig(parseConfigText(text, "logger.conf"));

test("docs sync: logger.conf.sample is what scripts/gen-samples.ts generates, lists every option and loads cleanly", () => {
  assert.equal(SAMPLE, renderLoggerSample(), "run: node --import tsx scripts/gen-samples.ts");
  for (const o of loggerSchema.options) assert.ok(SAMPLE.includes(`\n;${o.name}=${o.defaultText}`), `${o.name} in logger.conf.sample`);
  const r = load(SAMPLE);
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual(r.config.channels.map((c) => c.name), ["console", "messages.log", "security.log", "full.log"]);
  assert.equal(r.config.rotatestrategy, "rotate");
});

test("logger.conf: channels with formatters and level lists; = and => both work; [general] options", () => {
  const r = load("[general]\ndateformat=%F %T\nuse_callids=no\nappendhostname=yes\n[logfiles]\nconsole => notice,warning,error\nmessages.log = notice,verbose(3)\nfull.json => [json]*\nplain.log => [PLAIN]error\n");
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  const c = r.config;
  assert.equal(c.present, true);
  assert.equal(c.dateformat, "%F %T");
  assert.equal(c.useCallids, false);
  assert.equal(c.appendhostname, true);
  assert.deepEqual(c.channels.map((x) => [x.name, x.formatter, levelNames(x.levels.mask).trim(), x.levels.verbose]), [
    ["console", "default", "NOTICE WARNING ERROR", undefined],
    ["messages.log", "default", "NOTICE VERBOSE", 3],
    ["full.json", "json", "DEBUG TRACE NOTICE WARNING ERROR VERBOSE DTMF FAX SECURITY", undefined],
    ["plain.log", "plain", "ERROR", undefined],
  ]);
});

test("logger.conf: an unknown formatter, unknown levels and a bad syslog facility are each one warning; the rest still loads", () => {
  const r = load("[logfiles]\na.log => [xml]notice\nb.log => notice,chatter\nsyslog.nowhere => error\nsyslog.local3 => error\nc.log =>\n[colors]\n");
  const text = r.diagnostics.map(formatDiagnostic).join("\n");
  assert.match(text, /a\.log: unknown formatter '\[xml\]'; using \[default\]/);
  assert.match(text, /b\.log: unknown level 'chatter' ignored/);
  assert.match(text, /syslog\.nowhere: 'nowhere' is not a syslog facility .*channel skipped/);
  assert.match(text, /c\.log => : no levels, so nothing is written there/);
  assert.match(text, /\[colors\] is not a section of logger\.conf/);
  assert.deepEqual(r.config.channels.map((x) => x.name), ["a.log", "b.log", "syslog.local3", "c.log"]);
});

test("logger.conf: queue_log=yes and logger_queue_limit are named as not implemented (no queues yet)", () => {
  const cfg = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "", "logger.conf": "[general]\nqueue_log=yes\nlogger_queue_limit=50\n" } });
  const text = cfg.diagnostics.map(formatDiagnostic).join("\n");
  assert.match(text, /queue_log' is accepted but not implemented/);
  assert.match(text, /logger_queue_limit' is accepted but not implemented/);
});

test("logger.conf: without the file, Asterisk's default (console only, with verbose) and present=false", () => {
  const cfg = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "" } });
  assert.equal(cfg.logger.present, false);
  assert.deepEqual(cfg.logger.channels.map((c) => [c.name, levelNames(c.levels.mask).trim()]), [["console", "NOTICE WARNING ERROR VERBOSE"]]);
});

test("logger.conf: verbose(n) on the console and an empty [logfiles] are each one warning saying what happens instead", () => {
  const v = load("[logfiles]\nconsole => notice,verbose(3)\n").diagnostics.map(formatDiagnostic).join("\n");
  assert.match(v, /console => notice,verbose\(3\): the \(3\) of verbose is not used on the console, as in Asterisk; each console shows verbose lines up to its own verbosity/);
  const e = load("[general]\n[logfiles]\n").diagnostics.map(formatDiagnostic).join("\n");
  assert.match(e, /no channels in \[logfiles\]: nothing is logged, not even errors/);
  assert.deepEqual(load("[logfiles]\nconsole => notice\n").diagnostics, []);
});

test("logger.conf: a bare `syslog` (any name starting with syslog) is a syslog channel on local0, as in Asterisk", async () => {
  const { syslogFacilityOf } = await import("../../../src/core/log/syslog.js");
  assert.equal(syslogFacilityOf("syslog"), "local0");
  assert.equal(syslogFacilityOf("syslog."), "", "an empty facility: the load warns and skips it, as Asterisk refuses it");
  assert.equal(syslogFacilityOf("Syslog.daemon"), "daemon");
  assert.equal(syslogFacilityOf("syslog.log"), "log", "a facility name that is not one: the load warns");
  assert.equal(syslogFacilityOf("messages.log"), undefined);
  const r = load("[logfiles]\nsyslog => notice\nsyslog.local4 => error\n");
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual(r.config.channels.map((x) => x.name), ["syslog", "syslog.local4"]);
});

test("logger.conf: the deprecated rotatetimestamp chooses timestamp or sequential when rotatestrategy is not set, with a warning; custom_levels is named as not implemented", () => {
  const yes = load("[general]\nrotatetimestamp=yes\n[logfiles]\nconsole => error\n");
  assert.equal(yes.config.rotatestrategy, "timestamp");
  assert.match(yes.diagnostics.map(formatDiagnostic).join("\n"), /rotatetimestamp is deprecated; write rotatestrategy = timestamp instead/);
  assert.equal(load("[general]\nrotatetimestamp=no\nrotatestrategy=rotate\n[logfiles]\nconsole => error\n").config.rotatestrategy, "rotate", "rotatestrategy wins");
  assert.equal(load("[general]\nrotatetimestamp=no\n[logfiles]\nconsole => error\n").config.rotatestrategy, "sequential");
  const cfg = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "", "logger.conf": "[general]\ncustom_levels=billing\n[logfiles]\nconsole => error\n" } });
  assert.match(cfg.diagnostics.map(formatDiagnostic).join("\n"), /custom_levels' is accepted but not implemented.*Log\(\)/);
});
