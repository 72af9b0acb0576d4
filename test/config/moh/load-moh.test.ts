/** musiconhold.conf: the built-in default class, files classes, relative directories, what is declared not implemented, and the sample. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildMohConfig } from "../../../src/config/moh/load-moh.js";
import { renderMohSample } from "../../../src/config/moh/moh-sample.js";
import { parseConfigText } from "../../../src/config/index.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "configs", "samples");
const parse = (text: string) => parseConfigText(text, "musiconhold.conf");

test("musiconhold.conf: without the file there is one class, default, playing the generated music", () => {
  const r = buildMohConfig(undefined);
  assert.deepEqual([...r.config.classes.keys()], ["default"]);
  const d = r.config.classes.get("default");
  assert.equal(d?.generated, true);
  assert.equal(d?.directory, "");
  assert.equal(r.config.general.preferchannelclass, true, "Asterisk's default");
  assert.deepEqual(r.diagnostics, []);
});

test("musiconhold.conf: files classes keep their directory and sort; alpha without sort=; [default] with a directory plays files", () => {
  const r = buildMohConfig(parse("[default]\nmode=files\ndirectory=/usr/share/asterisk/moh\nsort=random\n\n[jazz]\ndirectory=/srv/jazz\n\n[walk]\nmode=files\ndirectory=/srv/walk\nsort=randstart\n"));
  assert.deepEqual(r.diagnostics, []);
  const d = r.config.classes.get("default");
  assert.equal(d?.generated, false);
  assert.equal(d?.directory, "/usr/share/asterisk/moh");
  assert.equal(d?.sort, "random");
  assert.equal(r.config.classes.get("jazz")?.sort, "alpha", "a class without sort= plays alphabetically");
  assert.equal(r.config.classes.get("jazz")?.mode, "files", "a class without mode= is a files class");
  assert.equal(r.config.classes.get("walk")?.sort, "randstart");
});

test("musiconhold.conf: a relative directory is under asterisk.conf astdatadir, else /var/lib/asterisk (Asterisk's sample: directory=moh)", () => {
  assert.equal(buildMohConfig(parse("[default]\ndirectory=moh\n")).config.classes.get("default")?.directory, "/var/lib/asterisk/moh");
  assert.equal(buildMohConfig(parse("[default]\ndirectory=moh\n"), "/opt/ast").config.classes.get("default")?.directory, "/opt/ast/moh");
  const cfg = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "", "asterisk.conf": "[directories]\nastdatadir=/data/ast\n", "musiconhold.conf": "[jazz]\ndirectory=jazz\n" } });
  assert.equal(cfg.moh.classes.get("jazz")?.directory, "/data/ast/jazz");
  assert.equal(cfg.moh.classes.get("default")?.generated, true);
});

test("musiconhold.conf: a class without a directory is left out with a warning, except [default], which becomes the generated class", () => {
  const r = buildMohConfig(parse("[default]\nmode=files\nsort=random\n\n[empty]\nmode=files\n"));
  assert.equal(r.config.classes.has("empty"), false);
  assert.equal(r.config.classes.get("default")?.generated, true);
  assert.equal(r.config.classes.get("default")?.sort, "random");
  assert.equal(r.diagnostics.length, 1);
  assert.match(r.diagnostics[0]!.message, /\[empty\]: a class needs directory=.*class empty is left out/);
});

test("musiconhold.conf: other modes and the per-class extras are named as not implemented, never silently taken", () => {
  const r = buildMohConfig(parse("[general]\ncachertclasses=yes\n\n[stream]\nmode=custom\napplication=/usr/bin/mpg123 -q -s http://radio\nformat=ulaw\n\n[queue]\nmode=files\ndirectory=/srv/q\ndigit=#\nannouncement=queue-thankyou\nloop_last=yes\nansweredonly=yes\n"));
  const text = r.diagnostics.map((d) => d.message).join("\n");
  for (const o of ["cachertclasses", "mode=custom", "application", "format", "digit", "announcement", "loop_last", "answeredonly"]) assert.match(text, new RegExp(o), `${o} is named`);
  assert.equal(r.config.classes.has("stream"), false, "a custom class without a directory cannot play");
  assert.equal(r.config.classes.get("queue")?.directory, "/srv/q", "the extras do not stop the class from playing its files");
});

test("musiconhold.conf: Asterisk's old [classes] and [moh_files] sections are named, not read", () => {
  const r = buildMohConfig(parse("[classes]\ndefault => quietmp3:/var/lib/asterisk/mohmp3\n"));
  assert.match(r.diagnostics[0]?.message ?? "", /old syntax/);
  assert.deepEqual([...r.config.classes.keys()], ["default"]);
});

test("musiconhold.conf.sample is generated from the schema and loads without errors", () => {
  const text = renderMohSample();
  assert.equal(readFileSync(join(SAMPLES, "musiconhold.conf.sample"), "utf8"), text, "run npx tsx scripts/gen-samples.ts");
  const r = buildMohConfig(parse(text));
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  assert.equal(r.config.classes.get("default")?.directory, "/usr/share/asterisk/moh");
  assert.equal(r.config.classes.get("sales")?.sort, "alpha");
});
