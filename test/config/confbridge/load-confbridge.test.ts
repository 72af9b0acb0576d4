/** confbridge.conf: the built-in profiles, profiles by type, menus and [general] named, and the sample. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildConfbridgeConfig } from "../../../src/config/confbridge/load-confbridge.js";
import { renderConfbridgeSample } from "../../../src/config/confbridge/confbridge-sample.js";
import { parseConfigText } from "../../../src/config/index.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "configs", "samples");

test("confbridge: without the file default_bridge and default_user exist with Asterisk's defaults", () => {
  const c = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "" } }).confbridge;
  assert.deepEqual([...c.bridges.keys()], ["default_bridge"]);
  assert.deepEqual([...c.users.keys()], ["default_user"]);
  const b = c.bridges.get("default_bridge");
  assert.equal(b?.maxMembers, 0);
  assert.equal(b?.mixingInterval, "20");
  assert.equal(b?.internalSampleRate, "auto");
  assert.equal(b?.soundGetPin, "conf-getpin");
  const u = c.users.get("default_user");
  assert.equal(u?.admin, false);
  assert.equal(u?.pin, "");
  assert.equal(u?.announceOnlyUser, true);
});

test("confbridge.conf: profiles by type, a default_user section changes the built-in one, menus and stray sections are named", () => {
  const text = "[general]\nfoo=1\n[big]\ntype=bridge\nmax_members=3\nrecord_conference=yes\n[default_user]\ntype=user\nstartmuted=yes\n[boss]\ntype=user\nadmin=yes\nmarked=yes\n[m]\ntype=menu\n*=playback_and_continue(x)\n[odd]\nx=1\n";
  const r = buildConfbridgeConfig(parseConfigText(text, "confbridge.conf"));
  assert.equal(r.config.bridges.get("big")?.maxMembers, 3);
  assert.equal(r.config.users.get("default_user")?.startmuted, true);
  assert.equal(r.config.users.get("boss")?.marked, true);
  assert.ok(r.config.menus.has("m"));
  const texts = r.diagnostics.map((d) => d.message).join("\n");
  assert.match(texts, /\[general\] has no options \(foo/);
  assert.match(texts, /record_conference' is accepted but not implemented/);
  assert.match(texts, /type=menu is accepted but not implemented/);
  assert.match(texts, /\[odd\] has no type=/);
});

test("the confbridge sample is generated from the schema and loads without errors or warnings", () => {
  const sample = readFileSync(join(SAMPLES, "confbridge.conf.sample"), "utf8");
  assert.equal(sample, renderConfbridgeSample(), "run: node --import tsx scripts/gen-samples.ts");
  const r = buildConfbridgeConfig(parseConfigText(sample, "confbridge.conf"));
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.config.users.get("staff")?.pin, "4321");
  assert.equal(r.config.bridges.get("team_bridge")?.maxMembers, 10);
});
